/** Tenant isolation of webhook endpoints: another tenant's endpoint is answered as absent (404). */
import assert from 'node:assert/strict';
import { commandLineCaller } from '../../src/services/tenants.js';
import { bearer, createKey, grantMandate } from '../support/auth.js';
import { call, startWebhooksApi, type WebhooksApi } from '../support/webhooks-api.js';

describe('webhook endpoints are tenant-scoped', function () {
  this.timeout(30_000);
  let api: WebhooksApi;
  let endpointId = '';
  before(async () => {
    api = await startWebhooksApi();
    const res = await call(api.base, api.auth, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', eventTypes: ['document.delivered'] });
    assert.equal(res.status, 201);
    endpointId = res.json.id;
  });
  after(() => api?.close());

  it("tenant B cannot see, list, read the log of, replay, test, rotate or delete A's endpoint: 404", async () => {
    const b = await api.otherTenant(['webhooks', 'send', 'inbox']);
    assert.deepEqual((await call(api.base, b.auth, 'GET', '/webhooks')).json.webhooks, []);
    for (const [method, path, body] of [
      ['GET', `/webhooks/${endpointId}`],
      ['GET', `/webhooks/${endpointId}/deliveries`],
      ['POST', `/webhooks/${endpointId}/replay`, { eventId: '1' }],
      ['POST', `/webhooks/${endpointId}/test`],
      ['POST', `/webhooks/${endpointId}/rotate-secret`],
      ['DELETE', `/webhooks/${endpointId}`],
    ] as Array<[string, string, unknown?]>) {
      const res = await call(api.base, b.auth, method, path, body);
      assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.code, 'api.not-found');
    }
    // Nor subscribe for A.
    const forA = await call(api.base, b.auth, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/', eventTypes: ['document.delivered'], tenantId: api.tenantId });
    assert.equal(forA.status, 404);
    // A's endpoint is untouched.
    const mine = await call(api.base, api.auth, 'GET', `/webhooks/${endpointId}`);
    assert.equal(mine.status, 200);
    assert.equal(mine.json.previousSecretValidUntil, null, 'not rotated');
  });

  it("an accountant with a webhooks mandate manages the grantor's endpoints; revoked, it sees them no more", async () => {
    const accountant = await api.otherTenant(['webhooks']);
    assert.equal((await call(api.base, accountant.auth, 'GET', `/webhooks/${endpointId}`)).status, 404);
    const mandateId = await grantMandate(api.services.tenants, api.tenantId, accountant.tenantId, ['webhooks']);
    assert.equal((await call(api.base, accountant.auth, 'GET', `/webhooks/${endpointId}`)).status, 200);
    const created = await call(api.base, accountant.auth, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/acct', eventTypes: ['document.received'], tenantId: api.tenantId });
    assert.equal(created.status, 201);
    assert.equal(created.json.tenantId, api.tenantId);
    await api.services.tenants.revokeMandate(commandLineCaller('test'), mandateId);
    assert.equal((await call(api.base, accountant.auth, 'GET', `/webhooks/${endpointId}`)).status, 404);
  });

  it('an operator key with the webhooks scope sees every tenant\'s endpoints and must name the tenant to subscribe', async () => {
    const operator = bearer((await createKey(api.services.tenants, null, ['webhooks'])).secret);
    const list = await call(api.base, operator, 'GET', '/webhooks');
    assert.ok(list.json.webhooks.some((w: { id: string }) => w.id === endpointId));
    assert.equal((await call(api.base, operator, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/', eventTypes: ['document.received'] })).status, 400);
  });

  it('needs the webhooks scope (403 without it)', async () => {
    const c = await api.otherTenant(['send']);
    assert.equal((await call(api.base, c.auth, 'GET', '/webhooks')).status, 403);
    assert.equal((await call(api.base, {}, 'GET', '/webhooks')).status, 401);
  });
});
