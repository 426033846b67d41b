import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { ApError } from '../../src/errors.js';
import { certificateDetails, seatIdOf } from '../../src/pki/certificate.js';
import { parseCrl, verifyCrl } from '../../src/pki/crl.js';
import { normaliseSerial } from '../../src/pki/der.js';
import { createTestPki, toP12 } from '../../src/testing/test-pki.js';
import { PEPPOL_G3_FINGERPRINTS, TrustStore } from '../../src/pki/trust-store.js';

describe('pki: test PKI generator', () => {
  const pki = createTestPki({ crlBaseUrl: 'http://127.0.0.1:1/crl' });

  it('models the Peppol G3 test hierarchy', () => {
    assert.match(pki.rootCa.cert.subject, /CN=PEPPOL Root TEST CA - G3\nOU=FOR TEST ONLY\nO=OpenPEPPOL AISBL\nC=BE/);
    assert.match(pki.apCa.cert.subject, /CN=PEPPOL ACCESS POINT TEST CA - G3/);
    assert.match(pki.smpCa.cert.subject, /CN=PEPPOL SERVICE METADATA PUBLISHER TEST CA - G3/);
    for (const ca of [pki.apCa, pki.smpCa]) {
      assert.ok(ca.cert.ca);
      assert.ok(ca.cert.verify(pki.rootCa.cert.publicKey));
    }
    assert.ok(!pki.untrustedCa.cert.verify(pki.rootCa.cert.publicKey));
  });

  it('issues AP certificates as the Peppol profile describes them', () => {
    const ap = pki.issueAp('POP000001');
    const d = certificateDetails(ap.cert);
    assert.match(ap.cert.subject, /^CN=POP000001\nOU=PEPPOL TEST AP\n/);
    assert.equal(seatIdOf(ap.cert), 'POP000001');
    assert.deepEqual([...d.keyUsage!].sort(), ['dataEncipherment', 'digitalSignature', 'keyEncipherment']);
    assert.equal(d.keyUsageCritical, true);
    assert.deepEqual(d.extKeyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.deepEqual(d.crlUrls, ['http://127.0.0.1:1/crl/ap.crl']);
    assert.equal(ap.cert.checkPrivateKey(createPrivateKey(ap.keyPem)), true);
    assert.equal(createPublicKey(ap.publicKeyPem).export({ type: 'spki', format: 'pem' }), ap.cert.publicKey.export({ type: 'spki', format: 'pem' }));
    assert.deepEqual(ap.chainPem.map((p) => new X509Certificate(p).fingerprint256), [pki.apCa.cert.fingerprint256, pki.rootCa.cert.fingerprint256]);
    assert.deepEqual(certificateDetails(pki.issueAp('POP000009', { noCrlDistributionPoint: true }).cert).crlUrls, []);
  });

  it('honours validity, issuer and key usage overrides', () => {
    const notBefore = new Date('2020-01-01T00:00:00Z');
    const notAfter = new Date('2021-01-01T00:00:00Z');
    const old = pki.issueAp('POP000002', { notBefore, notAfter });
    assert.equal(new Date(old.cert.validFrom).toISOString(), notBefore.toISOString());
    assert.equal(new Date(old.cert.validTo).toISOString(), notAfter.toISOString());
    const u = pki.issueAp('POP000003', { issuer: 'untrusted' });
    assert.ok(u.cert.verify(pki.untrustedCa.cert.publicKey));
    assert.deepEqual(certificateDetails(u.cert).crlUrls, ['http://127.0.0.1:1/crl/untrusted.crl']);
    const signOnly = pki.issueAp('POP000004', { keyUsage: { digitalSignature: true }, extKeyUsage: [] });
    assert.deepEqual([...certificateDetails(signOnly.cert).keyUsage!], ['digitalSignature']);
    assert.equal(certificateDetails(signOnly.cert).extKeyUsage, null);
    const smp = pki.issueSmp('SMP ONE');
    assert.match(smp.cert.subject, /^CN=SMP ONE\nOU=PEPPOL TEST SMP/);
    assert.ok(smp.cert.verify(pki.smpCa.cert.publicKey));
  });

  it('gives consecutive leaves distinct keys and reuses cached keys across PKIs', () => {
    const keys = Array.from({ length: 8 }, (_, i) => pki.issueAp(`PXX00000${i}`).cert.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'));
    assert.equal(new Set(keys).size, 8);
    const again = createTestPki();
    assert.equal(again.apCa.keyPem, pki.apCa.keyPem);
    assert.notEqual(again.apCa.cert.fingerprint256, pki.apCa.cert.fingerprint256);
    assert.notEqual(createTestPki({ keySet: 1 }).apCa.keyPem, pki.apCa.keyPem);
  });

  it('signs CRLs that list exactly the revoked certificates of that CA', () => {
    const p = createTestPki();
    const revoked = p.issueAp('POP000005', { revoked: true });
    const good = p.issueAp('POP000006');
    const revokedSmp = p.issueSmp('SMP R', { revoked: true });
    const nextUpdate = new Date(Date.now() + 3_600_000);
    const crl = parseCrl(p.crl({ ca: 'ap', nextUpdate, extraSerials: ['0ABC'] }));
    verifyCrl(crl, p.apCa.cert);
    assert.throws(() => verifyCrl(crl, p.smpCa.cert), /CRL issuer/);
    assert.deepEqual([...crl.revoked.keys()].sort(), [normaliseSerial(revoked.serialNumber), 'ABC'].sort());
    assert.ok(!crl.revoked.has(normaliseSerial(good.serialNumber)));
    assert.equal(crl.nextUpdate!.getTime(), Math.floor(nextUpdate.getTime() / 1000) * 1000);
    const smpCrl = parseCrl(p.crl({ ca: 'smp' }));
    verifyCrl(smpCrl, p.smpCa.cert);
    assert.deepEqual([...smpCrl.revoked.keys()], [normaliseSerial(revokedSmp.serialNumber)]);
  });

  it('exports a PKCS#12 with the key and the chain', () => {
    const ap = pki.issueAp('POP000007');
    const der = toP12(ap, 'secret', 'ap-key');
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der.toString('binary')), 'secret');
    const certs = p12.getBags({ bagType: forge.pki.oids['certBag']! })[forge.pki.oids['certBag']!]!;
    assert.equal(certs.length, 3);
    const keyBags = p12.getBags({ bagType: forge.pki.oids['pkcs8ShroudedKeyBag']! })[forge.pki.oids['pkcs8ShroudedKeyBag']!]!;
    assert.equal(keyBags[0]!.attributes['friendlyName']![0], 'ap-key');
    assert.equal(forge.pki.privateKeyToPem(keyBags[0]!.key!).length > 0, true);
    assert.throws(() => forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der.toString('binary')), 'wrong'));
  });
});

