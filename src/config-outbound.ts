/**
 * Configuration of outbound delivery (we are C2): HTTP timeouts, retry policy, circuit breaker, worker
 * concurrency and COUNTRY_C1, from environment variables, checked once with one line per bad value. Beside
 * src/config.ts with the same conventions, like config-discovery.ts and config-as4.ts.
 */
import type { RetryPolicy } from './core/retry.js';
import { EnvReader, type Env } from './config-env.js';
import type { CircuitBreakerOptions } from './pipeline/circuit-breaker.js';
import type { TransportOptions } from './pipeline/outbound-transport.js';

export interface OutboundConfig {
  transport: TransportOptions;
  retry: RetryPolicy;
  circuit: CircuitBreakerOptions;
  /** Attempts running at once in one process. */
  concurrency: number;
  /** How often the job runner polls the queue (retries due, jobs of runners that are gone). */
  pollIntervalMs: number;
  /** A submitted document's job is held this long for its first attempt here; then any runner may take it. */
  firstAttemptGraceMs: number;
  /** COUNTRY_C1 for every document; null: the supplier's country from the UBL (else ZZ). */
  countryC1: string | null;
  /** How long "is the receiver hosted here" answers are cached; 0: ask Postgres for every document. */
  hostedCacheMs: number;
}

export function loadOutboundConfig(env: Env = process.env): OutboundConfig {
  const r = new EnvReader(env);
  const country = r.raw('OUTBOUND_COUNTRY_C1')?.toUpperCase() ?? null;
  if (country !== null && !/^[A-Z]{2}$/.test(country)) r.problem(`OUTBOUND_COUNTRY_C1=${JSON.stringify(country)}: expected an ISO 3166-1 alpha-2 code such as BE`);
  const responseTimeoutMs = r.int('OUTBOUND_RESPONSE_TIMEOUT_MS', 120_000, 100, 3_600_000);
  const config: OutboundConfig = {
    transport: {
      connectTimeoutMs: r.int('OUTBOUND_CONNECT_TIMEOUT_MS', 5_000, 50, 600_000),
      responseTimeoutMs,
      maxResponseBytes: r.int('OUTBOUND_MAX_RESPONSE_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxSockets: r.int('OUTBOUND_MAX_SOCKETS', 64, 1, 10_000),
    },
    retry: {
      maxAttempts: r.int('OUTBOUND_MAX_ATTEMPTS', 10, 1, 1000),
      initialDelayMs: r.int('OUTBOUND_RETRY_INITIAL_MS', 60_000, 10, 86_400_000),
      multiplier: r.decimal('OUTBOUND_RETRY_MULTIPLIER', 2, 1, 10),
      maxDelayMs: r.int('OUTBOUND_RETRY_MAX_MS', 3_600_000, 10, 7 * 86_400_000),
    },
    circuit: {
      failureThreshold: r.int('OUTBOUND_CIRCUIT_FAILURES', 5, 1, 10_000),
      openMs: r.int('OUTBOUND_CIRCUIT_OPEN_MS', 30_000, 10, 86_400_000),
      maxOpenMs: r.int('OUTBOUND_CIRCUIT_MAX_OPEN_MS', 600_000, 10, 86_400_000),
    },
    concurrency: r.int('OUTBOUND_CONCURRENCY', 32, 1, 10_000),
    pollIntervalMs: r.int('OUTBOUND_POLL_INTERVAL_MS', 1_000, 10, 600_000),
    firstAttemptGraceMs: r.int('OUTBOUND_FIRST_ATTEMPT_GRACE_MS', 30_000, 0, 3_600_000),
    countryC1: country,
    hostedCacheMs: r.int('OUTBOUND_HOSTED_CACHE_MS', 5_000, 0, 3_600_000),
  };
  r.check();
  return config;
}

/**
 * How long an attempt may keep a document in `sending` before another worker treats it as interrupted:
 * longer than any attempt can take (SML/SMP lookup, connect, response).
 */
export function attemptLeaseMs(config: OutboundConfig): number {
  return config.transport.connectTimeoutMs + config.transport.responseTimeoutMs + 60_000;
}
