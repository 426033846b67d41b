/**
 * Configuration of outbound delivery (we are C2): HTTP timeouts, retry policy, circuit breaker, worker
 * concurrency and COUNTRY_C1, from environment variables, checked once with one line per bad value. Beside
 * src/config.ts with the same conventions, like config-discovery.ts and config-as4.ts.
 */
import { ApError } from './errors.js';
import type { CircuitBreakerOptions } from './pipeline/circuit-breaker.js';
import type { RetryPolicy } from './pipeline/outbound-retry.js';
import type { TransportOptions } from './pipeline/outbound-transport.js';

type Env = Record<string, string | undefined>;

export interface OutboundConfig {
  transport: TransportOptions;
  retry: RetryPolicy;
  circuit: CircuitBreakerOptions;
  /** Attempts running at once in one process. */
  concurrency: number;
  pollIntervalMs: number;
  /** A queued document whose first attempt did not start within this time is taken by the poller. */
  firstAttemptGraceMs: number;
  /** COUNTRY_C1 for every document; null: the supplier's country from the UBL (else ZZ). */
  countryC1: string | null;
  /** How long "is the receiver hosted here" answers are cached; 0: ask Postgres for every document. */
  hostedCacheMs: number;
}

export function loadOutboundConfig(env: Env = process.env): OutboundConfig {
  const problems: string[] = [];
  const raw = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const num = (name: string, def: number, min: number, max: number, decimals = false) => {
    const v = raw(name);
    if (v === undefined) return def;
    const ok = decimals ? /^\d+(\.\d+)?$/.test(v) : /^\d+$/.test(v);
    if (!ok || Number(v) < min || Number(v) > max) {
      problems.push(`${name}=${JSON.stringify(v)}: expected a ${decimals ? 'number' : 'whole number'} from ${min} to ${max}`);
      return def;
    }
    return Number(v);
  };
  const country = raw('OUTBOUND_COUNTRY_C1')?.toUpperCase() ?? null;
  if (country !== null && !/^[A-Z]{2}$/.test(country)) problems.push(`OUTBOUND_COUNTRY_C1=${JSON.stringify(country)}: expected an ISO 3166-1 alpha-2 code such as BE`);
  const responseTimeoutMs = num('OUTBOUND_RESPONSE_TIMEOUT_MS', 120_000, 100, 3_600_000);
  const config: OutboundConfig = {
    transport: {
      connectTimeoutMs: num('OUTBOUND_CONNECT_TIMEOUT_MS', 5_000, 50, 600_000),
      responseTimeoutMs,
      maxResponseBytes: num('OUTBOUND_MAX_RESPONSE_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxSockets: num('OUTBOUND_MAX_SOCKETS', 64, 1, 10_000),
    },
    retry: {
      maxAttempts: num('OUTBOUND_MAX_ATTEMPTS', 10, 1, 1000),
      initialDelayMs: num('OUTBOUND_RETRY_INITIAL_MS', 60_000, 10, 86_400_000),
      multiplier: num('OUTBOUND_RETRY_MULTIPLIER', 2, 1, 10, true),
      maxDelayMs: num('OUTBOUND_RETRY_MAX_MS', 3_600_000, 10, 7 * 86_400_000),
    },
    circuit: {
      failureThreshold: num('OUTBOUND_CIRCUIT_FAILURES', 5, 1, 10_000),
      openMs: num('OUTBOUND_CIRCUIT_OPEN_MS', 30_000, 10, 86_400_000),
      maxOpenMs: num('OUTBOUND_CIRCUIT_MAX_OPEN_MS', 600_000, 10, 86_400_000),
    },
    concurrency: num('OUTBOUND_CONCURRENCY', 32, 1, 10_000),
    pollIntervalMs: num('OUTBOUND_POLL_INTERVAL_MS', 1_000, 10, 600_000),
    firstAttemptGraceMs: num('OUTBOUND_FIRST_ATTEMPT_GRACE_MS', 30_000, 0, 3_600_000),
    countryC1: country,
    hostedCacheMs: num('OUTBOUND_HOSTED_CACHE_MS', 5_000, 0, 3_600_000),
  };
  if (problems.length > 0) throw new ApError('config.invalid', `Invalid configuration:\n  ${problems.join('\n  ')}`, { problems });
  return config;
}

/**
 * How long an attempt may keep a document in `sending` before another worker treats it as interrupted:
 * longer than any attempt can take (SML/SMP lookup, connect, response).
 */
export function attemptLeaseMs(config: OutboundConfig): number {
  return config.transport.connectTimeoutMs + config.transport.responseTimeoutMs + 60_000;
}
