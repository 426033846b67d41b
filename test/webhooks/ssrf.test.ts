/**
 * The address guard: with WEBHOOKS_ALLOW_PRIVATE_TARGETS off, loopback, private, link-local, unique-local
 * and unspecified targets (IPv4 and IPv6, IPv4-mapped too) are refused at creation, and again at delivery
 * by the connection's own lookup (a name that resolves to a private address later: DNS rebinding).
 */
import assert from 'node:assert/strict';
import { forbiddenAddress } from '../../src/webhooks/address-guard.js';
import { WebhookTransport } from '../../src/webhooks/transport.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { call, startWebhooksApi, type WebhooksApi } from '../support/webhooks-api.js';

describe('webhook targets (SSRF guard)', function () {
  this.timeout(30_000);

  it('judges addresses: only public unicast ones pass', () => {
    const refused = ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd12::1', 'fc00::1', '::ffff:127.0.0.1', '0:0:0:0:0:ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::192.168.0.1'];
    const allowed = ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'];
    for (const ip of refused) assert.ok(forbiddenAddress(ip), `${ip} should be refused`);
    for (const ip of allowed) assert.equal(forbiddenAddress(ip), null, `${ip} should pass`);
  });

  describe('with WEBHOOKS_ALLOW_PRIVATE_TARGETS off', () => {
    let api: WebhooksApi;
    before(async () => {
      api = await startWebhooksApi({ allowPrivateTargets: false });
    });
    after(() => api?.close());

    it('refuses to create an endpoint on a loopback, private or http:// URL, with a clear error', async () => {
      for (const url of ['http://127.0.0.1:9/hook', 'https://127.0.0.1/hook', 'https://localhost/hook', 'https://[::1]/hook', 'https://[::ffff:127.0.0.1]/hook', 'https://10.0.0.5/', 'https://169.254.169.254/latest/meta-data']) {
        const res = await call(api.base, api.auth, 'POST', '/webhooks', { url, eventTypes: ['document.submitted'] });
        assert.equal(res.status, 422, `${url}: ${JSON.stringify(res.json)}`);
        assert.equal(res.json.code, 'webhook.target-refused');
        assert.match(res.json.detail, /https:\/\/|not a public address/);
      }
      assert.deepEqual((await call(api.base, api.auth, 'GET', '/webhooks')).json.webhooks, []);
    });
  });

  it('refuses at delivery too: an IP literal, and a name whose lookup gives loopback (checked in the connection)', async () => {
    const receiver = await WebhookReceiver.start();
    const transport = new WebhookTransport({ allowPrivate: false, timeoutMs: 2_000, maxResponseBytes: 4096 });
    try {
      const literal = await transport.post(receiver.url, {}, '{}');
      assert.equal(literal.ok, false);
      assert.ok(!literal.ok && literal.refused && /127\.0\.0\.1 is not a public address/.test(literal.error), JSON.stringify(literal));
      const byName = await transport.post(receiver.url.replace('127.0.0.1', 'localhost'), {}, '{}');
      assert.ok(!byName.ok && byName.refused && /localhost: .* is not a public address/.test(byName.error), JSON.stringify(byName));
      assert.equal(receiver.received.length, 0, 'no request reached the receiver');
      const allowed = await new WebhookTransport({ allowPrivate: true, timeoutMs: 2_000, maxResponseBytes: 4096 }).post(receiver.url, {}, '{}');
      assert.equal(allowed.ok, true);
    } finally {
      transport.close();
      await receiver.close();
    }
  });
});
