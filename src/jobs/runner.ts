/**
 * The one durable job runner: every kind of background work (outbound delivery; webhooks, e-mail, business
 * responses and reports to come) is a job kind registered here with its handler, retry policy, lease and
 * concurrency limit. Jobs live in the `jobs` table (src/store/jobs.ts), so they survive a restart and
 * several processes share them:
 *  - claiming is one statement that takes due jobs with FOR UPDATE SKIP LOCKED and leases them, per kind
 *    up to the kind's free slots and in all up to the runner's;
 *  - a run that ends writes its outcome with its lease (compare-and-set), so a runner that lost a job
 *    writes nothing; handlers that change state of their own (a document's status) settle the job in the
 *    same statement or transaction as that change and return SETTLED;
 *  - leases are not renewed: a kind's lease is longer than one of its attempts can take (the handler bounds
 *    its own time, as outbound delivery does with its timeouts). A job whose lease ran out is due again,
 *    its attempt counted as interrupted (dead if it was the last one); the runner looks for those at every
 *    poll. At start-up it also gives back at once the jobs of runners of this host that are gone (their
 *    process ended), without waiting for their lease;
 *  - a failure's retry class (src/errors.ts) decides what follows, as src/core/retry.ts describes;
 *  - enqueue() writes in the caller's transaction, so a document and its job commit together; wake() then
 *    claims at once instead of at the next poll. A kind whose first statement can take the lease itself
 *    (outbound: the claim of the document) goes further: its jobs are inserted already held by this runner
 *    (hold()) and runHere() starts them without a claim round trip;
 *  - stop() takes no new work and waits for running handlers up to a timeout.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { decideRetry, type RetryDecision, type RetryPolicy } from '../core/retry.js';
import { toApError, type RetryClass } from '../errors.js';
import type { Tx } from '../store/documents.js';
import type { ClaimWant, JobLease, JobRecord, JobSettlement, PostgresJobStore } from '../store/jobs.js';

/** Returned by a handler that wrote its job's outcome itself (or found that it no longer holds the job). */
export const SETTLED: unique symbol = Symbol('settled');
export type Settled = typeof SETTLED;

export interface JobRun<P> {
  job: JobRecord & { payload: P };
  lease: JobLease;
  /** What follows a failure of class `retry` in this attempt, by the kind's retry policy. */
  decide(retry: RetryClass): RetryDecision;
}

export interface JobKind<P = unknown> {
  kind: string;
  retry: RetryPolicy;
  /** Runs of this kind at once in this runner. */
  concurrency: number;
  /** How long a run may take before its job counts as interrupted and is given to another runner. */
  leaseMs: number;
  /**
   * One attempt. Resolves when it succeeded (the runner records `done`) or with SETTLED; a thrown error is
   * recorded by the runner, its retry class deciding whether and when the job runs again.
   */
  handle(run: JobRun<P>): Promise<void | Settled>;
}

export interface RunnerOptions {
  /** Runs at once in this runner, all kinds together. */
  concurrency: number;
  /** How often the table is polled for due jobs (retries, jobs of runners that are gone). */
  pollIntervalMs: number;
  logger: Logger;
  /** Jobs held in memory by runHere() waiting for a slot; beyond that, their lease brings them back. */
  maxHeldWaiting?: number;
}

interface Registered {
  def: JobKind<never>;
  running: number;
  /** Held jobs (runHere) waiting for a slot, in order. */
  waiting: JobRecord[];
}

const SETTLE_RETRY_MS = 1_000;

