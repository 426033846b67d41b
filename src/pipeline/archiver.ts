/**
 * The archiver: appends every stored document, its receipts and its timeline events to the archive log
 * in one order, commit order, as the webhook fan-out reads document_events (by xid, id, behind the
 * oldest transaction still running). A document, its receipt and its creation event commit in one
 * transaction, and an outbound receipt commits with its `delivered` move, so following the events finds
 * every document and receipt too: a document enters the log before its first event, a receipt before
 * the event it committed with, and a validation report (written with the move that validation decided)
 * likewise.
 *
 * One archiver at a time (a row lock on its cursor, taken by every process's loop in turn) appends, and
 * the cursor moves in the transaction that appends: no entry is lost, none is written twice (the kind and
 * ref of an entry are unique besides). The archive's copies of the bytes are put before the entries
 * commit (a copy left by a failed batch is overwritten by the retry with the same bytes).
 *
 * Checkpoints: after a batch, when `everyEntries` were appended since the last one or it is older than
 * `maxAgeMs`, the head is signed with our AP key (src/archive/checkpoint.ts).
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { chain, eventContent, GENESIS, reportContent, sha256Hex, type EntryFields } from '../archive/chain.js';
import { signCheckpoint, type Checkpoint } from '../archive/checkpoint.js';
import { archiveUntil } from '../archive/retention.js';
import { archiveKey, type NewEntry, type PostgresArchiveStore } from '../store/archive.js';
import type { Tx } from '../store/documents.js';
import type { PayloadStore } from '../store/payloads.js';

export { archiveKey } from '../store/archive.js';

export interface ArchiveSigner {
  privateKey: KeyObject;
  certificate: X509Certificate;
}

export interface ArchiverOptions {
  store: PostgresArchiveStore;
  /** Transit payloads, read to copy them. */
  payloads: PayloadStore;
  /** The archive's copies. */
  archive: PayloadStore;
  /**
   * Both are the Postgres tables (`payloads`, `archive_objects`): hash and copy inside Postgres, so that
   * the bytes never travel to the process and back.
   */
  inDatabase?: boolean;
  /** Null: no AP key here, so no checkpoint is signed. */
  signer: ArchiveSigner | null;
  checkpoint: { everyEntries: number; maxAgeMs: number };
  /** Years the archive keeps a document after the invoice year (Belgium: 10). */
  retentionYears: number;
  /** Events per batch, and the payload bytes a batch may hold in memory (at least one document). */
  batchEvents?: number;
  batchBytes?: number;
  clock?: () => Date;
}

export class Archiver {
  private readonly batchEvents: number;
  private readonly batchBytes: number;
  private readonly now: () => Date;

  constructor(private readonly o: ArchiverOptions) {
    this.batchEvents = o.batchEvents ?? 500;
    this.batchBytes = o.batchBytes ?? 64 * 1024 * 1024;
    this.now = o.clock ?? (() => new Date());
  }

