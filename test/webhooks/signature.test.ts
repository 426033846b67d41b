/** Our Standard Webhooks signing against the reference package, and the reading of Retry-After. */
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { newSecret, sign, webhookHeaders } from '../../src/webhooks/signature.js';
import { retryAfterMs } from '../../src/webhooks/transport.js';

describe('webhook signatures', () => {
  it('sign as the standardwebhooks package does, and verify with it, one signature per secret', () => {
    const secret = newSecret();
    const at = new Date();
    const ts = Math.floor(at.getTime() / 1000);
    assert.equal(sign(secret, 'msg_1', ts, '{"a":1}'), new Webhook(secret).sign('msg_1', at, '{"a":1}'));
    const other = newSecret();
    const headers = webhookHeaders([secret, other], 'msg_1', ts, '{"a":1}');
    assert.deepEqual(new Webhook(other).verify('{"a":1}', headers), { a: 1 });
    assert.throws(() => new Webhook(newSecret()).verify('{"a":1}', headers));
    assert.throws(() => new Webhook(secret).verify('{"a":2}', headers), 'a changed body fails');
  });

  it('read Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    assert.equal(retryAfterMs('120', now), 120_000);
    assert.equal(retryAfterMs('Wed, 02 Dec 2026 10:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Wed, 02 Dec 2026 09:00:00 GMT', now), 0);
    assert.equal(retryAfterMs(undefined, now), undefined);
    assert.equal(retryAfterMs('soon', now), undefined);
  });
});