// Runner ids of this process that may still have runs in progress: start-up recovery must not take their jobs.
const LIVE = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class JobRunner {
  /** `<host>:<pid>:<random>`: the holder written on leased jobs. */
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly kinds = new Map<string, Registered>();
  private readonly running = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  /** The last claim took all it asked for: more may be due, so claim again when a slot frees. */
  private moreDue = false;
  private stopped = true;

  constructor(
    private readonly store: PostgresJobStore,
    private readonly options: RunnerOptions,
  ) {}

  register<P>(def: JobKind<P>): void {
    if (this.kinds.has(def.kind)) throw new Error(`job kind ${def.kind} is registered twice`);
    this.kinds.set(def.kind, { def: def as unknown as JobKind<never>, running: 0, waiting: [] });
  }

  /** Gives back the jobs of this host's runners that are gone, then polls. */
  async start(): Promise<void> {
    this.stopped = false;
    LIVE.add(this.id);
    const host = `${hostname()}:`;
    const gone = (await this.store.holders(host)).filter((holder) => {
      const pid = Number(holder.slice(host.length).split(':')[0]);
      return pid === process.pid ? !LIVE.has(holder) : !processAlive(pid);
    });
    const recovered = await this.store.recoverHeldBy(gone, 'its runner stopped (process ended) while running it; resumed at start-up');
    if (recovered > 0) this.options.logger.warn({ recovered }, 'jobs: attempts interrupted by a stop were given back');
    this.schedule(0);
  }

  /** Adds a job in the caller's transaction (or alone); null when one with its kind and unique key exists. Call wake() after the commit. */
  async enqueue(kind: string, payload: unknown, options: { runAt?: Date; uniqueKey?: string } = {}, tx?: Tx): Promise<JobRecord | null> {
    const reg = this.kinds.get(kind);
    if (!reg) throw new Error(`job kind ${kind} is not registered`);
    return this.store.enqueue({ kind, payload, maxAttempts: reg.def.retry.maxAttempts, ...options }, tx);
  }

  /** Claims due jobs now rather than at the next poll (after an enqueue committed). */
  wake(): void {
    this.kick(false);
  }

  /**
   * For a job inserted already held by this runner (with its first attempt counted), for as long as it may
   * wait here for its first run: the holder and lease to insert it with; null when the runner is stopped,
   * so that the job is inserted queued for any runner. The kind's handler must extend the lease to its
   * own when it starts (outbound delivery does it in its claim statement).
   */
  hold(kind: string, waitMs: number): { runnerId: string; leaseMs: number } | null {
    return this.stopped || !this.kinds.has(kind) ? null : { runnerId: this.id, leaseMs: waitMs };
  }

  /** Runs a job inserted with hold() as soon as a slot of its kind is free. */
  runHere(kind: string, jobId: string, payload: unknown): void {
    const reg = this.kinds.get(kind);
    if (!reg || this.stopped || reg.waiting.length >= (this.options.maxHeldWaiting ?? 100_000)) return;
    const now = new Date();
    reg.waiting.push({
      id: jobId,
      kind,
      payload,
      uniqueKey: null,
      status: 'running',
      attempts: 1,
      maxAttempts: reg.def.retry.maxAttempts,
      runAt: now,
      leaseUntil: null,
      leasedBy: this.id,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    });
    this.fill();
  }

  /**
   * Takes no new work, gives held jobs that did not start back to the queue, and waits for the runs in
   * progress, at most `graceMs`: a run still going then keeps its lease and is resumed elsewhere or at the
   * next start.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const held = [...this.kinds.values()].flatMap((reg) => reg.waiting.splice(0).map((job) => this.leaseOf(job)));
    await this.polling;
    await this.store.release(held).catch((err: unknown) => this.options.logger.error({ err }, 'jobs: held jobs not released; their lease brings them back'));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...this.running.values()]), timeout]);
    clearTimeout(timer);
    if (this.running.size > 0) this.options.logger.warn({ inFlight: this.running.size }, 'jobs: runs still in progress at stop are resumed after their lease');
    else LIVE.delete(this.id);
  }

  /** Runs in progress and held jobs waiting in this process (tests, benchmarks). */
  get busy(): number {
    let waiting = 0;
    for (const reg of this.kinds.values()) waiting += reg.waiting.length;
    return this.running.size + waiting;
  }

  private leaseOf(job: JobRecord): JobLease {
    return { jobId: job.id, runnerId: this.id, attempts: job.attempts };
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.kick(true);
      this.schedule(this.options.pollIntervalMs);
    }, delay);
    this.timer.unref();
  }

  /** One poll at a time; a wake during a poll claims again right after it. */
  private kick(recover: boolean): void {
    if (this.stopped) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.poll(recover)
      .catch((err: unknown) => this.options.logger.error({ err }, 'jobs: polling failed'))
      .finally(() => {
        this.polling = null;
        if (this.pollAgain) {
          this.pollAgain = false;
          this.kick(false);
        }
      });
  }

  private async poll(recover: boolean): Promise<void> {
    if (recover) {
      const recovered = await this.store.recoverExpired();
      if (recovered > 0) this.options.logger.warn({ recovered }, 'jobs: attempts whose lease ran out are due again');
    }
    const free = this.options.concurrency - this.busy;
    const wants: ClaimWant[] = [];
    for (const reg of this.kinds.values()) {
      const limit = Math.min(free, reg.def.concurrency - reg.running - reg.waiting.length);
      if (limit > 0) wants.push({ kind: reg.def.kind, limit, leaseMs: reg.def.leaseMs });
    }
    const asked = Math.min(free, wants.reduce((n, w) => n + w.limit, 0));
    const claimed = await this.store.claimDue(wants, asked, this.id);
    if (this.stopped) {
      await this.store.release(claimed.map((job) => this.leaseOf(job)));
      return;
    }
    // More may be due when the claim took all it asked for, in all or for one kind (whose limit capped it):
    // a backlog of one kind is then claimed as its slots free, not one batch per poll interval.
    const taken = new Map<string, number>();
    for (const job of claimed) taken.set(job.kind, (taken.get(job.kind) ?? 0) + 1);
    this.moreDue = asked > 0 && (claimed.length === asked || wants.some((w) => taken.get(w.kind) === w.limit));
    for (const job of claimed) this.launch(this.kinds.get(job.kind)!, job);
  }

  /** Starts held jobs where slots are free, then claims more if the last claim may have left some due. */
  private fill(): void {
    if (this.stopped) return;
    for (const reg of this.kinds.values()) {
      while (reg.waiting.length > 0 && reg.running < reg.def.concurrency && this.running.size < this.options.concurrency) {
        this.launch(reg, reg.waiting.shift()!);
      }
    }
    if (this.moreDue && this.busy < this.options.concurrency) {
      this.moreDue = false;
      this.kick(false);
    }
  }

  private launch(reg: Registered, job: JobRecord): void {
    const lease = this.leaseOf(job);
    const run: JobRun<never> = { job: job as JobRecord & { payload: never }, lease, decide: (retry) => decideRetry(reg.def.retry, job.attempts, retry) };
    reg.running++;
    const p = this.execute(reg.def, run)
      .catch((err: unknown) => this.options.logger.error({ err, jobId: job.id, kind: job.kind }, 'jobs: the outcome of a run was not recorded; its lease brings it back'))
      .finally(() => {
        reg.running--;
        this.running.delete(job.id);
        if (this.stopped && this.running.size === 0) LIVE.delete(this.id);
        this.fill();
      });
    this.running.set(job.id, p);
  }

  /**
   * Writes a run's outcome. While the database is unavailable (a restart, a failover) it tries again every
   * SETTLE_RETRY_MS for as long as the lease lasts, so that a job whose run ended meanwhile is not left
   * `running` until its lease ends; the write is a compare-and-set on the lease, so a late one writes nothing.
   */
  private async settle(def: JobKind<never>, run: JobRun<never>, settlement: JobSettlement): Promise<boolean> {
    const deadline = Date.now() + def.leaseMs;
    for (;;) {
      try {
        return await this.store.settle(run.lease, settlement);
      } catch (err) {
        if (!toApError(err).retryable || this.stopped || Date.now() + SETTLE_RETRY_MS > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, SETTLE_RETRY_MS));
      }
    }
  }

  private async execute(def: JobKind<never>, run: JobRun<never>): Promise<void> {
    let settlement: JobSettlement;
    try {
      if ((await def.handle(run)) === SETTLED) return;
      settlement = { status: 'done' };
    } catch (err) {
      const e = toApError(err);
      const error = { kind: e.kind, message: e.message };
      const decision = run.decide(e.spec.retry);
      settlement = 'retryAt' in decision ? { status: 'queued', runAt: decision.retryAt, error } : { status: decision.end, error };
      const log = { err, jobId: run.job.id, kind: run.job.kind, attempt: run.job.attempts, retry: e.spec.retry, next: settlement.status };
      if (settlement.status === 'dead') this.options.logger.error(log, 'jobs: a run failed with an internal error; the job is dead');
      else this.options.logger.warn(log, 'jobs: a run failed');
    }
    if (!(await this.settle(def, run, settlement))) {
      this.options.logger.warn({ jobId: run.job.id, kind: run.job.kind }, 'jobs: the job was taken over (lease expired) before its run ended; outcome not recorded');
    }
  }
}
