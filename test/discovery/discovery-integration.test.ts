/**
 * End to end: our SMP (Postgres-backed, real HTTP) publishes two hosted participants added through the
 * admin API, which registers them in the local SML zone; the lookup resolves them through DNS and HTTP.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import express from 'express';
import { createAdminParticipantsRouter } from '../../src/http/admin-participants.js';
import { ParticipantsService } from '../../src/services/participants.js';
import { createSmpRouter } from '../../src/http/smp.js';
import { knownDocumentType } from '../../src/peppol/document-types.js';
import { encodeIdForUrl, parseParticipantId } from '../../src/peppol/identifiers.js';
import { signSmpResponse } from '../../src/peppol/smp-signature.js';
import { serviceMetadataUrl, signedServiceMetadataXml } from '../../src/peppol/smp-xml.js';
import { SmpParticipantStore, StoreSmpDirectory } from '../../src/store/participants-smp.js';
import { expectKind } from '../support/assert.js';
import { buildStores } from '../../src/composition/index.js';
import { TenantsService } from '../../src/services/tenants.js';
import { authenticated, createKey, testAuth } from '../support/auth.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startDiscoveryEnv, type DiscoveryEnv } from '../support/discovery.js';

const invoice = knownDocumentType('invoice')!;
const creditNote = knownDocumentType('creditnote')!;
const mlr = knownDocumentType('mlr')!;
const A = parseParticipantId('0208:0123456749');
const B = parseParticipantId('9925:be0203201340');
const DAY = 86_400_000;

describe('discovery end to end (SML NAPTR + signed SMP)', function () {
  this.timeout(20_000);
  let db: TestDatabase;
  let env: DiscoveryEnv;
  let store: SmpParticipantStore;
  let smpBase: string;
  let adminKey: string;
  const ownEndpoint = 'https://ap.test.local/as4';

  const admin = (method: string, path: string, body?: unknown, token = adminKey) =>
    fetch(`${env.baseUrl}/admin${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  before(async () => {
    db = await createTestDatabase();
    env = await startDiscoveryEnv();
    store = new SmpParticipantStore(db.knex);
    smpBase = `${env.baseUrl}/smp`;
    const directory = new StoreSmpDirectory(store, {
      url: ownEndpoint,
      certificate: env.apCert.cert.raw,
      technicalContactUrl: 'mailto:support@ap.test.local',
      serviceDescription: 'Test access point',
    });
    env.mount('/smp', createSmpRouter({ directory, signingKey: { keyPem: env.smpCert.keyPem, certPem: env.smpCert.certPem } }));
    const stores = buildStores(db.knex);
    const auth = testAuth(stores);
    const tenants = new TenantsService({ tenants: stores.tenants, keys: stores.apiKeys, audit: stores.audit, hashKey: auth.hashKey });
    adminKey = (await createKey(tenants, null, ['participants'])).secret;
    const participants = new ParticipantsService({ store, sml: { registrar: env.registrar, smpBaseUrl: smpBase } });
    env.mount('/admin', authenticated(auth, stores, createAdminParticipantsRouter({ participants, tenants })));

    // Two hosted participants, added through the admin API (which registers them in the SML zone).
    let res = await admin('POST', '/participants', {
      participant: 'iso6523-actorid-upis::0208:0123456749',
      name: 'Public buyer A',
      countryCode: 'BE',
      documentTypes: [{ documentType: 'invoice' }, { documentType: 'creditnote' }],
    });
    assert.equal(res.status, 201, await res.text());
    res = await admin('POST', '/participants', { participant: '9925:BE0203201340', name: 'Customer B' });
    assert.equal(res.status, 201);
    // B: an expired endpoint next to the current one for invoices, and only an expired one for credit notes.
    const add = (body: unknown) => admin('POST', `/participants/${encodeURIComponent('9925:be0203201340')}/document-types`, body);
    assert.equal((await add({ documentType: 'invoice', endpointUrl: 'https://old.test.local/as4', serviceExpirationDate: new Date(Date.now() - DAY).toISOString() })).status, 201);
    assert.equal((await add({ documentType: 'invoice', endpointUrl: 'https://new.test.local/as4', serviceActivationDate: new Date(Date.now() - DAY).toISOString() })).status, 201);
    assert.equal((await add({ documentType: 'creditnote', serviceExpirationDate: new Date(Date.now() - DAY).toISOString() })).status, 201);
  });

  after(async () => {
    await env?.close();
    await db?.drop();
  });

  it('resolves participant + document type to endpoint URL and certificate through DNS and HTTP', async () => {
    const lookup = env.lookup();
    const r = await lookup.lookup(A, invoice.documentType);
    assert.equal(r.endpointUrl, ownEndpoint);
    assert.ok(r.certificate instanceof X509Certificate);
    assert.equal(r.certificate.fingerprint256, env.apCert.cert.fingerprint256);
    assert.equal(r.transportProfile, 'peppol-transport-as4-v2_0');
    assert.equal(r.smpUrl, smpBase);
    assert.deepEqual(r.process, invoice.process);
    assert.equal(r.signatureAlgorithm, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    assert.match(r.smpSigner, /SMP TEST ONE/);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.fromCache, false);
    assert.equal(r.metadataUrl, serviceMetadataUrl(smpBase, A, invoice.documentType));
  });

  it('serves the second lookup from the cache without any HTTP request', async () => {
    const lookup = env.lookup();
    const first = await lookup.lookup(A, creditNote.documentType);
    assert.equal(first.fromCache, false);
    const httpBefore = env.httpRequests();
    const dnsBefore = env.dns.queries;
    const second = await lookup.lookup(A, creditNote.documentType);
    assert.equal(second.fromCache, true);
    assert.equal(env.httpRequests(), httpBefore);
    assert.equal(env.dns.queries, dnsBefore);
    assert.equal(second.endpointUrl, first.endpointUrl);
    // After invalidation (e.g. a delivery failure) the next lookup goes to the network again.
    lookup.invalidate(A);
    assert.equal((await lookup.lookup(A, creditNote.documentType)).fromCache, false);
    assert.ok(env.httpRequests() > httpBefore);
  });

  it('expires cache entries after the TTL and keeps the cache bounded', async () => {
    let now = Date.now();
    const lookup = env.lookup({ cacheTtlMs: 60_000, cacheMaxEntries: 1, now: () => new Date(now) });
    await lookup.lookup(A, invoice.documentType);
    assert.equal((await lookup.lookup(A, invoice.documentType)).fromCache, true);
    now += 61_000;
    assert.equal((await lookup.lookup(A, invoice.documentType)).fromCache, false);
    await lookup.lookup(A, creditNote.documentType);
    assert.equal(lookup.cacheSize, 1);
    assert.equal((await lookup.lookup(A, invoice.documentType)).fromCache, false);
  });

  it('skips an endpoint whose ServiceExpirationDate has passed', async () => {
    const r = await env.lookup().lookup(B, invoice.documentType);
    assert.equal(r.endpointUrl, 'https://new.test.local/as4');
    const err = await expectKind(env.lookup().lookup(B, creditNote.documentType), 'smp.no-endpoint');
    assert.match(err.message, /expired/);
  });

  it('gives distinct errors for an unknown participant and an unsupported document type', async () => {
    const lookup = env.lookup();
    await expectKind(lookup.lookup(parseParticipantId('0208:0200068636'), invoice.documentType), 'sml.not-registered');
    // Registered in the SML but unknown to the SMP.
    const ghost = parseParticipantId('0088:5798000000001');
    await env.registrar.register(ghost, smpBase);
    await expectKind(lookup.lookup(ghost, invoice.documentType), 'smp.not-found');
    await expectKind(lookup.lookup(A, mlr.documentType), 'smp.document-type-unsupported');
    await expectKind(lookup.lookup(A, invoice.documentType, mlr.process), 'smp.document-type-unsupported');
  });

  it('lists the document types of a participant from its ServiceGroup', async () => {
    const group = await env.lookup().serviceGroup(A);
    assert.deepEqual(
      group.documentTypes.map((d) => d.value).sort(),
      [invoice.documentType.value, creditNote.documentType.value].sort(),
    );
  });

  it('refuses a tampered SMP response (one byte changed in the signed content)', async () => {
    const tampered = parseParticipantId('0208:0200068636');
    await store.addParticipant({ participant: tampered });
    await store.addCapability(tampered, { documentType: invoice.documentType, process: invoice.process });
    // A man in the middle: relays our SMP's answer with one byte of the endpoint address changed.
    const mitm = express.Router();
    mitm.use(async (req, res) => {
      const upstream = await fetch(`${smpBase}${req.url}`);
      const body = await upstream.text();
      res.status(upstream.status).type('text/xml').send(body.replace('https://ap.test.local/as4', 'https://ap.test.locak/as4'));
    });
    env.mount('/mitm', mitm);
    await env.registrar.register(tampered, `${env.baseUrl}/mitm`);
    const err = await expectKind(env.lookup().lookup(tampered, invoice.documentType), 'smp.bad-signature');
    assert.match(err.message, /does not verify/);
    // The same participant through the honest SMP resolves.
    await env.registrar.register(tampered, smpBase);
    assert.equal((await env.lookup().lookup(tampered, invoice.documentType)).endpointUrl, ownEndpoint);
  });

  it('refuses an SMP response signed by a certificate outside the SMP CA', async () => {
    const p = parseParticipantId('0088:1234567890123');
    await store.addParticipant({ participant: p });
    await store.addCapability(p, { documentType: invoice.documentType, process: invoice.process });
    const rogue = env.pki.issueSmp('ROGUE SMP', { issuer: 'untrusted' });
    const directory = new StoreSmpDirectory(store, { url: ownEndpoint, certificate: env.apCert.cert.raw, technicalContactUrl: 'x', serviceDescription: 'x' });
    env.mount('/rogue', createSmpRouter({ directory, signingKey: { keyPem: rogue.keyPem, certPem: rogue.certPem } }));
    await env.registrar.register(p, `${env.baseUrl}/rogue`);
    await expectKind(env.lookup().lookup(p, invoice.documentType), 'pki.untrusted');
  });

  it('accepts an RSA-SHA1 signed response with a warning', async () => {
    const p = parseParticipantId('0088:123abc');
    await store.addParticipant({ participant: p });
    await store.addCapability(p, { documentType: invoice.documentType, process: invoice.process });
    const directory = new StoreSmpDirectory(store, { url: ownEndpoint, certificate: env.apCert.cert.raw, technicalContactUrl: 'x', serviceDescription: 'x' });
    env.mount('/sha1', createSmpRouter({ directory, signingKey: { keyPem: env.smpCert.keyPem, certPem: env.smpCert.certPem, algorithm: 'rsa-sha1' } }));
    await env.registrar.register(p, `${env.baseUrl}/sha1`);
    const r = await env.lookup().lookup(p, invoice.documentType);
    assert.equal(r.signatureAlgorithm, 'http://www.w3.org/2000/09/xmldsig#rsa-sha1');
    assert.ok(r.warnings.some((w) => /RSA-SHA1/.test(w)), JSON.stringify(r.warnings));
  });

  it('follows one SMP Redirect and checks the CertificateUID', async () => {
    const p = A;
    const redirectRouter = (certificateUid: string) => {
      const r = express.Router();
      r.get('/:participant/services/:documentType', (req, res) => {
        const href = `${smpBase}/${encodeIdForUrl(p)}/services/${encodeURIComponent(String(req.params.documentType))}`;
        const xml = signSmpResponse(signedServiceMetadataXml({ kind: 'redirect', redirect: { href, certificateUid } }), {
          keyPem: env.smpCert.keyPem,
          certPem: env.smpCert.certPem,
        });
        res.type('text/xml').send(xml);
      });
      return r;
    };
    env.mount('/redirect-ok', redirectRouter('CN=SMP TEST ONE,OU=PEPPOL TEST SMP,O=Test Company,C=BE'));
    env.mount('/redirect-bad', redirectRouter('CN=SOMEONE ELSE'));
    await env.registrar.register(p, `${env.baseUrl}/redirect-ok`);
    try {
      const r = await env.lookup().lookup(p, invoice.documentType);
      assert.equal(r.endpointUrl, ownEndpoint);
      assert.equal(r.redirectedFrom, serviceMetadataUrl(`${env.baseUrl}/redirect-ok`, p, invoice.documentType));
      assert.equal(r.metadataUrl, serviceMetadataUrl(smpBase, p, invoice.documentType));
      await env.registrar.register(p, `${env.baseUrl}/redirect-bad`);
      await expectKind(env.lookup().lookup(p, invoice.documentType), 'smp.bad-signature');
    } finally {
      await env.registrar.register(p, smpBase);
    }
  });

  it('reports an SMP that does not answer in time as unreachable', async () => {
    const p = parseParticipantId('0088:999');
    const slow = express.Router();
    slow.use((_req, res) => void setTimeout(() => res.end(), 2000));
    env.mount('/slow', slow);
    await env.registrar.register(p, `${env.baseUrl}/slow`);
    const err = await expectKind(env.lookup({ smpTimeoutMs: 300 }).lookup(p, invoice.documentType), 'smp.unreachable');
    assert.equal(err.retryable, true);
  });

  describe('admin API', () => {
    it('refuses requests without the admin token', async () => {
      assert.equal((await admin('GET', '/participants', undefined, '')).status, 401);
      assert.equal((await admin('GET', '/participants', undefined, 'wrong')).status, 401);
    });

    it('lists participants and their document types', async () => {
      const res = await admin('GET', '/participants');
      assert.equal(res.status, 200);
      const body = (await res.json()) as { participants: Array<{ participant: string; documentTypes: unknown[] }> };
      const a = body.participants.find((x) => x.participant === 'iso6523-actorid-upis::0208:0123456749');
      assert.equal(a?.documentTypes.length, 2);
    });

    it('refuses a duplicate participant and an invalid identifier', async () => {
      assert.equal((await admin('POST', '/participants', { participant: '0208:0123456749' })).status, 409);
      const res = await admin('POST', '/participants', { participant: '0208:0123456789' });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: string }).error, 'identifier.invalid');
    });

    it('removes a participant from the SMP and the SML', async () => {
      const res = await admin('POST', '/participants', { participant: '0208:0403170701', documentTypes: [{ documentType: 'invoice' }] });
      assert.equal(res.status, 201);
      const p = parseParticipantId('0208:0403170701');
      assert.equal((await env.lookup().lookup(p, invoice.documentType)).endpointUrl, ownEndpoint);
      assert.equal((await admin('DELETE', `/participants/${encodeURIComponent('0208:0403170701')}`)).status, 204);
      await expectKind(env.lookup().lookup(p, invoice.documentType), 'sml.not-registered');
    });
  });
});
