/**
 * Webhook delivery through the composed server to a real receiver on 127.0.0.1 that verifies every
 * message with the `standardwebhooks` package: submission, retries, 410, rotation, replay, test call.
 */
import assert from 'node:assert/strict';
import { call, startWebhooksApi, type WebhooksApi } from '../support/webhooks-api.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { until } from '../support/assert.js';

describe('webhooks', function () {
  this.timeout(60_000);
  let api: WebhooksApi;
  let receiver: WebhookReceiver;

  before(async () => {
    api = await startWebhooksApi({ maxAttempts: 4 });
  });
  after(async () => {
    await api?.close();
  });
  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(async () => {
    // One endpoint at a time: the next test's submissions must not reach this one.
    for (const w of (await call(api.base, api.auth, 'GET', '/webhooks')).json.webhooks) await call(api.base, api.auth, 'DELETE', `/webhooks/${w.id}`);
    await receiver.close();
  });

  async function subscribe(eventTypes = ['document.submitted']): Promise<{ id: string; secret: string }> {
    const res = await call(api.base, api.auth, 'POST', '/webhooks', { url: receiver.url, eventTypes });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.match(res.json.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    receiver.secrets = [res.json.secret];
    return res.json;
  }

  async function deliveries(id: string): Promise<any[]> {
    return (await call(api.base, api.auth, 'GET', `/webhooks/${id}/deliveries`)).json.deliveries;
  }

  it('delivers document.submitted after POST /documents, signed as Standard Webhooks say, with a thin payload', async () => {
    const endpoint = await subscribe();
    const doc = await api.submit();
    const [got] = await receiver.waitFor(1);
    assert.deepEqual(got!.verifiedBy, receiver.secrets);
    assert.equal(got!.json.type, 'document.submitted');
    assert.deepEqual({ ...got!.json.data, eventId: undefined }, { eventId: undefined, documentId: doc.id, direction: 'outbound', status: 'queued', previousStatus: null });
    assert.match(got!.headers['webhook-id'] as string, /^msg_evt_\d+$/);
    assert.equal(got!.headers['content-type'], 'application/json');
    const log = await until('the delivery log', async () => {
      const d = await deliveries(endpoint.id);
      return d[0]?.status === 'succeeded' && d;
    });
    assert.equal(log.length, 1);
    assert.equal(log[0].webhookId, got!.headers['webhook-id']);
    assert.equal(log[0].attemptLog.length, 1);
    assert.equal(log[0].attemptLog[0].httpStatus, 200);
    assert.equal(typeof log[0].attemptLog[0].latencyMs, 'number');
  });

  it('tries again after 500s with the same webhook-id, and logs every attempt', async () => {
    const endpoint = await subscribe();
    receiver.answer(500, 500);
    await api.submit();
    const got = await receiver.waitFor(3);
    assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, 1);
    assert.equal(new Set(got.map((r) => r.body)).size, 1, 'every attempt sends the same body');
    for (const r of got) assert.deepEqual(r.verifiedBy, receiver.secrets);
    const [d] = await until('success after retries', async () => {
      const d = await deliveries(endpoint.id);
      return d[0]?.status === 'succeeded' && d;
    });
    assert.deepEqual(d.attemptLog.map((a: { httpStatus: number }) => a.httpStatus), [500, 500, 200]);
    assert.equal(d.attempts, 3);
  });

  it("honours Retry-After and does not follow redirects", async () => {
    const endpoint = await subscribe();
    receiver.answer({ status: 302, headers: { location: 'http://169.254.169.254/' } }, { status: 503, headers: { 'retry-after': '2' } });
    await api.submit();
    const got = await receiver.waitFor(3);
    assert.ok(got[2]!.at - got[1]!.at >= 1_900, `the attempt after Retry-After: 2 came ${got[2]!.at - got[1]!.at} ms later`);
    const [d] = await until('success', async () => {
      const d = await deliveries(endpoint.id);
      return d[0]?.status === 'succeeded' && d;
    });
    assert.match(d.attemptLog[0].error, /HTTP 302 \(redirect to http:\/\/169\.254\.169\.254\/ not followed\)/);
    assert.deepEqual(d.attemptLog.map((a: { httpStatus: number }) => a.httpStatus), [302, 503, 200]);
  });

  it('disables the endpoint on 410 Gone, with the reason on the endpoint, and sends it nothing more', async () => {
    const endpoint = await subscribe();
    receiver.answer(410);
    await api.submit();
    await receiver.waitFor(1);
    const e = await until('the endpoint disabled', async () => {
      const e = (await call(api.base, api.auth, 'GET', `/webhooks/${endpoint.id}`)).json;
      return e.disabledAt && e;
    });
    assert.match(e.disabledReason, /410 Gone/);
    assert.equal((await deliveries(endpoint.id))[0].status, 'failed');
    // The tenant is told: an entry in its own audit log.
    const audit = (await call(api.base, api.auth, 'GET', '/audit')).json as { entries: Array<{ action: string; target: string; details: { reason: string } }> };
    const told = audit.entries.find((x) => x.action === 'webhook.disabled' && x.target === endpoint.id);
    assert.match(told!.details.reason, /410 Gone/);
    await api.submit();
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(receiver.received.length, 1, 'a disabled endpoint gets nothing');
    const test = await call(api.base, api.auth, 'POST', `/webhooks/${endpoint.id}/test`);
    assert.equal(test.status, 409);
  });

  it('fails the delivery and disables the endpoint after the last attempt', async () => {
    const endpoint = await subscribe();
    receiver.answer(500, 500, 500, 500);
    await api.submit();
    await receiver.waitFor(4);
    const e = await until('the endpoint disabled', async () => {
      const e = (await call(api.base, api.auth, 'GET', `/webhooks/${endpoint.id}`)).json;
      return e.disabledAt && e;
    });
    assert.match(e.disabledReason, /failed 4 attempts \(last: HTTP 500\)/);
    const [d] = await deliveries(endpoint.id);
    assert.equal(d.status, 'failed');
    assert.equal(d.attemptLog.length, 4);
  });

  it('signs with both secrets for 24 hours after a rotation: either verifies', async () => {
    const endpoint = await subscribe();
    const rotated = await call(api.base, api.auth, 'POST', `/webhooks/${endpoint.id}/rotate-secret`);
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.json.secret, endpoint.secret);
    const left = Date.parse(rotated.json.previousSecretValidUntil) - Date.now();
    assert.ok(left > 23.9 * 3600_000 && left <= 24 * 3600_000, `old secret valid ${left} ms more`);
    receiver.secrets = [endpoint.secret, rotated.json.secret];
    await api.submit();
    const [got] = await receiver.waitFor(1);
    assert.deepEqual(got!.verifiedBy, [endpoint.secret, rotated.json.secret]);
    assert.equal((got!.headers['webhook-signature'] as string).split(' ').length, 2);
  });

  it('replays one event, or a time range, with the webhook-id of the first delivery', async () => {
    const endpoint = await subscribe();
    // After the events of earlier tests (event times are the database's clock, the same machine's).
    await new Promise((r) => setTimeout(r, 50));
    const from = new Date().toISOString();
    await api.submit();
    await api.submit();
    const first = await receiver.waitFor(2);
    const eventId = first[0]!.json.data['eventId'];
    const one = await call(api.base, api.auth, 'POST', `/webhooks/${endpoint.id}/replay`, { eventId });
    assert.equal(one.status, 202, JSON.stringify(one.json));
    assert.equal(one.json.deliveries.length, 1);
    const again = await receiver.waitFor(3);
    assert.equal(again[2]!.headers['webhook-id'], first[0]!.headers['webhook-id']);
    assert.equal(again[2]!.body, first[0]!.body);
    const range = await call(api.base, api.auth, 'POST', `/webhooks/${endpoint.id}/replay`, { from, to: new Date(Date.now() + 1_000).toISOString() });
    assert.equal(range.json.deliveries.length, 2);
    const all = await receiver.waitFor(5);
    assert.deepEqual(new Set(all.slice(3).map((r) => r.headers['webhook-id'])), new Set(first.map((r) => r.headers['webhook-id'])));
    for (const r of all) assert.deepEqual(r.verifiedBy, receiver.secrets);
    assert.equal((await call(api.base, api.auth, 'POST', `/webhooks/${endpoint.id}/replay`, { eventId: '999999999' })).status, 404);
    assert.equal((await call(api.base, api.auth, 'POST', `/webhooks/${endpoint.id}/replay`, {})).status, 400);
  });

  it('sends a webhook.test message on request', async () => {
    const endpoint = await subscribe();
    const res = await call(api.base, api.auth, 'POST', `/webhooks/${endpoint.id}/test`);
    assert.equal(res.status, 202);
    const [got] = await receiver.waitFor(1);
    assert.equal(got!.json.type, 'webhook.test');
    assert.deepEqual(got!.json.data, { endpointId: endpoint.id });
    assert.deepEqual(got!.verifiedBy, receiver.secrets);
    const d = await until('the test delivery logged', async () => (await deliveries(endpoint.id)).find((x) => x.id === res.json.delivery && x.status === 'succeeded'));
    assert.equal(d.eventType, 'webhook.test');
  });

  it('fails a pending delivery whose job ended without it (killed on its last attempt), with the job\'s error', async () => {
    const endpoint = await subscribe();
    const [row] = await api.db.knex('webhook_deliveries').insert({ endpoint_id: endpoint.id, webhook_id: 'msg_orphan', event_type: 'webhook.test', body: '{}' }).returning('id');
    await api.db.knex('jobs').insert({ kind: 'webhook', payload: { deliveryId: row.id }, unique_key: row.id, status: 'dead', attempts: 4, max_attempts: 4, last_error_kind: 'interrupted', last_error_message: 'its runner stopped' });
    assert.equal(await api.stores.webhooks.failOrphans('webhook'), 1);
    const d = (await deliveries(endpoint.id)).find((x) => x.id === row.id);
    assert.equal(d.status, 'failed');
    assert.equal(d.lastError, 'its job ended (interrupted): its runner stopped');
  });

  it('refuses a bad subscription with 400: unknown event type, no URL, no event types', async () => {
    for (const body of [{ url: receiver.url, eventTypes: ['document.exploded'] }, { eventTypes: ['document.submitted'] }, { url: receiver.url, eventTypes: [] }, { url: 'ftp://x/', eventTypes: ['document.submitted'] }]) {
      const res = await call(api.base, api.auth, 'POST', '/webhooks', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.code, 'api.bad-request');
    }
  });
});
