/**
 * Retry policy of jobs (outbound delivery among them): after a failed attempt, the failure's retry class
 * (src/errors.ts) decides whether another attempt follows and when.
 *  - `permanent`: the job ends at once (`failed`).
 *  - `transient`: another attempt after an exponential backoff `initial × multiplier^(n-1)`, capped, with
 *    jitter (the delay is drawn uniformly from [½d, d]) so that jobs that failed together do not all come
 *    back at the same moment; `failed` once `maxAttempts` attempts were made.
 *  - `internal`: a programming error fails the same way every time, so it is not retried on the transient
 *    schedule: at most INTERNAL_MAX_ATTEMPTS attempts in all, then `dead` (a dead letter for a person to
 *    look at). A few attempts rather than one, because `internal` also wraps failures nothing classified,
 *    such as a database connection dropped in the middle of an attempt, which the next attempt cures.
 */
import type { RetryClass } from '../errors.js';

export interface Backoff {
  initialDelayMs: number;
  multiplier: number;
  maxDelayMs: number;
}

export interface RetryPolicy extends Backoff {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
}

/** Attempts in all for a job whose attempts end in `internal` errors (fewer when maxAttempts is lower). */
export const INTERNAL_MAX_ATTEMPTS = 3;

/** Delay before attempt `attempt + 1`, after `attempt` attempts failed (attempt ≥ 1). */
export function backoffDelay(policy: Backoff, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + random() * (base / 2));
}

/** What follows a failed attempt: another one at `retryAt`, or the end (`failed`, or `dead` for internal errors). */
export type RetryDecision = { retryAt: Date } | { end: 'failed' | 'dead' };

/** The decision after attempt number `attempts` (1 for the first) failed with an error of class `retry`. */
export function decideRetry(policy: RetryPolicy, attempts: number, retry: RetryClass, now = Date.now()): RetryDecision {
  if (retry === 'permanent') return { end: 'failed' };
  const limit = retry === 'internal' ? Math.min(policy.maxAttempts, INTERNAL_MAX_ATTEMPTS) : policy.maxAttempts;
  if (attempts >= limit) return { end: retry === 'internal' ? 'dead' : 'failed' };
  return { retryAt: new Date(now + backoffDelay(policy, attempts)) };
}
