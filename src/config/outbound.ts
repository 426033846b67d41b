/** Outbound delivery (we are C2): HTTP timeouts, retries, circuit breaker, workers, COUNTRY_C1. */
import { countryCode, decimal, int } from './parsers.js';
import { variable } from './spec.js';

const DAY_MS = 86_400_000;

export const outbound = {
  transport: {
    connectTimeoutMs: variable('OUTBOUND_CONNECT_TIMEOUT_MS', int(50, 600_000), { default: '5000', description: 'TCP/TLS connect timeout' }),
    responseTimeoutMs: variable('OUTBOUND_RESPONSE_TIMEOUT_MS', int(100, 3_600_000), {
      default: '120000',
      description: 'whole exchange, until the last byte of the answer',
    }),
    maxResponseBytes: variable('OUTBOUND_MAX_RESPONSE_BYTES', int(1024, 1024 * 1024 * 1024), {
      default: String(10 * 1024 * 1024),
      description: 'largest answer accepted',
    }),
    maxSockets: variable('OUTBOUND_MAX_SOCKETS', int(1, 10_000), { default: '64', description: 'keep-alive sockets per host' }),
  },
  /** Backoff initial × multiplier^(n-1), capped, jitter in [½d, d]. */
  retry: {
    maxAttempts: variable('OUTBOUND_MAX_ATTEMPTS', int(1, 1000), { default: '10', description: 'attempts before `failed`' }),
    initialDelayMs: variable('OUTBOUND_RETRY_INITIAL_MS', int(10, DAY_MS), { default: '60000', description: 'first backoff delay' }),
    multiplier: variable('OUTBOUND_RETRY_MULTIPLIER', decimal(1, 10), { default: '2', description: 'backoff multiplier' }),
    maxDelayMs: variable('OUTBOUND_RETRY_MAX_MS', int(10, 7 * DAY_MS), { default: '3600000', description: 'longest backoff delay' }),
  },
  circuit: {
    failureThreshold: variable('OUTBOUND_CIRCUIT_FAILURES', int(1, 10_000), {
      default: '5',
      description: "consecutive transport failures that open an endpoint's circuit",
    }),
    openMs: variable('OUTBOUND_CIRCUIT_OPEN_MS', int(10, DAY_MS), { default: '30000', description: 'open time, doubled after each failed probe' }),
    maxOpenMs: variable('OUTBOUND_CIRCUIT_MAX_OPEN_MS', int(10, DAY_MS), { default: '600000', description: 'longest open time' }),
  },
  concurrency: variable('OUTBOUND_CONCURRENCY', int(1, 10_000), { default: '32', description: 'attempts at once per process' }),
  pollIntervalMs: variable('OUTBOUND_POLL_INTERVAL_MS', int(10, 600_000), { default: '1000', description: 'how often the job runner polls the queue (retries due, jobs of runners that are gone)' }),
  firstAttemptGraceMs: variable('OUTBOUND_FIRST_ATTEMPT_GRACE_MS', int(0, 3_600_000), {
    default: '30000',
    description: "how long a submitted document's job is held for its first attempt in this process; then any runner may take it",
  }),
  /** Null: the supplier's country from the UBL, else ZZ. */
  countryC1: variable('OUTBOUND_COUNTRY_C1', countryCode, {
    description: "force COUNTRY_C1 (unset: the supplier's country in the UBL, else `ZZ`)",
  }),
};
