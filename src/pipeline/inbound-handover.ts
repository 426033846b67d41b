/**
 * After the receipt: every received document is validated and handed, in the order received and in
 * batches, to the after-stored handlers (src/pipeline/after-stored.ts; inbox filing moves it out of
 * `received`). The work queue lives in memory; documents stored but not yet handed over when the process
 * stopped are still `received` in Postgres and are queued again by recover() at start-up, so nothing
 * durable depends on the memory queue. While the database is unavailable (a retryable failure), a batch
 * that could not be handed over, or a payload that could not be read, is tried again every
 * RETRY_MS, in order, instead of waiting for the next start.
 */
import type { Logger } from 'pino';
import type { DocumentStore, InboundBatchStore } from '../store/documents.js';
import type { AfterStoredHandler, StoredDocument } from './after-stored.js';
import type { ValidatedDocument, ValidationRunner } from './inbound-validation.js';
import { filedAsRejected } from './inbox-filing.js';
import { NO_METRICS, type Metrics } from '../core/metrics.js';
import { DEFAULT_XML_LIMITS } from '../xml/decode.js';
import { EmbeddedBinaryReducer } from '../xml/embedded-binary.js';
import { toApError } from '../errors.js';

const RETRY_MS = 1_000;
const RETRY: unique symbol = Symbol('retry');

interface Item {
  id: string;
  /** Kept for the first items only; the rest are read back from the payload store, many at a time. */
  bytes: Buffer | null;
  /** Read back in a batch once already (a large or missing payload is then read alone, as a stream). */
  readBack?: boolean;
}

/** Documents and payload bytes one batched read-back takes: under load, one statement per document
 * waits behind the receipts' for a pooled connection, and filing then falls behind for good. */
const READ_BACK_DOCUMENTS = 200;
const READ_BACK_BYTES = 16 * 1024 * 1024;

export interface InboundHandoverOptions {
  documents: DocumentStore & InboundBatchStore;
  runner: ValidationRunner;
  /** In order, each with every batch; inbox filing among them (it moves documents out of `received`). */
  handlers: readonly AfterStoredHandler[];
  logger?: Logger;
  /** The runner's worker count; a few documents per worker are in flight so that handing over overlaps validation. */
  concurrency?: number;
  /** Payloads held in memory by the queue; beyond that, queued items are re-read from Postgres. */
  maxQueuedPayloads?: number;
  /** Most documents handed over in one transaction. */
  maxBatch?: number;
  /** How long the first validated document waits for others to share its transaction (default 50 ms): a
   * batch of one costs as much database work as a batch of a hundred. */
  batchDelayMs?: number;
  /** Largest validation copy read back (default: the XML limit's default). */
  maxValidationCopyBytes?: number;
  /** Counts the documents inbox filing rejected, once their batch committed (default: none). */
  metrics?: Pick<Metrics, 'documentRejected'>;
}

/** A validated document waiting for its batch. */
interface Validated {
  id: string;
  result: ValidatedDocument;
  /** performance.now() when it became ready. */
  at: number;
}

const businessKey = (v: ValidatedDocument): string | null =>
  v.metadata?.invoiceNumber && v.metadata.issueDate ? `${v.metadata.invoiceNumber}\n${v.metadata.issueDate}` : null;

export class InboundHandover {
  private readonly queue: Item[] = [];
  /** Validations in flight; their results are taken in queue order, even when they overlap. */
  private validating = 0;
  private orderChain: Promise<unknown> = Promise.resolve();
  /** Validated documents in queue order, handed over in batches by one loop: a batch commits before the next
   * starts, so business-duplicate detection sees every earlier copy (a batch never holds two copies of one
   * invoice number and issue date). */
  private readonly ready: Validated[] = [];
  private batch: Promise<void> | null = null;
  /** A batched read-back of queued payloads in progress. */
  private readingBack: Promise<void> | null = null;
  private batchTimer: NodeJS.Timeout | null = null;
  private inBatch = 0;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  /** performance.now() before which no batch starts (the last one failed for a retryable reason). */
  private pausedUntil = 0;
  private readonly concurrency: number;
  private readonly maxQueuedPayloads: number;
  private readonly maxBatch: number;
  private readonly batchDelayMs: number;
  private readonly maxValidationCopyBytes: number;
  handedOver = 0;

