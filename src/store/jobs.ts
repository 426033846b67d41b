/**
 * The `jobs` table (migration 20261202_0600_jobs): enqueue, claim, settle and recover. Every write of an
 * attempt's outcome is a compare-and-set on the lease (job id, holder, attempt number), so a runner that
 * lost its job (lease expired, taken over) changes nothing. Hot statements are named (named-query.ts).
 */
import type { Knex } from 'knex';
import type { Tx } from './documents.js';
import { namedQuery } from './named-query.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'dead';

/** A failure as the job keeps it: the ApError kind (or `interrupted`, `deferred`) and the message. */
export interface JobError {
  kind: string;
  message: string;
}

export interface JobRecord {
  /** bigint, as node-pg returns it */
  id: string;
  kind: string;
  payload: unknown;
  uniqueKey: string | null;
  status: JobStatus;
  /** Attempts started (claims), the current one included. */
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  leaseUntil: Date | null;
  leasedBy: string | null;
  lastError: JobError | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Who holds a running job and for which attempt: what every settling statement compares. */
export interface JobLease {
  jobId: string;
  runnerId: string;
  attempts: number;
}

export interface NewJob {
  kind: string;
  payload: unknown;
  maxAttempts: number;
  /** Not before (default: now). */
  runAt?: Date;
  /** One job per kind and key: enqueueing a second one does nothing. */
  uniqueKey?: string;
  /** Held by this runner from the start, for `leaseMs`, its first attempt counted (runner.runHere). */
  heldBy?: { runnerId: string; leaseMs: number };
}

/** The end of an attempt, written with its lease. */
export type JobSettlement =
  | { status: 'done' }
  /** Due again at runAt; `uncount`: the attempt did not happen (deferred), so it does not count. */
  | { status: 'queued'; runAt: Date; error: JobError; uncount?: boolean }
  | { status: 'failed' | 'dead'; error: JobError };

/** Due jobs to claim for one kind: at most `limit`, each leased for `leaseMs`. */
export interface ClaimWant {
  kind: string;
  limit: number;
  leaseMs: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function jobRecord(r: any): JobRecord {
  return {
    id: String(r.id),
    kind: r.kind,
    payload: r.payload,
    uniqueKey: r.unique_key,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    leaseUntil: r.lease_until,
    leasedBy: r.leased_by,
    lastError: r.last_error_kind ? { kind: r.last_error_kind, message: r.last_error_message ?? '' } : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * SQL for the columns (status, attempts, leased_by, lease_until) of a new job: queued, or held by the runner
 * in parameter `holder` for the seconds in parameter `leaseS`, its first attempt counted (NewJob.heldBy).
 */
export const newJobState = (holder: string, leaseS: string): string =>
  `CASE WHEN ${holder}::text IS NULL THEN 'queued' ELSE 'running' END, CASE WHEN ${holder}::text IS NULL THEN 0 ELSE 1 END, ` +
  `${holder}::text, CASE WHEN ${holder}::text IS NULL THEN NULL ELSE now() + make_interval(secs => ${leaseS}::double precision) END`;

const ENQUEUE = `
INSERT INTO jobs (kind, payload, unique_key, max_attempts, run_at, status, attempts, leased_by, lease_until)
VALUES ($1::text, $2::jsonb, $3::text, $4::int, coalesce($5::timestamptz, now()), ${newJobState('$6', '$7')})
ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL DO NOTHING
RETURNING *`;

/**
 * The claim: for each kind, its oldest due jobs up to its limit, skipping rows another runner is claiming
 * (SKIP LOCKED: several processes share the table without waiting for each other), at most $4 in all; each
 * claimed job is counted, leased and marked with its holder in the same statement.
 */
const CLAIM_DUE = `
WITH want AS (
  SELECT * FROM unnest($1::text[], $2::int[], $3::double precision[]) AS w(kind, n, lease_s)
), picked AS (
  SELECT p.id, w.lease_s FROM want w CROSS JOIN LATERAL (
    SELECT j.id, j.run_at FROM jobs j
    WHERE j.kind = w.kind AND j.status = 'queued' AND j.run_at <= now()
    ORDER BY j.run_at LIMIT w.n
    FOR UPDATE SKIP LOCKED
  ) p
  ORDER BY p.run_at LIMIT $4::int
)
UPDATE jobs j SET status = 'running', attempts = j.attempts + 1, leased_by = $5::text,
  lease_until = now() + make_interval(secs => picked.lease_s), updated_at = now()
FROM picked WHERE j.id = picked.id
RETURNING j.*`;

const SETTLE = `
UPDATE jobs SET status = $4::text, run_at = coalesce($5::timestamptz, run_at),
  attempts = attempts - CASE WHEN $6::boolean THEN 1 ELSE 0 END,
  last_error_kind = CASE WHEN $4::text = 'done' THEN last_error_kind ELSE $7::text END,
  last_error_message = CASE WHEN $4::text = 'done' THEN last_error_message ELSE $8::text END,
  leased_by = NULL, lease_until = NULL, updated_at = now()
WHERE id = $1::bigint AND status = 'running' AND leased_by = $2::text AND attempts = $3::int
RETURNING id`;

/** Running jobs given back: due again at once, the attempt interrupted; dead when it was the last one. */
const requeueInterrupted = (where: string) => `
UPDATE jobs j SET status = CASE WHEN j.attempts >= j.max_attempts THEN 'dead' ELSE 'queued' END, run_at = now(),
  last_error_kind = 'interrupted', last_error_message = $1::text, leased_by = NULL, lease_until = NULL, updated_at = now()
WHERE j.id IN (SELECT id FROM jobs WHERE status = 'running' AND ${where} FOR UPDATE SKIP LOCKED)
RETURNING j.id`;
const RECOVER_EXPIRED = requeueInterrupted('lease_until < now()');
const RECOVER_HELD_BY = requeueInterrupted('leased_by = ANY($2::text[])');

/** Jobs waiting and running, per kind; for waiting ones, how long the oldest due one has waited. */
export interface JobQueueDepth {
  kind: string;
  status: 'queued' | 'running';
  /** Counted up to the statement's cap. */
  jobs: number;
  /** Queued only: seconds since the oldest queued job of the kind became due (0 when none is due yet). */
  lagSeconds: number | null;
}

/**
 * One statement whatever the table's size: at most `cap` rows read per status (the partial indexes of
 * queued and running jobs), and the oldest due job of each kind from the due index (its first entry).
 */
const QUEUE_DEPTH = `
WITH depth AS (
  SELECT s.status, j.kind, count(*)::int AS jobs
  FROM (VALUES ('queued'), ('running')) AS s(status)
  CROSS JOIN LATERAL (SELECT kind FROM jobs WHERE jobs.status = s.status LIMIT ?) AS j
  GROUP BY s.status, j.kind
)
SELECT d.kind, d.status, d.jobs,
  CASE WHEN d.status = 'queued' THEN extract(epoch FROM greatest(now() - (SELECT min(m.run_at) FROM jobs m WHERE m.kind = d.kind AND m.status = 'queued'), interval '0'))::float8 END AS lag
FROM depth d ORDER BY d.kind, d.status`;

export class PostgresJobStore {
  constructor(private readonly knex: Knex) {}

  /** Adds a job (in the caller's transaction when given); null when its kind and unique key exist already. */
  async enqueue(job: NewJob, tx?: Tx): Promise<JobRecord | null> {
    const [row] = await namedQuery(tx ?? this.knex, 'jobs-enqueue', ENQUEUE, [
      job.kind,
      JSON.stringify(job.payload ?? {}),
      job.uniqueKey ?? null,
      job.maxAttempts,
      job.runAt ?? null,
      job.heldBy?.runnerId ?? null,
      job.heldBy ? job.heldBy.leaseMs / 1000 : null,
    ]);
    return row ? jobRecord(row) : null;
  }

  /** Claims due jobs for `runnerId` (see CLAIM_DUE). */
  async claimDue(wants: ClaimWant[], total: number, runnerId: string): Promise<JobRecord[]> {
    if (wants.length === 0 || total <= 0) return [];
    const rows = await namedQuery(this.knex, 'jobs-claim-due', CLAIM_DUE, [
      wants.map((w) => w.kind),
      wants.map((w) => w.limit),
      wants.map((w) => w.leaseMs / 1000),
      total,
      runnerId,
    ]);
    return rows.map(jobRecord);
  }

  /** Writes an attempt's outcome if `lease` still holds the job; false when it does not (nothing written). */
  async settle(lease: JobLease, s: JobSettlement, tx?: Tx): Promise<boolean> {
    const error = s.status === 'done' ? null : s.error;
    const rows = await namedQuery(tx ?? this.knex, 'jobs-settle', SETTLE, [
      lease.jobId,
      lease.runnerId,
      lease.attempts,
      s.status,
      s.status === 'queued' ? s.runAt : null,
      s.status === 'queued' && s.uncount === true,
      error?.kind ?? null,
      error?.message ?? null,
    ]);
    return rows.length > 0;
  }

  /** Running jobs whose lease ran out: due again (or dead after their last attempt). Returns how many. */
  async recoverExpired(): Promise<number> {
    const rows = await namedQuery(this.knex, 'jobs-recover-expired', RECOVER_EXPIRED, ['lease expired: its runner stopped or hung']);
    return rows.length;
  }

  /** Running jobs of these holders (runners known to be gone), given back at once, whatever their lease. */
  async recoverHeldBy(runnerIds: string[], message: string): Promise<number> {
    if (runnerIds.length === 0) return 0;
    return (await namedQuery(this.knex, 'jobs-recover-held-by', RECOVER_HELD_BY, [message, runnerIds])).length;
  }

  /** Holders of running jobs whose id starts with `prefix` (this host's runners, for start-up recovery). */
  async holders(prefix: string): Promise<string[]> {
    const rows = await this.knex('jobs').where({ status: 'running' }).whereLike('leased_by', `${prefix.replace(/[\\%_]/g, '\\$&')}%`).distinct('leased_by');
    return rows.map((r) => r.leased_by as string);
  }

  /**
   * Jobs this runner held but never started (waiting in memory at stop): queued again, due at once, the
   * attempt not counted, so that another runner takes them without waiting for their lease.
   */
  async release(leases: JobLease[]): Promise<void> {
    if (leases.length === 0) return;
    await this.knex.raw(
      `UPDATE jobs j SET status = 'queued', attempts = j.attempts - 1, run_at = now(), leased_by = NULL, lease_until = NULL, updated_at = now()
       FROM unnest(?::bigint[], ?::text[], ?::int[]) AS l(id, runner, attempts)
       WHERE j.id = l.id AND j.status = 'running' AND j.leased_by = l.runner AND j.attempts = l.attempts`,
      [leases.map((l) => l.jobId), leases.map((l) => l.runnerId), leases.map((l) => l.attempts)],
    );
  }

  /** For monitoring (the metrics scrape), never on a hot path: see QUEUE_DEPTH; at most `timeoutMs`. */
  async queueDepth(cap: number, timeoutMs: number): Promise<JobQueueDepth[]> {
    const { rows } = await this.knex.raw(QUEUE_DEPTH, [cap]).timeout(timeoutMs, { cancel: true });
    return (rows as Array<{ kind: string; status: 'queued' | 'running'; jobs: number; lag: number | null }>).map((r) => ({ kind: r.kind, status: r.status, jobs: r.jobs, lagSeconds: r.lag }));
  }

  async get(id: string): Promise<JobRecord | null> {
    const row = await this.knex('jobs').where({ id }).first();
    return row ? jobRecord(row) : null;
  }
}
