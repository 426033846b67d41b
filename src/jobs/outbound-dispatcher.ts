/**
 * Runs outbound delivery attempts. The queue is the `outbound_deliveries` table itself: a submitted
 * document is committed `queued` together with its delivery row, and then
 *  - its first attempt starts at once in this process (enqueue(): no scheduler round trip on the
 *    per-message path), bounded by `concurrency`, overflow waiting in memory;
 *  - a poller picks up what is due from the table: retries whose backoff has passed, queued documents
 *    whose first attempt never ran (the process stopped first; they become due after `firstAttemptGraceMs`)
 *    and attempts whose lease ran out;
 *  - at start-up, documents left in `sending` by a crash go back to `retrying`, due at once.
 * Claims are compare-and-set status changes, so two workers never send the same document at once.
 */
import type { Logger } from 'pino';
import type { AttemptResult } from '../pipeline/outbound.js';
import type { OutboundStatus } from '../core/state-machine.js';
import type { PostgresDeliveryStore } from '../store/deliveries.js';

/** What the dispatcher runs: OutboundDelivery (or, in the queue benchmark, attempts without I/O). */
export interface DeliveryAttempts {
  attempt(documentId: string, from: OutboundStatus): Promise<AttemptResult>;
  recoverInterrupted(documentId: string, reason: string): Promise<boolean>;
}

export interface DispatcherOptions {
  /** Attempts running at once in this process. */
  concurrency: number;
  pollIntervalMs: number;
  /** Documents waiting in memory for a free slot; beyond that the poller takes them later. */
  maxPending: number;
}

export class OutboundDispatcher {
  private readonly running = new Map<string, Promise<void>>();
  private readonly pending: string[] = [];
  private readonly pendingSet = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly delivery: DeliveryAttempts,
    private readonly store: PostgresDeliveryStore,
    private readonly options: DispatcherOptions,
    private readonly logger: Logger,
  ) {}

  /** Recovers attempts a crash interrupted, then starts polling. */
  async start(): Promise<void> {
    this.stopped = false;
    let recovered = 0;
    for (const id of await this.store.sending()) {
      if (await this.delivery.recoverInterrupted(id, 'attempt interrupted: the access point stopped while sending; resumed at start-up')) recovered++;
    }
    if (recovered > 0) this.logger.warn({ recovered }, 'outbound: attempts interrupted by a stop were rescheduled');
    this.schedulePoll(0);
  }

  /** A document just committed as `queued`: attempt it now (or as soon as a slot is free). */
  enqueue(documentId: string): void {
    if (this.stopped || this.running.has(documentId) || this.pendingSet.has(documentId)) return;
    if (this.running.size < this.options.concurrency) this.run(documentId, 'queued');
    else if (this.pending.length < this.options.maxPending) {
      this.pending.push(documentId);
      this.pendingSet.add(documentId);
    }
  }

  /**
   * Stops taking work and waits for the attempts in progress, at most `graceMs`: an attempt still running
   * then (a slow receiver) is left in `sending` and resumed at the next start (or by another instance
   * when its lease runs out). Documents waiting in memory are still `queued` in the table.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.length = 0;
    this.pendingSet.clear();
    await this.polling;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...this.running.values()]), timeout]);
    clearTimeout(timer);
    if (this.running.size > 0) this.logger.warn({ inFlight: this.running.size }, 'outbound: attempts still running at stop are resumed at the next start');
  }

  /** Resolves when nothing runs or waits in this process (tests, benchmarks). */
  get busy(): number {
    return this.running.size + this.pending.length;
  }

  private run(documentId: string, from: OutboundStatus): void {
    const p = this.delivery
      .attempt(documentId, from)
      .then(
        (result) => this.logger.debug({ documentId, result }, 'outbound attempt'),
        (err: unknown) => this.logger.error({ err, documentId }, 'outbound attempt crashed; the lease will bring it back'),
      )
      .finally(() => {
        this.running.delete(documentId);
        this.next();
      });
    this.running.set(documentId, p);
  }

  private next(): void {
    while (!this.stopped && this.running.size < this.options.concurrency && this.pending.length > 0) {
      const id = this.pending.shift()!;
      this.pendingSet.delete(id);
      this.run(id, 'queued');
    }
  }

  private schedulePoll(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        this.polling = null;
        this.schedulePoll(this.options.pollIntervalMs);
      });
    }, delay);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    const free = this.options.concurrency - this.running.size - this.pending.length;
    if (free <= 0) return;
    try {
      for (const due of await this.store.due(free)) {
        if (this.stopped) return;
        if (this.running.has(due.documentId) || this.pendingSet.has(due.documentId)) continue;
        if (due.status === 'queued' || due.status === 'retrying' || due.status === 'sending') this.run(due.documentId, due.status);
      }
    } catch (err) {
      this.logger.error({ err }, 'outbound: polling for due deliveries failed');
    }
  }
}
