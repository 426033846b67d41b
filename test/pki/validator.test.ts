import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApError } from '../../src/errors.js';
import { PeppolCertificateValidator } from '../../src/pki/validator.js';
import { TrustStore } from '../../src/pki/trust-store.js';
import { createTestPki, type TestPki } from '../../src/testing/test-pki.js';

/** A CRL server on 127.0.0.1 that counts requests and can be told to fail. */
class CrlServer {
  readonly server: Server;
  hits: string[] = [];
  crls = new Map<string, Buffer>();
  mode: 'ok' | 'error' | 'hang' = 'ok';
  base = '';

  constructor() {
    this.server = createServer((req, res) => {
      this.hits.push(req.url ?? '');
      if (this.mode === 'hang') return; // never answers
      const body = this.crls.get(req.url ?? '');
      if (this.mode === 'error' || !body) {
        res.writeHead(this.mode === 'error' ? 500 : 404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(body);
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/crl/`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

async function rejectsWith(p: Promise<unknown>, kind: string, messagePart?: RegExp): Promise<ApError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApError, `expected ApError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (messagePart) assert.match(err.message, messagePart);
    return err;
  }
  assert.fail(`expected rejection with ${kind}`);
}

describe('pki: PeppolCertificateValidator', () => {
  const srv = new CrlServer();
  let pki: TestPki;
  let store: TrustStore;

  before(async () => {
    await srv.start();
    pki = createTestPki({ crlBaseUrl: srv.base });
    store = TrustStore.create({ roots: pki.trustedPems.roots, ap: pki.trustedPems.ap, smp: pki.trustedPems.smp });
  });
  after(() => srv.stop());
  beforeEach(() => {
    srv.hits = [];
    srv.mode = 'ok';
    srv.crls.clear();
  });

  const validator = (o: { softFail?: boolean; prefixes?: string[]; timeoutMs?: number; now?: () => number } = {}) =>
    new PeppolCertificateValidator({
      trustStore: store,
      revocation: { mode: 'crl', softFail: o.softFail ?? true },
      crl: { allowedPrefixes: o.prefixes ?? [srv.base], timeoutMs: o.timeoutMs ?? 2000, ...(o.now ? { now: o.now } : {}) },
    });
  const serveApCrl = () => srv.crls.set('/crl/ap.crl', pki.crl({ ca: 'ap' }));

  it('accepts a valid AP certificate: chain to root, seat id, revocation good', async () => {
    const ap = pki.issueAp('POP000001');
    serveApCrl();
    const v = await validator().validate(ap.certPem, { purpose: 'ap' });
    assert.equal(v.seatId, 'POP000001');
    assert.equal(v.revocation, 'good');
    assert.deepEqual(v.warnings, []);
    assert.deepEqual(
      v.chain.map((c) => c.fingerprint256),
      [ap.cert.fingerprint256, pki.apCa.cert.fingerprint256, pki.rootCa.cert.fingerprint256],
    );
    assert.match(v.subject, /CN=POP000001/);
    assert.deepEqual(srv.hits, ['/crl/ap.crl']);
  });

  it('accepts the certificate as DER and as bare base64 (BinarySecurityToken form)', async () => {
    const ap = pki.issueAp('PBE000123');
    serveApCrl();
    const v1 = await validator().validate(ap.cert.raw, { purpose: 'ap' });
    const v2 = await validator().validate(ap.cert.raw.toString('base64'), { purpose: 'ap' });
    assert.equal(v1.seatId, 'PBE000123');
    assert.equal(v2.seatId, 'PBE000123');
  });

  it('rejects an expired certificate, naming it and the expiry date', async () => {
    const notAfter = new Date(Date.now() - 3_600_000);
    const ap = pki.issueAp('POP000002', { notBefore: new Date(Date.now() - 400 * 86_400_000), notAfter });
    const err = await rejectsWith(validator().validate(ap.cert, { purpose: 'ap' }), 'pki.expired', /POP000002.*expired on/);
    assert.equal(err.ebmsCode, 'EBMS:0101');
    assert.ok(err.message.includes(notAfter.toISOString().slice(0, 16)));
  });

  it('rejects a not-yet-valid certificate', async () => {
    const ap = pki.issueAp('POP000003', { notBefore: new Date(Date.now() + 86_400_000) });
    await rejectsWith(validator().validate(ap.cert, { purpose: 'ap' }), 'pki.expired', /not valid before/);
  });

  it('validates at a given time (--at): the expired certificate was valid back then', async () => {
    const ap = pki.issueAp('POP000004', {
      notBefore: new Date(Date.now() - 30 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    serveApCrl();
    const v = await validator().validate(ap.cert, { purpose: 'ap', at: new Date(Date.now() - 10 * 86_400_000) });
    assert.equal(v.seatId, 'POP000004');
  });

  it('rejects a revoked certificate listed in the CRL served over HTTP', async () => {
    const revoked = pki.issueAp('POP000005', { revoked: true });
    serveApCrl();
    const err = await rejectsWith(validator().validate(revoked.cert, { purpose: 'ap' }), 'pki.revoked', /POP000005.*revoked on/);
    assert.equal(err.details?.['serial'], revoked.serialNumber);
    assert.deepEqual(srv.hits, ['/crl/ap.crl']);
  });

  it('soft-fail: an unreachable CRL gives revocation unknown and a warning', async () => {
    const ap = pki.issueAp('POP000006');
    srv.mode = 'error';
    const v = await validator({ softFail: true }).validate(ap.cert, { purpose: 'ap' });
    assert.equal(v.revocation, 'unknown');
    assert.equal(v.warnings.length, 1);
    assert.match(v.warnings[0]!, /revocation status .* unknown.*HTTP 500.*soft-fail/);
  });

  it('hard-fail: an unreachable CRL rejects with pki.revocation-unknown', async () => {
    const ap = pki.issueAp('POP000007');
    srv.mode = 'error';
    const err = await rejectsWith(validator({ softFail: false }).validate(ap.cert, { purpose: 'ap' }), 'pki.revocation-unknown', /HTTP 500/);
    assert.equal(err.retryable, true);
  });

  it('hard-fail: a CRL server that does not answer times out', async () => {
    const ap = pki.issueAp('POP000008');
    srv.mode = 'hang';
    const started = Date.now();
    await rejectsWith(validator({ softFail: false, timeoutMs: 200 }).validate(ap.cert, { purpose: 'ap' }), 'pki.revocation-unknown', /200 ms/);
    assert.ok(Date.now() - started < 2000);
  });

  it('caches the CRL until nextUpdate: a second check makes no HTTP request, a check after nextUpdate does', async () => {
    let now = Date.now();
    const v = validator({ now: () => now });
    const a = pki.issueAp('POP000009');
    const b = pki.issueAp('POP000010', { revoked: true });
    const nextUpdate = new Date(now + 3_600_000);
    srv.crls.set('/crl/ap.crl', pki.crl({ ca: 'ap', nextUpdate }));
    assert.equal((await v.validate(a.cert, { purpose: 'ap' })).revocation, 'good');
    assert.equal(srv.hits.length, 1);
    await rejectsWith(v.validate(b.cert, { purpose: 'ap' }), 'pki.revoked');
    assert.equal((await v.validate(a.cert, { purpose: 'ap' })).revocation, 'good');
    assert.equal(srv.hits.length, 1, 'served from the cache');

    now = nextUpdate.getTime() + 1000;
    srv.crls.set('/crl/ap.crl', pki.crl({ ca: 'ap', thisUpdate: new Date(now - 1000), nextUpdate: new Date(now + 3_600_000) }));
    assert.equal((await v.validate(a.cert, { purpose: 'ap' })).revocation, 'good');
    assert.equal(srv.hits.length, 2, 'refetched after nextUpdate');
  });

  it('reuses a positive validation only while its CRL is in force: a cached certificate revoked by a refreshed CRL is refused', async () => {
    let now = Date.now();
    const v = validator({ softFail: false, now: () => now });
    const a = pki.issueAp('POP000023');
    const nextUpdate = new Date(now + 3_600_000);
    srv.crls.set('/crl/ap.crl', pki.crl({ ca: 'ap', nextUpdate }));
    assert.equal((await v.validate(a.cert, { purpose: 'ap' })).revocation, 'good');
    const again = await v.validate(a.cert, { purpose: 'ap' });
    assert.equal(again.revocation, 'good');
    assert.equal(again.seatId, 'POP000023');
    assert.equal(again.certificate, a.cert);
    assert.equal(srv.hits.length, 1);

    // The CRL is refreshed after its nextUpdate and now lists the certificate.
    now = nextUpdate.getTime() + 1000;
    srv.crls.set('/crl/ap.crl', pki.crl({ ca: 'ap', thisUpdate: new Date(now - 1000), nextUpdate: new Date(now + 3_600_000), extraSerials: [a.cert.serialNumber] }));
    await rejectsWith(v.validate(a.cert, { purpose: 'ap', at: new Date(now) }), 'pki.revoked', /POP000023/);
    assert.equal(srv.hits.length, 2);
  });

  it('a CRL added out of band replaces the one a cached validation relied on', async () => {
    const a = pki.issueAp('POP000024');
    const v = validator({ softFail: false });
    v.addCrl(pki.crlUrl('ap')!, pki.crl({ ca: 'ap' }));
    assert.equal((await v.validate(a.cert, { purpose: 'ap' })).revocation, 'good');
    assert.equal((await v.validate(a.cert, { purpose: 'ap' })).revocation, 'good');
    v.addCrl(pki.crlUrl('ap')!, pki.crl({ ca: 'ap', extraSerials: [a.cert.serialNumber] }));
    await rejectsWith(v.validate(a.cert, { purpose: 'ap' }), 'pki.revoked');
  });

  it('a cached validation does not extend validity: a later validation time past notAfter is refused', async () => {
    const notAfter = new Date(Date.now() + 86_400_000);
    const a = pki.issueAp('POP000025', { notAfter });
    const v = validator({ softFail: false });
    v.addCrl(pki.crlUrl('ap')!, pki.crl({ ca: 'ap' }));
    assert.equal((await v.validate(a.cert, { purpose: 'ap' })).revocation, 'good');
    await rejectsWith(v.validate(a.cert, { purpose: 'ap', at: new Date(notAfter.getTime() + 1000) }), 'pki.expired', /expired on/);
    await rejectsWith(v.validate(a.cert, { purpose: 'smp' }), 'pki.untrusted');
    assert.equal((await v.validate(a.cert, { purpose: 'ap' })).revocation, 'good');
  });

  it('concurrent checks share one CRL download', async () => {
    const a = pki.issueAp('POP000011');
    serveApCrl();
    const v = validator();
    await Promise.all([1, 2, 3, 4].map(() => v.validate(a.cert, { purpose: 'ap' })));
    assert.equal(srv.hits.length, 1);
  });

  it('never fetches a CRL URL outside the allowed prefixes', async () => {
    const ap = pki.issueAp('POP000012', { revoked: true });
    serveApCrl();
    const v = await validator({ prefixes: ['http://crl.one.nl.digicert.com/'] }).validate(ap.cert, { purpose: 'ap' });
    assert.equal(srv.hits.length, 0);
    assert.equal(v.revocation, 'unknown');
    assert.match(v.warnings[0]!, /outside the allowed prefixes/);
    await rejectsWith(
      validator({ softFail: false, prefixes: ['http://crl.one.nl.digicert.com/'] }).validate(ap.cert, { purpose: 'ap' }),
      'pki.revocation-unknown',
      /outside the allowed prefixes/,
    );
    assert.equal(srv.hits.length, 0);
  });

  it('rejects a CRL signed by another CA (revocation unknown, not good)', async () => {
    const ap = pki.issueAp('POP000013');
    srv.crls.set('/crl/ap.crl', pki.crl({ ca: 'untrusted' }));
    await rejectsWith(validator({ softFail: false }).validate(ap.cert, { purpose: 'ap' }), 'pki.revocation-unknown', /CRL issuer/);
  });

  it('uses a CRL added out of band without any download', async () => {
    const revoked = pki.issueAp('POP000014', { revoked: true });
    const v = validator({ softFail: false });
    v.addCrl(pki.crlUrl('ap')!, pki.crl({ ca: 'ap' }));
    await rejectsWith(v.validate(revoked.cert, { purpose: 'ap' }), 'pki.revoked');
    assert.equal(srv.hits.length, 0);
    assert.throws(() => v.addCrl('http://x/', Buffer.from('not a crl')), (e: ApError) => e.kind === 'config.invalid');
  });

  it('does not let a CRL of another trusted CA answer for a certificate', async () => {
    const revoked = pki.issueAp('POP000022', { revoked: true });
    const v = validator({ softFail: false });
    v.addCrl(pki.crlUrl('ap')!, pki.crl({ ca: 'smp' })); // signed by the SMP CA, put under the AP CA's URL
    await rejectsWith(v.validate(revoked.cert, { purpose: 'ap' }), 'pki.revocation-unknown', /HTTP 404/);
    assert.deepEqual(srv.hits, ['/crl/ap.crl']);
  });

  it('rejects a certificate from an untrusted CA, naming the issuer', async () => {
    const bad = pki.issueAp('POP000015', { issuer: 'untrusted' });
    await rejectsWith(validator().validate(bad.cert, { purpose: 'ap' }), 'pki.untrusted', /UNTRUSTED TEST CA.*not a trusted access point CA/);
  });

  it('rejects a forged certificate that names the AP CA as issuer but is signed by another key', async () => {
    const other = createTestPki({ keySet: 1 });
    const forged = other.issueAp('POP000016'); // same issuer name, different CA key
    await rejectsWith(validator().validate(forged.cert, { purpose: 'ap' }), 'pki.untrusted', /was not signed by that CA's key/);
  });

  it('rejects the wrong purpose: SMP certificate as AP and AP certificate as SMP', async () => {
    const smp = pki.issueSmp('SMP TEST');
    const ap = pki.issueAp('POP000017');
    serveApCrl();
    srv.crls.set('/crl/smp.crl', pki.crl({ ca: 'smp' }));
    await rejectsWith(validator().validate(smp.cert, { purpose: 'ap' }), 'pki.untrusted', /issued by the SMP CA.*access point certificate is required/);
    await rejectsWith(validator().validate(ap.cert, { purpose: 'smp' }), 'pki.untrusted', /issued by the access point CA.*SMP certificate is required/);
    const v = await validator().validate(smp.cert, { purpose: 'smp' });
    assert.equal(v.seatId, null);
    assert.equal(v.revocation, 'good');
    assert.equal(v.chain[1]!.fingerprint256, pki.smpCa.cert.fingerprint256);
  });

  it('checks the key usage each use needs, and only that: G2-era certificates (keyAgreement, no dataEncipherment) pass', async () => {
    serveApCrl();
    const g2 = pki.issueAp('POP000024', { keyUsage: { digitalSignature: true, keyEncipherment: true, keyAgreement: true } });
    await validator().validate(g2.cert, { purpose: 'ap' });
    await validator().validate(g2.cert, { purpose: 'ap', uses: ['signature', 'keyTransport'] });
    const signOnly = pki.issueAp('POP000018', { keyUsage: { digitalSignature: true } });
    await validator().validate(signOnly.cert, { purpose: 'ap', uses: ['signature'] });
    await rejectsWith(
      validator().validate(signOnly.cert, { purpose: 'ap', uses: ['signature', 'keyTransport'] }),
      'pki.bad-certificate',
      /lacks the key usage keyEncipherment needed for signatures and key transport/,
    );
    const encryptOnly = pki.issueAp('POP000025', { keyUsage: { keyEncipherment: true } });
    await rejectsWith(validator().validate(encryptOnly.cert, { purpose: 'ap' }), 'pki.bad-certificate', /lacks the key usage digitalSignature needed for signatures/);
  });

  it('checks AP extended key usage', async () => {
    const serverOnly = pki.issueAp('POP000019', { extKeyUsage: ['1.3.6.1.5.5.7.3.1'] });
    await rejectsWith(validator().validate(serverOnly.cert, { purpose: 'ap' }), 'pki.bad-certificate', /without clientAuth/);
  });

  it('rejects a SHA-1 signed certificate and an RSA key under 2048 bits', async () => {
    const sha1 = pki.issueAp('POP000023', { signatureHash: 'sha1' });
    await rejectsWith(validator().validate(sha1.cert, { purpose: 'ap' }), 'pki.bad-certificate', /POP000023.*weak algorithm sha1WithRSAEncryption/);
    const small = pki.issueAp('POP000024', { keyBits: 1024 });
    await rejectsWith(validator().validate(small.cert, { purpose: 'ap' }), 'pki.bad-certificate', /1024-bit RSA key/);
  });

  it('rejects a CA certificate presented as a leaf and unparsable input', async () => {
    await rejectsWith(validator().validate(pki.apCa.cert, { purpose: 'ap' }), 'pki.bad-certificate', /CA certificate/);
    await rejectsWith(validator().validate('not a certificate', { purpose: 'ap' }), 'pki.bad-certificate', /cannot be parsed/);
  });

  it('extracts the seat id only from a CN of the form P + 2 letters + 6 digits', async () => {
    serveApCrl();
    for (const [cn, expected] of [
      ['PBE000001', 'PBE000001'],
      ['POP123456', 'POP123456'],
      ['pop000001', null],
      ['PBE00001', null],
      ['PBE0000012', null],
      ['ACME AP', null],
    ] as const) {
      const v = await validator().validate(pki.issueAp(cn).cert, { purpose: 'ap' });
      assert.equal(v.seatId, expected, cn);
      if (!expected) assert.ok(v.warnings.some((w) => /not a Peppol seat id/.test(w)));
    }
  });

  it('reports not-checked when revocation checking is off, and unknown without a distribution point', async () => {
    const ap = pki.issueAp('POP000020', { revoked: true });
    const off = new PeppolCertificateValidator({ trustStore: store, revocation: { mode: 'off' } });
    assert.equal((await off.validate(ap.cert, { purpose: 'ap' })).revocation, 'not-checked');
    const noDp = pki.issueAp('POP000021', { noCrlDistributionPoint: true });
    await rejectsWith(validator({ softFail: false }).validate(noDp.cert, { purpose: 'ap' }), 'pki.revocation-unknown', /no CRL distribution point/);
    assert.equal(srv.hits.length, 0);
  });
});
