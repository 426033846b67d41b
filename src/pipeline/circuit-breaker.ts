/**
 * Per-endpoint circuit breakers: after `failureThreshold` consecutive transient failures towards one AS4
 * endpoint the circuit opens and attempts to it are deferred (not sent, not counted) until `openMs` has
 * passed; then one probe goes through (half-open). A success closes the circuit; a failed probe opens it
 * again for twice as long, up to `maxOpenMs`. State is in memory, per process: after a restart an
 * endpoint gets a fresh chance.
 */
export interface CircuitBreakerOptions {
  failureThreshold: number;
  openMs: number;
  maxOpenMs: number;
  now?: () => number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

interface Circuit {
  failures: number;
  /** While open: when a probe may go. */
  openUntil: number;
  openMs: number;
  probing: boolean;
}

export type Permit = { allowed: true } | { allowed: false; retryAt: Date };

export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  state(endpoint: string): CircuitState {
    const c = this.circuits.get(endpoint);
    if (!c || c.failures < this.options.failureThreshold) return 'closed';
    if (c.probing) return 'half-open';
    return this.now() < c.openUntil ? 'open' : 'half-open';
  }

  /** May an attempt go to this endpoint now? A half-open circuit lets exactly one probe through. */
  permit(endpoint: string): Permit {
    const c = this.circuits.get(endpoint);
    if (!c || c.failures < this.options.failureThreshold) return { allowed: true };
    const now = this.now();
    if (now < c.openUntil) return { allowed: false, retryAt: new Date(c.openUntil) };
    if (c.probing) return { allowed: false, retryAt: new Date(now + Math.min(c.openMs, 1000)) };
    c.probing = true;
    return { allowed: true };
  }

  success(endpoint: string): void {
    this.circuits.delete(endpoint);
  }

  /** A transient failure (network, timeout, 5xx). Permanent refusals say nothing about availability. */
  failure(endpoint: string): void {
    const c = this.circuits.get(endpoint) ?? { failures: 0, openUntil: 0, openMs: this.options.openMs, probing: false };
    c.failures++;
    if (c.probing) {
      c.openMs = Math.min(c.openMs * 2, this.options.maxOpenMs);
      c.probing = false;
      c.openUntil = this.now() + c.openMs;
    } else if (c.failures === this.options.failureThreshold) {
      c.openUntil = this.now() + c.openMs;
    }
    this.circuits.set(endpoint, c);
  }
}