describe('pki: TrustStore', () => {
  const pki = createTestPki();

  it('refuses CA files that do not match the pinned Peppol G3 fingerprints', () => {
    assert.throws(
      () => TrustStore.peppolG3('test', [pki.rootCa.certPem, pki.apCa.certPem]),
      (e: ApError) => e.kind === 'config.invalid' && /PEPPOL Root TEST CA - G3.*is not a Peppol G3 test CA/.test(e.message),
    );
    assert.equal(PEPPOL_G3_FINGERPRINTS.production.ap.split(':').length, 32);
  });

  it('refuses a leaf certificate as an anchor and an empty store', () => {
    const leaf = pki.issueAp('POP000008');
    assert.throws(() => TrustStore.create({ ap: [leaf.certPem] }), (e: ApError) => e.kind === 'config.invalid' && /not a CA/.test(e.message));
    assert.throws(() => TrustStore.create({ roots: [pki.rootCa.certPem] }), (e: ApError) => e.kind === 'config.invalid');
  });

  it('links issuing CAs to their roots, and reads a PEM bundle', () => {
    const store = TrustStore.create({ roots: [pki.rootCa.certPem], ap: [pki.apCa.certPem] });
    assert.deepEqual(
      store.anchorsFor('ap').map((a) => [a.ca.fingerprint256, a.above.map((c) => c.fingerprint256)]),
      [[pki.apCa.cert.fingerprint256, [pki.rootCa.cert.fingerprint256]]],
    );
    assert.equal(store.anchorsFor('smp').length, 0);
    const bundle = TrustStore.fromBundle(pki.apCa.certPem + '\n' + pki.rootCa.certPem);
    assert.deepEqual(
      bundle.anchorsFor('ap').map((a) => [a.ca.fingerprint256, a.above.map((c) => c.fingerprint256)]),
      [[pki.apCa.cert.fingerprint256, [pki.rootCa.cert.fingerprint256]]],
    );
    assert.equal(bundle.allCas().length, 2);
  });
});