  constructor(private readonly opts: InboundHandoverOptions) {
    this.concurrency = Math.max(1, opts.concurrency ?? 1) * 4;
    this.maxQueuedPayloads = opts.maxQueuedPayloads ?? 2000;
    this.maxBatch = opts.maxBatch ?? 100;
    this.batchDelayMs = opts.batchDelayMs ?? 50;
    this.maxValidationCopyBytes = opts.maxValidationCopyBytes ?? DEFAULT_XML_LIMITS.maxBytes;
  }

  /**
   * Queues a stored `received` document; the bytes save reading the payload back. A large document's
   * validation copy (`keep`) is always kept: reading it back would read the whole document.
   */
  enqueue(id: string, bytes?: Buffer, keep = false): void {
    if (this.stopped) return;
    this.queue.push({ id, bytes: bytes && (keep || this.queue.length < this.maxQueuedPayloads) ? bytes : null });
    this.pump();
  }

  /** Queues every inbound document still `received` (stored before a stop, not yet handed over). */
  async recover(): Promise<number> {
    const ids = await this.opts.documents.receivedInboundIds();
    for (const id of ids) this.enqueue(id);
    if (ids.length) this.opts.logger?.info({ documents: ids.length }, 'inbound: re-queued stored documents not yet validated');
    return ids.length;
  }

  get pending(): number {
    return this.queue.length + this.validating + this.ready.length + this.inBatch;
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
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    while (this.validating > 0 || this.batch) {
      await (this.batch ?? new Promise((r) => setTimeout(r, 5)));
    }
  }

  private pump(): void {
    while (this.validating < this.concurrency && this.queue.length > 0 && !this.stopped && !this.readingBack) {
      if (!this.queue[0]!.bytes && !this.queue[0]!.readBack) {
        this.readingBack = this.readBackBatch().finally(() => {
          this.readingBack = null;
          this.pump();
        });
        return;
      }
      const item = this.queue.shift()!;
      this.validating++;
      const validated = this.validate(item);
      const inOrder = this.orderChain.then(() => validated);
      this.orderChain = inOrder;
      void inOrder.then((result) => {
        this.validating--;
        if (result === RETRY) setTimeout(() => this.enqueue(item.id, item.bytes ?? undefined), RETRY_MS).unref();
        else if (result && !this.stopped) this.ready.push({ id: item.id, result, at: performance.now() });
        else this.handedOver++;
        this.pump();
        this.drain();
      });
    }
  }

  /** Starts the next batch unless one is running, once it is full or its first document waited long enough. */
  private drain(): void {
    if (this.batch || this.ready.length === 0 || this.stopped) {
      this.notifyIdle();
      return;
    }
    const now = performance.now();
    const paused = this.pausedUntil - now;
    const wait = Math.max(paused, this.ready[0]!.at + this.batchDelayMs - now);
    if ((this.ready.length < this.maxBatch || paused > 0) && wait > 0) {
      this.batchTimer ??= setTimeout(() => {
        this.batchTimer = null;
        this.startBatch();
      }, wait);
      return;
    }
    this.startBatch();
  }

