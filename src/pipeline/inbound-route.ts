/**
 * After the receipt: every received document is validated and routed to its recipient's inbox, in the
 * order received. `received` → `available` (valid), or → `rejected` with the report stored (invalid, or a
 * business duplicate, which Mercurius rejects automatically). The work queue lives in memory; documents
 * stored but not yet routed when the process stopped are still `received` in Postgres and are queued
 * again by recover() at start-up, so nothing durable depends on the memory queue.
 */
import type { Logger } from 'pino';
import type { DocumentStore, InboundRoutingStore, Tx } from '../store/documents.js';
import type { ValidationReport } from '../validation/types.js';
import type { ValidatedDocument, ValidationRunner } from './inbound-validation.js';
import { changeStatus } from './state-machine.js';

const ACTOR = 'inbound';

interface Item {
  id: string;
  /** Kept for the first items only; the rest are read back from the payload store. */
  bytes: Buffer | null;
}

export interface InboundRouterOptions {
  documents: DocumentStore & InboundRoutingStore;
  runner: ValidationRunner;
  logger?: Logger;
  /** The runner's worker count; a few documents per worker are in flight so that routing overlaps validation. */
  concurrency?: number;
  /** Payloads held in memory by the queue; beyond that, queued items are re-read from Postgres. */
  maxQueuedPayloads?: number;
}

/**
 * The seam for the negative business response: a rejected inbound document owes its sender an Invoice
 * Response (RE) or MLS. Until that issue lands, the obligation is recorded as an event the response job
 * will pick up; nothing is sent yet.
 */
export async function negativeResponseDue(store: InboundRoutingStore, tx: Tx, documentId: string, reason: string, details: Record<string, unknown>): Promise<void> {
  await store.addEvent(documentId, { type: 'negative-response-due', reason, actor: ACTOR, details }, tx);
}

function summary(report: ValidationReport): string {
  const fatal = report.issues.filter((i) => i.flag === 'fatal');
  return `validation failed (${fatal.length} fatal: ${fatal
    .slice(0, 3)
    .map((i) => i.id)
    .join(', ')}${fatal.length > 3 ? ', ...' : ''})`;
}

export class InboundRouter {
  private readonly queue: Item[] = [];
  private running = 0;
  /** Validation results are taken in queue order, even when validations overlap... */
  private orderChain: Promise<unknown> = Promise.resolve();
  /** ...and documents with the same invoice number and issue date are routed one after the other, in that
   * order (business-duplicate detection relies on it); other documents are routed in parallel. */
  private readonly keyChains = new Map<string, Promise<void>>();
  private routing = new Set<Promise<void>>();
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  private readonly concurrency: number;
  private readonly maxQueuedPayloads: number;
  routed = 0;

  constructor(private readonly opts: InboundRouterOptions) {
    this.concurrency = Math.max(1, opts.concurrency ?? 1) * 4;
    this.maxQueuedPayloads = opts.maxQueuedPayloads ?? 2000;
  }

  /** Queues a stored `received` document; the bytes save reading the payload back. */
  enqueue(id: string, bytes?: Buffer): void {
    if (this.stopped) return;
    this.queue.push({ id, bytes: bytes && this.queue.length < this.maxQueuedPayloads ? bytes : null });
    this.pump();
  }

  /** Queues every inbound document still `received` (stored before a stop, not yet routed). */
  async recover(): Promise<number> {
    const ids = await this.opts.documents.receivedInboundIds();
    for (const id of ids) this.enqueue(id);
    if (ids.length) this.opts.logger?.info({ documents: ids.length }, 'inbound: re-queued stored documents not yet validated');
    return ids.length;
  }

  get pending(): number {
    return this.queue.length + this.running;
  }

  /** Resolves when the queue is empty and nothing is in progress. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work; what is in progress finishes, queued items stay `received` for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await Promise.allSettled([...this.routing]);
    while (this.running > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0 && !this.stopped) {
      const item = this.queue.shift()!;
      this.running++;
      const validated = this.validate(item);
      const inOrder = this.orderChain.then(() => validated);
      this.orderChain = inOrder;
      const routed = inOrder.then((v) => {
        if (!v) return;
        const key = v.metadata?.invoiceNumber && v.metadata.issueDate ? `${v.metadata.invoiceNumber}\n${v.metadata.issueDate}` : null;
        if (!key) return this.route(item.id, v);
        const chained = (this.keyChains.get(key) ?? Promise.resolve()).then(() => this.route(item.id, v));
        const settled = chained.catch(() => {});
        this.keyChains.set(key, settled);
        void settled.then(() => {
          if (this.keyChains.get(key) === settled) this.keyChains.delete(key);
        });
        return chained;
      });
      const tracked = routed.then(
        () => {},
        () => {},
      );
      this.routing.add(tracked);
      void tracked.then(() => this.routing.delete(tracked));
      routed
        .catch((err) => this.opts.logger?.error({ err, documentId: item.id }, 'inbound: routing failed; the document stays received until the next start'))
        .finally(() => {
          this.running--;
          this.routed++;
          if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
          this.pump();
        });
    }
  }

  private async validate(item: Item): Promise<ValidatedDocument | null> {
    try {
      const bytes = item.bytes ?? (await this.opts.documents.payload(item.id));
      if (!bytes) return null;
      return await this.opts.runner.validate(bytes);
    } catch (err) {
      this.opts.logger?.error({ err, documentId: item.id }, 'inbound: validation failed to run');
      return null;
    }
  }

  private async route(id: string, { report, metadata }: ValidatedDocument): Promise<void> {
    const store = this.opts.documents;
    await store.transaction(async (trx) => {
      const doc = await store.lockReceivedInbound(id, trx);
      if (!doc) return; // routed already (a second process, or a re-queue after recovery)
      const invoiceNumber = metadata?.invoiceNumber ?? doc.invoiceNumber;
      const issueDate = metadata?.issueDate ?? doc.issueDate;
      const duplicateOf = report.valid
        ? await store.findBusinessDuplicate({ id, senderId: doc.senderId, receiverId: doc.receiverId, invoiceNumber, issueDate }, trx)
        : null;
      await store.recordRouting(id, { validationReport: report, invoiceNumber, issueDate, duplicateOf }, trx);
      const expected = { expected: { direction: 'inbound' as const, from: 'received' as const }, tx: trx };
      if (duplicateOf) {
        await store.addEvent(
          id,
          {
            type: 'business-duplicate',
            reason: `same supplier, buyer, invoice number ${invoiceNumber} and issue date ${issueDate} as document ${duplicateOf}`,
            actor: ACTOR,
            details: { duplicateOf },
          },
          trx,
        );
        await changeStatus(store, id, 'rejected', { actor: ACTOR, reason: `business duplicate of ${duplicateOf}`, details: { duplicateOf } }, expected);
        await negativeResponseDue(store, trx, id, 'duplicate invoice (Mercurius rejects duplicates automatically)', { duplicateOf });
      } else if (report.valid) {
        await changeStatus(store, id, 'available', { actor: ACTOR, reason: 'validation passed; in the recipient inbox' }, expected);
      } else {
        const reason = summary(report);
        await changeStatus(store, id, 'rejected', { actor: ACTOR, reason }, expected);
        await negativeResponseDue(store, trx, id, reason, { fatalIssues: report.issues.filter((i) => i.flag === 'fatal').length });
      }
    });
  }
}