  /** Appends one batch; `more`: call again at once. */
  appendBatch(): Promise<{ appended: number; more: boolean }> {
    const { store } = this.o;
    return store.transaction(async (tx) => {
      const cursor = await store.lockCursor(tx);
      const events = await store.committedAfter(cursor, this.batchEvents, tx);
      if (events.length === 0) {
        await this.checkpointIfDue(tx, false);
        return { appended: 0, more: false };
      }
      const archived = await store.archivedDocuments([...new Set(events.map((e) => e.event.documentId))], tx);
      // The documents new to the archive, cut where their payloads would hold more than batchBytes.
      const fresh = new Map<string, (typeof events)[number]>();
      let bytes = 0;
      let take = events.length;
      for (let i = 0; i < events.length; i++) {
        const e = events[i]!;
        const id = e.event.documentId;
        if (archived.has(id) || fresh.has(id)) continue;
        if (fresh.size > 0 && bytes + e.payloadSize > this.batchBytes) {
          take = i;
          break;
        }
        bytes += e.payloadSize;
        fresh.set(id, e);
      }
      const batch = events.slice(0, take);
      const inDatabase = this.o.inDatabase ?? false;
      const documentIds = [...new Set(batch.map((e) => e.event.documentId))];
      const receipts = new Map<string, Array<{ id: string; sha256: string; receipt: Buffer | null }>>();
      for (const r of await store.unarchivedReceipts(documentIds, !inDatabase, tx)) receipts.set(r.documentId, [...(receipts.get(r.documentId) ?? []), r]);
      const reports = await store.unarchivedReports(documentIds, tx);
      // Each new document's payload: its hash, and its bytes when they must travel to the archive store.
      const hashes = new Map<string, string>();
      const bytesOf = new Map<string, Buffer>();
      if (inDatabase) {
        for (const [id, hash] of await store.payloadHashes([...fresh.keys()], tx)) hashes.set(id, hash);
      } else {
        for (const [id, content] of await this.o.payloads.getMany([...fresh.keys()])) {
          hashes.set(id, sha256Hex(content));
          bytesOf.set(id, content);
        }
      }
      const retention = new Map([...fresh.values()].map((e) => [e.event.documentId, archiveUntil(e.issueDate, e.createdAt, this.o.retentionYears)]));

      const head = await store.head(tx);
      let prev = head?.entryHash ?? GENESIS;
      let seq = head?.seq ?? 0;
      const entries: NewEntry[] = [];
      const copies: Array<[string, Buffer]> = [];
      const copiedDocuments: string[] = [];
      const copiedReceipts: string[] = [];
      const add = (tenantId: string | null, fields: Omit<EntryFields, 'seq'>) => {
        const entry = chain(prev, { ...fields, seq: ++seq });
        prev = entry.entryHash;
        entries.push({ ...entry, tenantId });
      };
      for (const e of batch) {
        const documentId = e.event.documentId;
        if (fresh.has(documentId)) {
          fresh.delete(documentId);
          const hash = hashes.get(documentId);
          // A document stored without its payload (over the rejected-payload quota) enters with the hash it was stored with.
          add(e.tenantId, { kind: 'document', ref: documentId, documentId, contentSha256: hash ?? e.payloadSha256, kept: hash !== undefined });
          if (hash !== undefined) copiedDocuments.push(documentId);
          const content = bytesOf.get(documentId);
          if (content) copies.push([archiveKey.document(documentId), content]);
        }
        for (const r of receipts.get(documentId) ?? []) {
          add(e.tenantId, { kind: 'receipt', ref: r.id, documentId, contentSha256: r.sha256, kept: true });
          copiedReceipts.push(r.id);
          if (r.receipt) copies.push([archiveKey.receipt(r.id), r.receipt]);
        }
        receipts.delete(documentId);
        if (reports.has(documentId)) {
          add(e.tenantId, { kind: 'report', ref: documentId, documentId, contentSha256: sha256Hex(reportContent(reports.get(documentId))), kept: false });
          reports.delete(documentId);
        }
        add(e.tenantId, { kind: 'event', ref: e.event.id, documentId, contentSha256: sha256Hex(eventContent(e.event)), kept: false });
      }
      if (inDatabase) await store.copyInDatabase(copiedDocuments, copiedReceipts, tx);
      else await this.o.archive.putMany(copies, tx);
      await store.append(entries, tx);
      await store.addRetention([...retention].map(([documentId, until]) => ({ documentId, archiveUntil: until })), tx);
      await store.moveCursor(batch[batch.length - 1]!.cursor, tx);
      await this.checkpointIfDue(tx, false);
      return { appended: entries.length, more: events.length === this.batchEvents || take < events.length };
    });
  }

  /** Appends until nothing committed is left behind the cursor. */
  async catchUp(): Promise<number> {
    let total = 0;
    for (;;) {
      const { appended, more } = await this.appendBatch();
      total += appended;
      if (!more) return total;
    }
  }

  /** Signs the head now (an export's proof ends there); null without a signer or an entry. */
  checkpointNow(): Promise<Checkpoint | null> {
    return this.o.store.transaction(async (tx) => {
      await this.o.store.lockCursor(tx);
      return this.checkpointIfDue(tx, true);
    });
  }

  /** With the cursor locked: signs the head when due (or `force`d) and not signed yet. */
  private async checkpointIfDue(tx: Tx, force: boolean): Promise<Checkpoint | null> {
    if (!this.o.signer) return null;
    const head = await this.o.store.head(tx);
    if (!head) return null;
    const last = await this.o.store.lastCheckpoint(tx);
    if (last && last.seq === head.seq) return last;
    const now = this.now();
    const due = force || !last || head.seq - last.seq >= this.o.checkpoint.everyEntries || now.getTime() - Date.parse(last.signedAt) >= this.o.checkpoint.maxAgeMs;
    if (!due) return null;
    const checkpoint = signCheckpoint(head.seq, head.entryHash, now, this.o.signer);
    await this.o.store.addCheckpoint(checkpoint, tx);
    return checkpoint;
  }
}