  private startBatch(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    if (this.batch || this.ready.length === 0 || this.stopped) return this.notifyIdle();
    const batch: Validated[] = [];
    const keys = new Set<string>();
    while (batch.length < this.maxBatch && this.ready.length > 0) {
      const key = businessKey(this.ready[0]!.result);
      if (key !== null && keys.has(key)) break;
      if (key !== null) keys.add(key);
      batch.push(this.ready.shift()!);
    }
    this.inBatch = batch.length;
    this.batch = this.handOver(batch)
      .then(
        () => batch.length,
        (err: unknown) => {
          const documents = batch.map((b) => b.id);
          if (toApError(err).retryable && !this.stopped) {
            // First again, in order: documents a lost COMMIT did hand over are no longer `received`, and skipped.
            this.ready.unshift(...batch);
            this.pausedUntil = performance.now() + RETRY_MS;
            this.opts.logger?.warn({ err: (err as Error).message, documents: documents.length }, 'inbound: handing over failed (database unavailable); trying again');
            return 0;
          }
          this.opts.logger?.error({ err, documents }, 'inbound: handing over failed; the documents stay received until the next start');
          return batch.length;
        },
      )
      .then((done) => {
        this.handedOver += done;
        this.inBatch = 0;
        this.batch = null;
        this.drain();
      });
  }

  private notifyIdle(): void {
    if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async validate(item: Item): Promise<ValidatedDocument | null | typeof RETRY> {
    try {
      const bytes = item.bytes ?? (await this.readBack(item.id));
      if (!bytes) return null;
      return await this.opts.runner.validate(bytes);
    } catch (err) {
      if (toApError(err).retryable && !this.stopped) return RETRY;
      this.opts.logger?.error({ err, documentId: item.id }, 'inbound: validation failed to run');
      return null;
    }
  }

  /** The payloads of the queued documents next in line that have none, in one read. */
  private async readBackBatch(): Promise<void> {
    const items = this.queue.slice(0, READ_BACK_DOCUMENTS).filter((i) => !i.bytes && !i.readBack);
    let found = new Map<string, Buffer>();
    try {
      found = await this.opts.documents.payloadsUpTo(items.map((i) => i.id), READ_BACK_BYTES);
    } catch (err) {
      // Each is then read alone, whose failure validate() handles (a retry while the database is away).
      this.opts.logger?.warn({ err: (err as Error).message, documents: items.length }, 'inbound: reading queued payloads back failed');
    }
    let last = 0;
    items.forEach((item, k) => {
      const bytes = found.get(item.id);
      if (bytes) {
        // As the bytes an item is queued with: only a large document's (never taken here) is reduced.
        item.bytes = bytes;
        last = k;
      }
    });
    // Up to the last one found (and at least the first): the others were past the byte budget.
    for (const item of items.slice(0, last + 1)) item.readBack = true;
  }

  /**
   * A queued document's payload read back (past the queue's memory, or after a restart) as a stream and
   * reduced to its validation copy on the way, so that a large document is never read whole.
   */
  private async readBack(id: string): Promise<Buffer | null> {
    const chunks = await this.opts.documents.payloadStream(id);
    if (!chunks) return null;
    const reducer = new EmbeddedBinaryReducer(this.maxValidationCopyBytes);
    for await (const c of chunks) reducer.write(c);
    return reducer.end();
  }

  /** One transaction: lock the batch and find business duplicates (one query), then the handlers, in order. */
  private async handOver(batch: Validated[]): Promise<void> {
    const store = this.opts.documents;
    const handed = await store.transaction(async (trx) => {
      const locked = await store.lockReceivedInbound(
        batch.map(({ id, result }) => ({
          id,
          invoiceNumber: result.metadata?.invoiceNumber ?? null,
          issueDate: result.metadata?.issueDate ?? null,
          checkDuplicate: result.report.valid,
        })),
        trx,
      );
      // Documents not locked were handed over already (a second process, or a re-queue after recovery).
      const documents: StoredDocument[] = batch.flatMap(({ id, result }) => {
        const doc = locked.get(id);
        return doc ? [{ id, report: result.report, metadata: result.metadata, invoiceNumber: doc.invoiceNumber, issueDate: doc.issueDate, duplicateOf: doc.duplicateOf }] : [];
      });
      if (documents.length === 0) return documents;
      for (const handler of this.opts.handlers) await handler.handle(documents, trx);
      return documents;
    });
    for (const handler of this.opts.handlers) handler.committed?.();
    const metrics = this.opts.metrics ?? NO_METRICS;
    for (const d of handed) if (filedAsRejected(d)) metrics.documentRejected('inbound');
  }
}
