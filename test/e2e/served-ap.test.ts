/**
 * The access point as `serve` starts it (src/main.ts, configuration from environment variables) sends an
 * invoice to a second access point: the production wiring of the outbound side (lookup from the discovery
 * configuration, AP key files, dispatcher) end to end.
 */
import { bearer, createKey, senderAuth } from '../support/auth.js';
import assert from 'node:assert/strict';
import type { AccessPoint } from '../../src/main.js';
import { TEST_SML_ZONE } from '../support/discovery.js';
import { startServedAp, type ServedAp } from '../support/served-ap.js';
import { belgianParticipant, startNetwork, ublDocument, type E2eNetwork, type TestAp } from './harness.js';

describe('served access point (src/main.ts wiring) sends to another access point', function () {
  this.timeout(90_000);
  let net: E2eNetwork;
  let b: TestAp;
  let served: ServedAp;
  let ap: AccessPoint;
  const supplier = belgianParticipant(1212121);
  const buyer = belgianParticipant(3434343);

  let auth: Record<string, string> = {};
  let operator: Record<string, string> = {};
  before(async () => {
    net = await startNetwork();
    b = await net.startAp('B', 'PBE000602');
    await b.host(buyer);
    served = await startServedAp({
      prefix: 'ap_served',
      ap: net.env.pki.issueAp('PBE000601'),
      trust: net.env.pki.trustedPems,
      smp: net.env.smpCert, // published at SMP_PUBLIC_URL's path; the test reads the SMP on ap.url
      env: {
        SML_ZONE: TEST_SML_ZONE,
        SML_DNS_SERVERS: net.env.dns.address,
        SMP_REQUIRE_HTTPS: 'false',
        INBOUND_VALIDATION_WORKERS: '1', // API submissions and received documents go through the worker pool
        OUTBOUND_RETRY_INITIAL_MS: '100',
        OUTBOUND_POLL_INTERVAL_MS: '100',
      },
    });
    ap = served.ap;
    auth = await senderAuth(served.tenants, [supplier]);
    operator = bearer((await createKey(served.tenants, null, ['participants'])).secret);
  });
  after(async () => {
    await served?.close();
    await net?.close();
  });

  it('delivers an invoice submitted to its API and shows the evidence', async () => {
    const xml = ublDocument('invoice', supplier, buyer);
    const res = await fetch(`${ap.url}/api/v1/documents`, { method: 'POST', headers: { ...auth, 'content-type': 'application/xml' }, body: new Uint8Array(xml) });
    const body = (await res.json()) as { id: string; status: string };
    assert.equal(res.status, 201, JSON.stringify(body));
    const end = Date.now() + 30_000;
    let doc: any;
    for (;;) {
      doc = await (await fetch(`${ap.url}/api/v1/documents/${body.id}`, { headers: auth })).json();
      if (['delivered', 'failed', 'undeliverable'].includes(doc.status)) break;
      assert.ok(Date.now() < end, JSON.stringify(doc.events));
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(doc.status, 'delivered', JSON.stringify(doc.delivery));
    assert.equal(doc.delivery.receiverSeatId, 'PBE000602');
    assert.ok(doc.delivery.evidence.receiptMessageId);
    assert.ok(await b.db.knex('as4_messages').where({ direction: 'inbound', message_id: doc.delivery.as4MessageId }).first());
  });

  it('validates submissions with the whole engine: an XSD-valid invoice breaking an EN 16931 rule is refused with the rule', async () => {
    const xml = Buffer.from(
      ublDocument('invoice', supplier, buyer)
        .toString('utf8')
        .replace('<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>', '<cbc:PayableAmount currencyID="EUR">1.00</cbc:PayableAmount>'),
    );
    const res = await fetch(`${ap.url}/api/v1/documents`, { method: 'POST', headers: { ...auth, 'content-type': 'application/xml' }, body: new Uint8Array(xml) });
    const body = (await res.json()) as { status: string; validation: { valid: boolean; issues: Array<{ id: string; flag: string; layer: string }> } };
    assert.equal(res.status, 422, JSON.stringify(body).slice(0, 500));
    assert.equal(body.status, 'rejected');
    assert.ok(
      body.validation.issues.some((i) => i.id === 'BR-CO-16' && i.flag === 'fatal'),
      JSON.stringify(body.validation.issues.map((i) => i.id)),
    );
  });

  it('refuses unusable submissions once, with the kind of fault: malformed (no repeated prefix) and UTF-16', async () => {
    const post = async (body: Buffer) => {
      const res = await fetch(`${ap.url}/api/v1/documents`, { method: 'POST', headers: { ...auth, 'content-type': 'application/xml' }, body: new Uint8Array(body) });
      return { status: res.status, body: (await res.json()) as { error: string; message: string } };
    };
    const malformed = await post(Buffer.from('<Invoice><a></Invoice>'));
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error, 'xml.malformed');
    assert.doesNotMatch(malformed.body.message, /not well-formed.*not well-formed/, malformed.body.message);
    const utf16 = await post(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ublDocument('invoice', supplier, buyer).toString('utf8'), 'utf16le')]));
    assert.equal(utf16.status, 400);
    assert.equal(utf16.body.error, 'xml.encoding-unsupported');
    assert.match(utf16.body.message, /only UTF-8 is accepted/);
  });

  it('answers POST /as4 itself (before express) with a signed ebMS error and a request id; other methods go to the app', async () => {
    const res = await fetch(`${ap.url}/as4`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-request-id': 'as4-req-1' }, body: 'not AS4' });
    assert.equal(res.status, 415);
    assert.equal(res.headers.get('x-request-id'), 'as4-req-1');
    assert.match(res.headers.get('content-type') ?? '', /soap\+xml/);
    const text = await res.text();
    assert.match(text, /EBMS:0007/);
    assert.match(text, /<ds:Signature\b/);
    const get = await fetch(`${ap.url}/as4`);
    assert.equal(get.status, 404);
    assert.ok(get.headers.get('x-request-id'));
  });

  it('serves the admin API and publishes added participants in its SMP', async () => {
    const admin = `${ap.url}/api/v1/admin/participants`;
    assert.equal((await fetch(admin)).status, 401);
    const added = await fetch(admin, {
      method: 'POST',
      headers: { ...operator, 'content-type': 'application/json' },
      body: JSON.stringify({ participant: '0208:0999999922', documentTypes: [{ documentType: 'invoice' }] }),
    });
    assert.equal(added.status, 201, await added.clone().text());
    const group = await fetch(`${ap.url}/smp/iso6523-actorid-upis%3A%3A0208%3A0999999922`);
    assert.equal(group.status, 200);
    assert.match(await group.text(), /busdox-docid-qns%3A%3A/);
  });
});
