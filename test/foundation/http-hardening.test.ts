/**
 * The HTTP surface of the access point as `serve` wires it (src/main.ts): security headers on every
 * answer, the AS4 route node:http takes before express included; stored documents served as downloads and
 * never cached; ids and JSON bodies that are the caller's mistake answered 400, not 500.
 */
import { SCOPES } from '../../src/auth/principal.js';
import { bearer, createKey } from '../support/auth.js';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { buildUserMessage } from '../../src/as4/index.js';
import type { AccessPoint } from '../../src/main.js';
import { createTestPki } from '../../src/testing/test-pki.js';
import { TEST_SML_ZONE } from '../support/discovery.js';
import { startServedAp, type ServedAp } from '../support/served-ap.js';
import { BUYER, header, sbd } from '../inbound/support.js';

/** 36 characters that pass a loose `[0-9a-f-]{36}` check but are no UUID: Postgres refuses to cast them. */
const NOT_A_UUID = '-'.repeat(36);

function assertSecurityHeaders(res: Response, what: string): void {
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'", what);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
}

describe('HTTP hardening of the served access point', function () {
  this.timeout(90_000);
  let served: ServedAp;
  let ap: AccessPoint;
  let documentId: string;
  let receipt: Response;
  // An operator key with every scope, made once the access point runs.
  const auth: Record<string, string> = {};
  const inboxPath = () => `/api/v1/inbox/${encodeURIComponent(BUYER)}/documents`;

  before(async () => {
    const pki = createTestPki();
    const cert = pki.issueAp('PBE000701');
    served = await startServedAp({
      prefix: 'ap_hardening',
      ap: cert,
      trust: pki.trustedPems,
      smp: pki.issueSmp('SMP HARDENING'),
      env: {
        SML_ZONE: TEST_SML_ZONE,
        SML_DNS_SERVERS: '127.0.0.1:9', // nothing is sent out here
        INBOUND_VALIDATION_WORKERS: '0',
      },
    });
    ap = served.ap;
    Object.assign(auth, bearer((await createKey(served.tenants, null, [...SCOPES])).secret));

    // A hosted buyer, and one invoice received for it over AS4 (through the direct node:http route).
    const added = await fetch(`${ap.url}/api/v1/admin/participants`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ participant: BUYER, documentTypes: [{ documentType: 'invoice' }] }),
    });
    assert.equal(added.status, 201, await added.text());
    const sender = pki.issueAp('PBE000702');
    const m = await buildUserMessage({
      header: header({ fromPartyId: 'PBE000702', toPartyId: 'PBE000701' }),
      payload: sbd(),
      sender: { privateKey: createPrivateKey(sender.keyPem), certificate: sender.cert },
      receiverCertificate: cert.cert,
    });
    receipt = await fetch(`${ap.url}/as4`, { method: 'POST', headers: { 'content-type': m.contentType }, body: new Uint8Array(m.body) });
    assert.equal(receipt.status, 200, await receipt.text());
    const end = Date.now() + 30_000;
    for (;;) {
      const list = (await (await fetch(`${ap.url}${inboxPath()}`, { headers: auth })).json()) as { documents: Array<{ id: string }> };
      if (list.documents.length > 0) {
        documentId = list.documents[0]!.id;
        break;
      }
      assert.ok(Date.now() < end, 'the received invoice never reached the inbox');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(() => served?.close());

  it('sends nosniff, a restrictive Content-Security-Policy and no-referrer on every kind of answer', async () => {
    const answers: Array<[string, Promise<Response>]> = [
      ['healthz', fetch(`${ap.url}/healthz`)],
      ['readyz', fetch(`${ap.url}/readyz`)],
      ['document', fetch(`${ap.url}/api/v1/documents/${documentId}`, { headers: auth })],
      ['document without key', fetch(`${ap.url}/api/v1/documents/${documentId}`)],
      ['unknown route', fetch(`${ap.url}/nowhere`)],
      ['admin API', fetch(`${ap.url}/api/v1/admin/participants`, { headers: auth })],
      ['admin API without key', fetch(`${ap.url}/api/v1/admin/participants`)],
      ['SMP', fetch(`${ap.url}/smp/${encodeURIComponent(`iso6523-actorid-upis::${BUYER}`)}`)],
      ['inbox', fetch(`${ap.url}${inboxPath()}`, { headers: auth })],
      ['AS4 error', fetch(`${ap.url}/as4`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'not AS4' })],
    ];
    for (const [what, pending] of answers) {
      const res = await pending;
      assert.ok(res.status < 500, `${what}: ${res.status}`);
      assertSecurityHeaders(res, what);
    }
    assertSecurityHeaders(receipt, 'AS4 receipt');
  });

  it('lets no cache keep documents, payloads, receipts or inbox answers', async () => {
    for (const [path, status] of [
      [`/api/v1/documents/${documentId}`, 200],
      [`/api/v1/documents/${documentId}/payload`, 200],
      [`/api/v1/documents/${documentId}/receipt`, 200],
      [`/api/v1/documents/00000000-0000-4000-8000-000000000000`, 404],
      [inboxPath(), 200],
      [`${inboxPath()}/${documentId}`, 200],
      [`${inboxPath()}/${documentId}/payload`, 200],
    ] as const) {
      const res = await fetch(`${ap.url}${path}`, { headers: auth });
      assert.equal(res.status, status, path);
      assert.equal(res.headers.get('cache-control'), 'no-store', path);
    }
  });

  it('serves stored payloads as XML attachments named after the document, from the documents API and the inbox', async () => {
    for (const path of [`/api/v1/documents/${documentId}/payload`, `${inboxPath()}/${documentId}/payload`]) {
      const res = await fetch(`${ap.url}${path}`, { headers: auth });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), 'application/xml', path);
      assert.equal(res.headers.get('content-disposition'), `attachment; filename="${documentId}.xml"`, path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.match(await res.text(), /<Invoice\b/);
    }
  });

  it('answers 400 with a clear message for an id that is not a UUID, on every :id route', async () => {
    const routes: Array<[string, RequestInit?]> = [
      [`/api/v1/documents/${NOT_A_UUID}/receipt`, { headers: auth }],
      [`/api/v1/documents/${NOT_A_UUID}`, { headers: auth }],
      [`/api/v1/documents/${NOT_A_UUID}/payload`, { headers: auth }],
      [`/api/v1/documents/not-a-uuid`, { headers: auth }],
      [`${inboxPath()}/${NOT_A_UUID}`, { headers: auth }],
      [`${inboxPath()}/${NOT_A_UUID}/payload`, { headers: auth }],
      [`${inboxPath()}/${NOT_A_UUID}/ack`, { method: 'POST', headers: auth }],
    ];
    for (const [path, init] of routes) {
      const res = await fetch(`${ap.url}${path}`, init);
      const body = (await res.json()) as { error: string; message: string };
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(body)}`);
      assert.equal(body.error, 'api.bad-request', path);
      assert.match(body.message, /is not a document id \(a UUID/, path);
    }
    // A path parameter that is not even valid percent-encoding is refused by the router, also with 400.
    const undecodable = await fetch(`${ap.url}/api/v1/documents/%E0%A4%A/receipt`, { headers: auth });
    assert.equal(undecodable.status, 400, await undecodable.clone().text());
    assert.equal(((await undecodable.json()) as { error: string }).error, 'api.bad-request');
    // The inbox cursor carries a document id too.
    const cursor = await fetch(`${ap.url}${inboxPath()}?receivedAfter=${encodeURIComponent(`2026-01-01T00:00:00Z~${NOT_A_UUID}`)}`, { headers: auth });
    assert.equal(cursor.status, 400, await cursor.clone().text());
    // Authentication still comes first: without a key the inbox answers 401 whatever the id.
    assert.equal((await fetch(`${ap.url}${inboxPath()}/${NOT_A_UUID}`)).status, 401);
  });

  it('answers 400 json.malformed, not 500, to a JSON body that does not parse', async () => {
    for (const path of ['/api/v1/admin/participants', `/api/v1/admin/participants/${encodeURIComponent(BUYER)}/document-types`]) {
      const res = await fetch(`${ap.url}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"participant": ' });
      const body = (await res.json()) as { error: string; message: string };
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(body)}`);
      assert.equal(body.error, 'json.malformed');
      assert.match(body.message, /not valid JSON/);
    }
  });

  it('answers errors as RFC 9457 problems: application/problem+json with type, title, status, detail and the catalogue code', async () => {
    const answers = [
      await fetch(`${ap.url}/api/v1/documents/${NOT_A_UUID}`, { headers: auth }),
      await fetch(`${ap.url}/api/v1/admin/participants`),
      await fetch(`${ap.url}/no/such/route`),
    ];
    for (const res of answers) {
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body['status'], res.status);
      assert.equal(body['type'], `urn:peppol-ap:problem:${body['code'] as string}`);
      assert.equal(typeof body['title'], 'string');
      assert.equal(typeof body['detail'], 'string');
      assert.ok(typeof body['requestId'] === 'string' && body['requestId'] === res.headers.get('x-request-id'), JSON.stringify(body));
    }
    assert.deepEqual(
      answers.map((r) => r.status),
      [400, 401, 404],
    );
  });
});
