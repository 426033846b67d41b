/**
 * The tenant-isolation matrix: every operation of the OpenAPI document, called by the owning tenant,
 * another tenant, an accountant with a mandate, accountants whose mandate was revoked or has expired, a
 * key of the owner lacking the scope, an expired key, a revoked key, no key and an operator, each with
 * the status it must get; and no list shows another tenant's documents, inboxes or participants.
 */
import assert from 'node:assert/strict';
import { SCOPES, type Scope } from '../../src/auth/principal.js';
import { buildOpenApiDocument } from '../../src/http/openapi/index.js';
import { METHODS } from '../../src/http/openapi/types.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { SmpParticipantStore } from '../../src/store/participants-smp.js';
import { createTestPki } from '../../src/testing/test-pki.js';
import { CREDIT_NOTE, INVOICE, belgianParticipant, ublDocument } from '../e2e/harness.js';
import { bearer, createKey, createTenant, grantMandate } from '../support/auth.js';
import { startServedAp, type ServedAp } from '../support/served-ap.js';

type Actor = 'owner' | 'other' | 'mandated' | 'mandateRevoked' | 'mandateExpired' | 'noScope' | 'keyExpired' | 'keyRevoked' | 'none' | 'operator';
const ACTORS: Actor[] = ['owner', 'other', 'mandated', 'mandateRevoked', 'mandateExpired', 'noScope', 'keyExpired', 'keyRevoked', 'none', 'operator'];

/** What a call on the owner's resource gets from each actor; the unauthenticated three are always 401. */
type Expected = Record<Exclude<Actor, 'keyExpired' | 'keyRevoked' | 'none'>, number>;
const read = (ok: number): Expected => ({ owner: ok, other: 404, mandated: ok, mandateRevoked: 404, mandateExpired: 404, noScope: 403, operator: ok });
/** Administration of the tenant itself: its own admin and operators only; a mandate never carries admin. */
const admin = (ok: number): Expected => ({ owner: ok, other: 404, mandated: 403, mandateRevoked: 404, mandateExpired: 404, noScope: 403, operator: ok });

// Enterprise numbers whose 0208 participants the tenants own (valid check digits).
const OWNER_NUMBER = belgianParticipant(1010101).slice(5);
const OTHER_NUMBER = belgianParticipant(2020202).slice(5);

