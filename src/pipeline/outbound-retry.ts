/**
 * Retry policy of outbound delivery: exponential backoff `initial × multiplier^(n-1)`, capped, with
 * jitter (the delay is drawn uniformly from [½d, d]) so that documents that failed together towards one
 * endpoint do not all come back at the same moment.
 */
export interface RetryPolicy {
  /** Attempts in total, the first one included; after the last transient failure the document is `failed`. */
  maxAttempts: number;
  initialDelayMs: number;
  multiplier: number;
  maxDelayMs: number;
}

/** Delay before attempt `attempt + 1`, after `attempt` attempts failed (attempt ≥ 1). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + random() * (base / 2));
}
