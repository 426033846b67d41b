import assert from 'node:assert/strict';
import { CircuitBreakers } from '../../src/pipeline/circuit-breaker.js';
import { backoffDelay, type RetryPolicy } from '../../src/core/retry.js';

describe('outbound backoff', () => {
  const policy: RetryPolicy = { maxAttempts: 10, initialDelayMs: 1000, multiplier: 2, maxDelayMs: 30_000 };

  it('grows exponentially from the initial delay and stops at the cap', () => {
    const upper = (n: number) => backoffDelay(policy, n, () => 1);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(upper), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('draws the delay from [d/2, d] (jitter), so documents failing together spread out', () => {
    assert.equal(backoffDelay(policy, 3, () => 0), 2000);
    const samples = Array.from({ length: 200 }, () => backoffDelay(policy, 3));
    assert.ok(samples.every((s) => s >= 2000 && s <= 4000), String(samples));
    assert.ok(new Set(samples).size > 20, 'delays should differ');
  });
});

describe('per-endpoint circuit breaker', () => {
  let now = 0;
  const breakers = () => new CircuitBreakers({ failureThreshold: 3, openMs: 1000, maxOpenMs: 4000, now: () => now });
  const A = 'https://a.example/as4';
  const B = 'https://b.example/as4';

  beforeEach(() => {
    now = 1_000_000;
  });

  it('opens after the threshold of consecutive failures, for that endpoint only', () => {
    const cb = breakers();
    cb.failure(A);
    cb.failure(A);
    assert.equal(cb.permit(A).allowed, true);
    cb.failure(A);
    const p = cb.permit(A);
    assert.equal(p.allowed, false);
    assert.equal(!p.allowed && p.retryAt.getTime(), now + 1000);
    assert.equal(cb.state(A), 'open');
    assert.equal(cb.permit(B).allowed, true);
    assert.equal(cb.state(B), 'closed');
  });

  it('a success resets the count', () => {
    const cb = breakers();
    cb.failure(A);
    cb.failure(A);
    cb.success(A);
    cb.failure(A);
    cb.failure(A);
    assert.equal(cb.permit(A).allowed, true);
  });

  it('lets one probe through when the open time is over; success closes, failure reopens for longer', () => {
    const cb = breakers();
    for (let i = 0; i < 3; i++) cb.failure(A);
    now += 1000;
    assert.equal(cb.state(A), 'half-open');
    assert.equal(cb.permit(A).allowed, true, 'the probe');
    assert.equal(cb.permit(A).allowed, false, 'only one probe at a time');
    cb.failure(A);
    const p = cb.permit(A);
    assert.equal(!p.allowed && p.retryAt.getTime(), now + 2000, 'open twice as long');
    now += 2000;
    assert.equal(cb.permit(A).allowed, true);
    cb.failure(A);
    now += 4000;
    assert.equal(cb.permit(A).allowed, true);
    cb.failure(A);
    const capped = cb.permit(A);
    assert.equal(!capped.allowed && capped.retryAt.getTime(), now + 4000, 'capped at maxOpenMs');
    now += 4000;
    assert.equal(cb.permit(A).allowed, true);
    cb.success(A);
    assert.equal(cb.state(A), 'closed');
    assert.equal(cb.permit(A).allowed, true);
  });
});
