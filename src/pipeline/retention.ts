/**
 * Retention: what may be removed, and when; never an entry of the archive log, whose chain covers hashes,
 * not the presence of bytes, so `archive verify` still passes after a purge (it reads the purge from
 * document_retention and expects no bytes then).
 *
 *  - a transit payload goes `payloadDays` after its document was stored, once the document is archived
 *    and in a final status; metadata, events and evidence stay;
 *  - the archive's copies (original XML, receipts) go on their archive_until day (src/archive/retention.ts);
 *  - a legal hold on the document or its tenant stops both;
 *  - each purge appends its event to the document's timeline (`payload-purged`, `archive-purged`), which the
 *    archiver then appends to the log like any other.
 *
 * The mark and its event commit with the removal from a Postgres store; from an object store the bytes are
 * removed just before that commit, so a failed commit leaves the document eligible and the next run ends it.
 */
import { STATE_MACHINES } from '../core/state-machine.js';
import type { PostgresArchiveStore } from '../store/archive.js';
import type { PayloadStore } from '../store/payloads.js';
import { archiveKey } from './archiver.js';

const ACTOR = 'job:retention';
const DAY_MS = 86_400_000;

const FINALS = (['outbound', 'inbound'] as const).flatMap((d) => (STATE_MACHINES[d].final as readonly string[]).map((s) => `${d}:${s}`));

export interface RetentionOptions {
  store: PostgresArchiveStore;
  payloads: PayloadStore;
  archive: PayloadStore;
  payloadDays: number;
  /** Documents per query. */
  batch?: number;
}

export interface PurgeOutcome {
  payloads: number;
  archives: number;
}

export class Retention {
  private readonly batch: number;

  constructor(private readonly o: RetentionOptions) {
    this.batch = o.batch ?? 200;
  }

  /** Purges what is due at `now` (the job passes the clock; tests pass a simulated one). */
  async purge(now: Date): Promise<PurgeOutcome> {
    const outcome = { payloads: 0, archives: 0 };
    const { store } = this.o;
    const storedBefore = new Date(now.getTime() - this.o.payloadDays * DAY_MS);
    for (;;) {
      const ids = await store.payloadPurgeCandidates(storedBefore, FINALS, this.batch);
      for (const id of ids) {
        const done = await store.transaction(async (tx) => {
          const marked = await store.markPurged(id, 'payload', now, { actor: ACTOR, reason: `transit payload purged: stored more than ${this.o.payloadDays} days ago, archived`, details: { retentionDays: this.o.payloadDays } }, tx);
          if (marked) await this.o.payloads.delete(id, tx);
          return marked;
        });
        if (done) outcome.payloads++;
      }
      if (ids.length < this.batch) break;
    }
    const today = now.toISOString().slice(0, 10);
    for (;;) {
      const due = await store.archivePurgeCandidates(today, this.batch);
      for (const c of due) {
        const done = await store.transaction(async (tx) => {
          const marked = await store.markPurged(c.documentId, 'archive', now, { actor: ACTOR, reason: 'archive copies purged: the retention period has ended', details: { receipts: c.receiptRefs.length } }, tx);
          if (!marked) return false;
          await this.o.archive.delete(archiveKey.document(c.documentId), tx);
          for (const ref of c.receiptRefs) await this.o.archive.delete(archiveKey.receipt(ref), tx);
          await this.o.payloads.delete(c.documentId, tx);
          return true;
        });
        if (done) outcome.archives++;
      }
      if (due.length < this.batch) break;
    }
    return outcome;
  }
}