describe('tenant isolation: every operation by every kind of caller', function () {
  this.timeout(180_000);
  let served: ServedAp;
  let url: string;
  const keys = {} as Record<Actor, Record<string, string>>;
  const ids: Record<string, string> = {};
  const ownerSupplier = `0208:${OWNER_NUMBER}`;
  const ownerBuyer = belgianParticipant(1111111);
  const otherSupplier = `0208:${OTHER_NUMBER}`;
  const otherBuyer = belgianParticipant(2222222);
  const covered = new Set<string>();

  const call = (actor: Actor, method: string, path: string, body?: unknown, contentType = 'application/json') =>
    fetch(`${url}/api/v1${path}`, {
      method,
      headers: { ...keys[actor], ...(body !== undefined ? { 'content-type': contentType } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' || Buffer.isBuffer(body) ? new Uint8Array(Buffer.from(body)) : JSON.stringify(body) } : {}),
    });

  before(async () => {
    const pki = createTestPki();
    served = await startServedAp({
      prefix: 'ap_isolation',
      ap: pki.issueAp('PBE000901'),
      trust: pki.trustedPems,
      // The e-mail channel on (its settings routes mounted); nothing here sends an e-mail.
      env: { INBOUND_VALIDATION_WORKERS: '0', OUTBOUND_POLL_INTERVAL_MS: '50', SML_DNS_SERVERS: '127.0.0.1:9', WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true', SMTP_HOST: '127.0.0.1', SMTP_PORT: '9', SMTP_TLS: 'none', EMAIL_FROM: 'ap@isolation.test' },
      // The buyers receive invoices and credit notes here: delivery between them is local.
      prepare: async (db) => {
        const store = new SmpParticipantStore(db.knex);
        for (const p of [ownerBuyer, otherBuyer].map((v) => parseParticipantId(v))) {
          await store.addParticipant({ participant: p, name: 'buyer' });
          for (const d of [INVOICE, CREDIT_NOTE]) await store.addCapability(p, { documentType: d.documentType, process: d.process });
        }
      },
    });
    url = served.ap.url;
    const t = served.tenants;
    const owner = await createTenant(t, { name: 'Owner', enterpriseNumber: OWNER_NUMBER, participants: [ownerSupplier, ownerBuyer] });
    const other = await createTenant(t, { name: 'Other', enterpriseNumber: OTHER_NUMBER, participants: [otherSupplier, otherBuyer] });
    const accountant = await createTenant(t, { name: 'Accountant' });
    const formerAccountant = await createTenant(t, { name: 'Former accountant' });
    const lapsedAccountant = await createTenant(t, { name: 'Lapsed accountant' });
    ids['owner'] = owner.id;
    ids['other'] = other.id;
    ids['accountant'] = accountant.id;
    const all = [...SCOPES];
    const key = async (tenantId: string | null, scopes: Scope[], expiresAt?: string) => bearer((await createKey(t, tenantId, scopes, expiresAt ? { expiresAt } : {})).secret);
    keys.owner = await key(owner.id, all);
    keys.other = await key(other.id, all);
    keys.mandated = await key(accountant.id, all);
    keys.mandateRevoked = await key(formerAccountant.id, all);
    keys.mandateExpired = await key(lapsedAccountant.id, all);
    keys.noScope = await key(owner.id, ['respond']);
    keys.operator = await key(null, all);
    keys.none = {};
    const mandateScopes: Scope[] = ['send', 'inbox', 'participants'];
    await grantMandate(t, owner.id, accountant.id, mandateScopes);
    const revoked = await grantMandate(t, owner.id, formerAccountant.id, mandateScopes);
    const soon = new Date(Date.now() + 3000).toISOString();
    await grantMandate(t, owner.id, lapsedAccountant.id, mandateScopes, soon);
    keys.keyExpired = await key(owner.id, all, soon);
    const revokedKey = await createKey(t, owner.id, all);
    keys.keyRevoked = bearer(revokedKey.secret);
    // Each used once before it ends, so that a cached answer would show.
    for (const a of ['mandateRevoked', 'mandateExpired', 'keyExpired', 'keyRevoked'] as const) assert.equal((await call(a, 'GET', `/tenants/${owner.id}`)).status, 200, a);
    assert.equal((await call('owner', 'DELETE', `/mandates/${revoked}`)).status, 200);
    assert.equal((await call('owner', 'DELETE', `/keys/${revokedKey.id}`)).status, 200);

    // The owner's outbound document, delivered locally to the other's buyer; and one the other sent to the owner's buyer.
    const sent = await call('owner', 'POST', '/documents', ublDocument('invoice', ownerSupplier, otherBuyer), 'application/xml');
    assert.equal(sent.status, 201, await sent.clone().text());
    ids['outbound'] = ((await sent.json()) as { id: string }).id;
    const received = await call('other', 'POST', '/documents', ublDocument('invoice', otherSupplier, ownerBuyer), 'application/xml');
    assert.equal(received.status, 201);
    const end = Date.now() + 30_000;
    for (;;) {
      const inbox = (await (await call('owner', 'GET', `/inbox/${ownerBuyer}/documents`)).json()) as { documents: Array<{ id: string }> };
      if (inbox.documents[0]) {
        ids['inbound'] = inbox.documents[0].id;
        break;
      }
      assert.ok(Date.now() < end, 'the other tenant\'s invoice never reached the owner\'s inbox');
      await new Promise((r) => setTimeout(r, 100));
    }
    ids['ownerKey'] = revokedKey.id;
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(soon) - Date.now() + 200)));
  });

  after(() => served?.close());

  /** Calls `operation` as every actor and checks each status; `prepare` makes a fresh target per call when the call consumes it. */
  async function matrix(operation: string, expected: Expected, request: (actor: Actor) => Promise<Response>): Promise<void> {
    covered.add(operation);
    const wrong: string[] = [];
    for (const actor of ACTORS) {
      const want = actor === 'keyExpired' || actor === 'keyRevoked' || actor === 'none' ? 401 : expected[actor];
      const res = await request(actor);
      if (res.status !== want) wrong.push(`${actor}: ${res.status}, expected ${want} (${(await res.text()).slice(0, 200)})`);
      else await res.arrayBuffer();
    }
    assert.deepEqual(wrong, [], operation);
  }

  it('documents: submit, validate, list, read, payload, receipt, rendering, attachments', async () => {
    const byActor = new Map<Actor, string>();
    await matrix('submitDocument', { ...read(201), other: 403, mandateRevoked: 403, mandateExpired: 403 }, async (a) => {
      const res = await call(a, 'POST', '/documents', ublDocument('invoice', ownerSupplier, otherBuyer), 'application/xml');
      if (res.status === 201) byActor.set(a, ((await res.clone().json()) as { id: string }).id);
      return res;
    });
    // Who acted for whom: the accountant's submission records its key acting for the owner.
    const bymandate = (await (await call('owner', 'GET', `/documents/${byActor.get('mandated')}`)).json()) as { events: Array<{ actor: string }> };
    assert.match(bymandate.events[0]!.actor, new RegExp(`^key:pap_[a-z2-7]{16} for tenant:${ids['owner']}$`));
    // A refused submission is stored nowhere.
    assert.equal(Number((await served.db.knex('documents').where({ direction: 'outbound', tenant_id: ids['other'] }).count('* as n'))[0]!.n), 1, 'only the other tenant\'s own invoice');
    // Validation stores nothing and reads no tenant's data: any key with `send`.
    await matrix('validateDocument', { ...read(200), other: 200, mandateRevoked: 200, mandateExpired: 200 }, (a) => call(a, 'POST', '/validate', ublDocument('invoice', ownerSupplier, otherBuyer), 'application/xml'));
    await matrix('getDocument', read(200), (a) => call(a, 'GET', `/documents/${ids['outbound']}`));
    await matrix('getDocumentPayload', read(200), (a) => call(a, 'GET', `/documents/${ids['outbound']}/payload`));
    // Delivered locally, the document has no AS4 receipt: 404 for everyone who may see it, as for everyone else.
    await matrix('getDocumentReceipt', { ...read(404), noScope: 403 }, (a) => call(a, 'GET', `/documents/${ids['outbound']}/receipt`));
    await matrix('renderDocument', read(200), (a) => call(a, 'GET', `/documents/${ids['outbound']}/render?format=pdf&lang=fr`));
    await matrix('renderDocument', read(200), (a) => call(a, 'GET', `/documents/${ids['inbound']}/render?format=html&lang=nl`));
    // The invoice embeds no attachment: 404 for everyone who may see it, as for everyone else.
    await matrix('getDocumentAttachment', { ...read(404), noScope: 403 }, (a) => call(a, 'GET', `/documents/${ids['outbound']}/attachments/0`));
    await matrix('getDocument', read(200), (a) => call(a, 'GET', `/documents/${ids['inbound']}`));
    await matrix('listDocuments', { ...read(200), other: 200, mandateRevoked: 200, mandateExpired: 200 }, (a) => call(a, 'GET', '/documents?limit=200'));
    for (const a of ['other', 'mandateRevoked', 'mandateExpired'] as const) {
      const listed = ((await (await call(a, 'GET', '/documents?limit=200')).json()) as { documents: Array<{ id: string }> }).documents.map((d) => d.id);
      assert.ok(!listed.includes(ids['outbound']!) && !listed.includes(ids['inbound']!), `${a} lists the owner's documents`);
    }
    const mine = ((await (await call('mandated', 'GET', '/documents?limit=200')).json()) as { documents: Array<{ id: string }> }).documents.map((d) => d.id);
    assert.ok(mine.includes(ids['outbound']!) && mine.includes(ids['inbound']!), 'the mandated accountant lists them');
  });

  it('inbox: list, read, payload, acknowledge', async () => {
    const inbox = `/inbox/${ownerBuyer}/documents`;
    await matrix('listInbox', read(200), (a) => call(a, 'GET', inbox));
    await matrix('getInboxDocument', read(200), (a) => call(a, 'GET', `${inbox}/${ids['inbound']}`));
    await matrix('getInboxDocumentPayload', read(200), (a) => call(a, 'GET', `${inbox}/${ids['inbound']}/payload`));
    await matrix('acknowledgeInboxDocument', read(200), (a) => call(a, 'POST', `${inbox}/${ids['inbound']}/ack`));
    const doc = (await (await call('owner', 'GET', `/documents/${ids['inbound']}`)).json()) as { events: Array<{ toStatus: string; actor: string }> };
    assert.match(doc.events.find((e) => e.toStatus === 'acknowledged')!.actor, /^key:pap_[a-z2-7]{16}$/, 'the owner acknowledged first, as itself');
    // Answering needs `respond` for the participant's tenant (the only scope of noScope's key); the mandate does not carry it.
    const answering = { owner: 202, other: 404, mandated: 404, mandateRevoked: 404, mandateExpired: 404, noScope: 202, operator: 202 };
    await matrix('answerInboxDocument', answering, (a) => call(a, 'POST', `${inbox}/${ids['inbound']}/response`, { code: 'IP' }));
  });

  it('MLS service levels: operators only', async () => {
    const operators = { owner: 403, other: 403, mandated: 403, mandateRevoked: 403, mandateExpired: 403, noScope: 403, operator: 200 };
    await matrix('getMlsServiceLevels', operators, (a) => call(a, 'GET', '/mls/service-levels?month=2026-12'));
  });

  it('participants (SMP administration): list, add, read, remove, document types', async () => {
    await matrix('listHostedParticipants', { ...read(200), other: 200, mandateRevoked: 200, mandateExpired: 200 }, (a) => call(a, 'GET', '/admin/participants'));
    const listed = ((await (await call('other', 'GET', '/admin/participants')).json()) as { participants: Array<{ participant: string }> }).participants.map((p) => p.participant);
    assert.deepEqual(listed.sort(), [otherSupplier, otherBuyer].map((p) => `iso6523-actorid-upis::${p}`).sort(), 'the other tenant lists only its own');
    const p = encodeURIComponent(ownerBuyer);
    await matrix('getHostedParticipant', read(200), (a) => call(a, 'GET', `/admin/participants/${p}`));
    await matrix('addHostedDocumentType', { ...read(201) }, async (a) => {
      const res = await call(a, 'POST', `/admin/participants/${p}/document-types`, { documentType: 'invoice', endpointUrl: `https://${a.toLowerCase()}.example/as4` });
      return res;
    });
    await matrix('removeHostedDocumentType', read(204), async (a) => {
      await call('operator', 'POST', `/admin/participants/${p}/document-types`, { documentType: 'creditnote', endpointUrl: `https://${a.toLowerCase()}.example/as4` });
      return call(a, 'DELETE', `/admin/participants/${p}/document-types?documentType=creditnote`);
    });
    // A tenant's key adds only participants carrying its enterprise number: the 9925 form of the owner's.
    const extra = `9925:be${OWNER_NUMBER}`;
    await matrix('addHostedParticipant', read(201), async (a) => {
      const res = await call(a, 'POST', '/admin/participants', { participant: extra, tenantId: ids['owner'] });
      if (res.status === 201) assert.equal((await call('operator', 'DELETE', `/admin/participants/${encodeURIComponent(extra)}`)).status, 204);
      return res;
    });
    await matrix('removeHostedParticipant', read(204), async (a) => {
      assert.equal((await call('operator', 'POST', '/admin/participants', { participant: extra, tenantId: ids['owner'] })).status, 201);
      const res = await call(a, 'DELETE', `/admin/participants/${encodeURIComponent(extra)}`);
      if (res.status !== 204) assert.equal((await call('operator', 'DELETE', `/admin/participants/${encodeURIComponent(extra)}`)).status, 204);
      return res;
    });
  });

  it('tenants, keys, mandates and the audit log', async () => {
    const owner = ids['owner']!;
    // Seeing a tenant: its own keys (any scope) and those of its mandate holders.
    await matrix('getTenant', { ...read(200), noScope: 200 }, (a) => call(a, 'GET', `/tenants/${owner}`));
    await matrix('listTenantParticipants', { ...read(200), noScope: 200 }, (a) => call(a, 'GET', `/tenants/${owner}/participants`));
    await matrix('listTenants', { ...read(200), other: 200, mandateRevoked: 200, mandateExpired: 200, noScope: 200 }, (a) => call(a, 'GET', '/tenants'));
    const seen = ((await (await call('other', 'GET', '/tenants')).json()) as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id);
    assert.deepEqual(seen, [ids['other']], 'the other tenant sees itself only');
    await matrix('createTenant', { owner: 403, other: 403, mandated: 403, mandateRevoked: 403, mandateExpired: 403, noScope: 403, operator: 201 }, (a) => call(a, 'POST', '/tenants', { name: `made by ${a}` }));
    await matrix('addTenantParticipant', read(200), (a) => call(a, 'POST', `/tenants/${owner}/participants`, { participant: ownerSupplier }));
    await matrix('listApiKeys', admin(200), (a) => call(a, 'GET', `/tenants/${owner}/keys`));
    await matrix('createApiKey', admin(201), (a) => call(a, 'POST', `/tenants/${owner}/keys`, { scopes: ['inbox'] }));
    await matrix('revokeApiKey', { ...admin(200), noScope: 404, mandated: 404 }, async (a) => {
      const { id } = await createKey(served.tenants, owner, ['inbox']);
      return call(a, 'DELETE', `/keys/${id}`);
    });
    await matrix('listMandates', admin(200), (a) => call(a, 'GET', `/tenants/${owner}/mandates`));
    await matrix('grantMandate', admin(201), (a) => call(a, 'POST', `/tenants/${owner}/mandates`, { granteeTenantId: ids['accountant'], scopes: ['inbox'] }));
    // Either side ends a mandate: the accountant may end its own (the one it holds).
    await matrix('revokeMandate', { ...admin(200), mandated: 200, noScope: 404 }, async (a) => {
      const id = await grantMandate(served.tenants, owner, ids['accountant']!, ['send']);
      return call(a, 'DELETE', `/mandates/${id}`);
    });
    await matrix('listAuditLog', { owner: 200, other: 200, mandated: 200, mandateRevoked: 200, mandateExpired: 200, noScope: 403, operator: 200 }, (a) => call(a, 'GET', '/audit'));
    const othersLog = ((await (await call('other', 'GET', '/audit?limit=500')).json()) as { entries: Array<{ onBehalfOfTenantId: string | null; actorTenantId: string | null }> }).entries;
    assert.ok(othersLog.every((e) => e.actorTenantId === ids['other'] || e.onBehalfOfTenantId === ids['other']), 'the other tenant reads only its own audit entries');
  });

  it('lookup: any key may ask, it reads no tenant\'s data', async () => {
    const any = { owner: 200, other: 200, mandated: 200, mandateRevoked: 200, mandateExpired: 200, noScope: 200, operator: 200 };
    await matrix('lookupParticipant', any, (a) => call(a, 'GET', `/lookup/${ownerBuyer}?documentType=invoice`));
    const answer = (await (await call('other', 'GET', `/lookup/${ownerBuyer}`)).json()) as { reachable: boolean; tried: Array<{ outcome: string }> };
    assert.equal(answer.reachable, true);
    assert.equal(answer.tried[0]!.outcome, 'hosted-here');
  });

  it('webhooks and the event feed', async () => {
    // The mandate carries send, inbox and participants, not webhooks: the accountant's key finds none of the owner's endpoints.
    const hooks = { ...read(200), mandated: 404 };
    const endpoint = async () => {
      const res = await call('owner', 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', eventTypes: ['document.delivered'] });
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as { id: string }).id;
    };
    const id = await endpoint();
    await matrix('createWebhook', { ...hooks, owner: 201, operator: 201, mandated: 404 }, (a) => call(a, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', eventTypes: ['document.received'], tenantId: ids['owner'] }));
    await matrix('listWebhooks', { ...read(200), other: 200, mandated: 200, mandateRevoked: 200, mandateExpired: 200 }, (a) => call(a, 'GET', '/webhooks'));
    const othersHooks = ((await (await call('other', 'GET', '/webhooks')).json()) as { webhooks: Array<{ tenantId: string }> }).webhooks;
    assert.ok(othersHooks.every((w) => w.tenantId !== ids['owner']), "the other tenant lists none of the owner's endpoints");
    await matrix('getWebhook', hooks, (a) => call(a, 'GET', `/webhooks/${id}`));
    await matrix('listWebhookDeliveries', hooks, (a) => call(a, 'GET', `/webhooks/${id}/deliveries`));
    await matrix('rotateWebhookSecret', hooks, (a) => call(a, 'POST', `/webhooks/${id}/rotate-secret`));
    await matrix('testWebhook', { ...hooks, owner: 202, operator: 202 }, (a) => call(a, 'POST', `/webhooks/${id}/test`));
    await matrix('replayWebhook', { ...hooks, owner: 202, operator: 202 }, (a) => call(a, 'POST', `/webhooks/${id}/replay`, { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() }));
    await matrix('deleteWebhook', { ...hooks, owner: 204, operator: 204 }, async (a) => call(a, 'DELETE', `/webhooks/${await endpoint()}`));
    await matrix('listEvents', { ...read(200), other: 200, mandateRevoked: 200, mandateExpired: 200 }, (a) => call(a, 'GET', '/events?limit=500'));
    for (const a of ['other', 'mandateRevoked', 'mandateExpired'] as const) {
      const events = ((await (await call(a, 'GET', '/events?limit=500')).json()) as { events: Array<{ documentId: string }> }).events.map((e) => e.documentId);
      assert.ok(!events.includes(ids['outbound']!) && !events.includes(ids['inbound']!), `${a} reads the owner's events`);
    }
    const feed = ((await (await call('mandated', 'GET', '/events?limit=500')).json()) as { events: Array<{ documentId: string }> }).events.map((e) => e.documentId);
    assert.ok(feed.includes(ids['outbound']!) && feed.includes(ids['inbound']!), "the mandated accountant reads the owner's events");
  });

  it('e-mail settings: a tenant\'s, and the pick-up delay of its participants (scope participants)', async () => {
    const owner = ids['owner']!;
    await matrix('getTenantEmailSettings', read(200), (a) => call(a, 'GET', `/tenants/${owner}/email-settings`));
    await matrix('putTenantEmailSettings', read(200), (a) => call(a, 'PUT', `/tenants/${owner}/email-settings`, { language: 'fr', fallback: 'on_peppol_failure', notificationAddress: `${a.toLowerCase()}@owner.test`, notificationEvents: ['document.received'] }));
    const delay = `/participants/${encodeURIComponent(ownerBuyer)}/pickup-delay`;
    const set = async () => assert.equal((await call('owner', 'PUT', delay, { delaySeconds: 7200, functionalAddress: 'invoices@owner.test' })).status, 200);
    await matrix('putPickupDelay', read(200), (a) => call(a, 'PUT', delay, { delaySeconds: 3600, functionalAddress: `${a.toLowerCase()}@owner.test` }));
    await set();
    await matrix('getPickupDelay', read(200), (a) => call(a, 'GET', delay));
    await matrix('deletePickupDelay', read(204), async (a) => {
      await set();
      return call(a, 'DELETE', delay);
    });
  });

  it("Peppol reports: operators only; the archive export: the tenant's documents, as documents are read", async () => {
    const operators = { owner: 403, other: 403, mandated: 403, mandateRevoked: 403, mandateExpired: 403, noScope: 403, operator: 200 };
    await matrix('listPeppolReports', operators, (a) => call(a, 'GET', '/reports'));
    await matrix('exportArchive', read(200), (a) => call(a, 'GET', `/archive/export?from=2020-01-01&to=2100-01-01&tenant=${ids['owner']}`));
  });

  it('the API description is public', async () => {
    for (const op of ['getOpenApiDocument', 'getApiReference']) covered.add(op);
    for (const a of ACTORS) {
      assert.equal((await call(a, 'GET', '/openapi.json')).status, 200, a);
      assert.equal((await call(a, 'GET', '/docs')).status, 200, a);
    }
  });

  it('covers every operation of the OpenAPI document', () => {
    const doc = buildOpenApiDocument('test');
    const operations = Object.values(doc.paths).flatMap((item) => METHODS.flatMap((m) => (item[m] ? [item[m]!.operationId] : [])));
    assert.deepEqual(operations.filter((o) => !covered.has(o)).sort(), []);
  });
});
