import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { attemptLeaseMs } from '../../src/jobs/outbound-service.js';
import { ApError } from '../../src/errors.js';

describe('outbound configuration', () => {
  it('defaults to the profile timeouts (connect 5 s, response 2 min) and a bounded retry policy', () => {
    const c = loadConfig({}).outbound;
    assert.equal(c.transport.connectTimeoutMs, 5000);
    assert.equal(c.transport.responseTimeoutMs, 120_000);
    assert.deepEqual(c.retry, { maxAttempts: 10, initialDelayMs: 60_000, multiplier: 2, maxDelayMs: 3_600_000 });
    assert.equal(c.countryC1, null);
    assert.ok(attemptLeaseMs(c) > c.transport.connectTimeoutMs + c.transport.responseTimeoutMs);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      OUTBOUND_CONNECT_TIMEOUT_MS: '1000',
      OUTBOUND_RESPONSE_TIMEOUT_MS: '30000',
      OUTBOUND_MAX_ATTEMPTS: '4',
      OUTBOUND_RETRY_INITIAL_MS: '500',
      OUTBOUND_RETRY_MULTIPLIER: '1.5',
      OUTBOUND_RETRY_MAX_MS: '9000',
      OUTBOUND_CIRCUIT_FAILURES: '2',
      OUTBOUND_CIRCUIT_OPEN_MS: '100',
      OUTBOUND_CIRCUIT_MAX_OPEN_MS: '1000',
      OUTBOUND_CONCURRENCY: '8',
      OUTBOUND_POLL_INTERVAL_MS: '250',
      OUTBOUND_FIRST_ATTEMPT_GRACE_MS: '0',
      OUTBOUND_COUNTRY_C1: 'be',
      OUTBOUND_HOSTED_CACHE_MS: '0',
    }).outbound;
    assert.equal(c.transport.responseTimeoutMs, 30_000);
    assert.deepEqual(c.retry, { maxAttempts: 4, initialDelayMs: 500, multiplier: 1.5, maxDelayMs: 9000 });
    assert.deepEqual(c.circuit, { failureThreshold: 2, openMs: 100, maxOpenMs: 1000 });
    assert.equal(c.countryC1, 'BE');
    assert.equal(c.firstAttemptGraceMs, 0);
  });

  it('reports every bad value at once', () => {
    try {
      loadConfig({ OUTBOUND_RESPONSE_TIMEOUT_MS: 'soon', OUTBOUND_MAX_ATTEMPTS: '0', OUTBOUND_COUNTRY_C1: 'BEL' });
      assert.fail('expected config.invalid');
    } catch (err) {
      assert.ok(err instanceof ApError && err.kind === 'config.invalid');
      const problems = err.details!['problems'] as string[];
      assert.equal(problems.length, 3, problems.join('\n'));
      assert.ok(problems.some((p) => p.startsWith('OUTBOUND_RESPONSE_TIMEOUT_MS')));
      assert.ok(problems.some((p) => p.startsWith('OUTBOUND_COUNTRY_C1')));
    }
  });
});
