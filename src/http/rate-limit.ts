/**
 * A token bucket per API key, in this process: `perSecond` requests a second on average, bursts up to
 * `burst`. Past it the caller gets 429 with Retry-After. Buckets of keys idle long enough to be full again
 * are dropped, so memory follows the keys in use.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private sweptAt = 0;

  constructor(
    private readonly opts: { perSecond: number; burst: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`: 0 when granted, else the milliseconds until one is available. */
  take(key: string): number {
    const now = this.now();
    const { perSecond, burst } = this.opts;
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.buckets.set(key, b);
    this.sweep(now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / perSecond) * 1000);
  }

  private sweep(now: number): void {
    const fullAfterMs = (this.opts.burst / this.opts.perSecond) * 1000;
    if (now - this.sweptAt < fullAfterMs) return;
    this.sweptAt = now;
    for (const [k, b] of this.buckets) if (now - b.at >= fullAfterMs) this.buckets.delete(k);
  }
}
