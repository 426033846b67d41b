/**
 * Access point or SMP: a trust bundle gives each CA the purpose its own name says, and the validator
 * refuses a leaf whose subject OU marks it for the other purpose.
 */
import assert from 'node:assert/strict';
import { ApError } from '../../src/errors.js';
import { createTestPki } from '../../src/testing/test-pki.js';
import { TrustStore } from '../../src/pki/trust-store.js';
import { PeppolCertificateValidator } from '../../src/pki/validator.js';
import type { CertificatePurpose } from '../../src/pki/types.js';

const pki = createTestPki();
const bundle = [pki.rootCa.certPem, pki.apCa.certPem, pki.smpCa.certPem].join('\n');
const fingerprints = (store: TrustStore, purpose: CertificatePurpose) => store.anchorsFor(purpose).map((a) => a.ca.fingerprint256);
const configError = (message: RegExp) => (e: unknown) => e instanceof ApError && e.kind === 'config.invalid' && message.test(e.message);

describe('pki: a trust bundle takes each CA purpose from the CA', () => {
  it('makes the AP CA an issuer of AP certificates only and the SMP CA of SMP certificates only, both under the root', () => {
    const store = TrustStore.fromBundle(bundle);
    assert.deepEqual(fingerprints(store, 'ap'), [pki.apCa.cert.fingerprint256]);
    assert.deepEqual(fingerprints(store, 'smp'), [pki.smpCa.cert.fingerprint256]);
    for (const p of ['ap', 'smp'] as const) {
      assert.deepEqual(store.anchorsFor(p)[0]!.above.map((c) => c.fingerprint256), [pki.rootCa.cert.fingerprint256]);
    }
  });

  it('recognises the production and G2 names of the Peppol CAs', () => {
    const other = createTestPki({ caNames: { ap: 'PEPPOL ACCESS POINT CA - G2', smp: 'PEPPOL SERVICE METADATA PUBLISHER CA - G3' } });
    const store = TrustStore.fromBundle([other.rootCa.certPem, other.apCa.certPem, other.smpCa.certPem]);
    assert.deepEqual(fingerprints(store, 'ap'), [other.apCa.cert.fingerprint256]);
    assert.deepEqual(fingerprints(store, 'smp'), [other.smpCa.cert.fingerprint256]);
  });

  it('refuses a bundle holding a CA whose name says neither purpose, naming the CA and the fix', () => {
    const other = createTestPki({ caNames: { smp: 'Example Issuing CA' } });
    assert.throws(
      () => TrustStore.fromBundle([other.rootCa.certPem, other.apCa.certPem, other.smpCa.certPem]),
      configError(/"CN=Example Issuing CA, OU=FOR TEST ONLY, O=OpenPEPPOL AISBL, C=BE".*PEPPOL ACCESS POINT \[TEST \]CA.*remove it from the trust file/),
    );
  });

  it('keeps an unnamed self-signed CA as a root only, and refuses a bundle of roots only', () => {
    const store = TrustStore.fromBundle([bundle, pki.untrustedCa.certPem]);
    assert.equal(store.anchorsFor('ap').length + store.anchorsFor('smp').length, 2);
    assert.throws(() => TrustStore.fromBundle([pki.rootCa.certPem, pki.untrustedCa.certPem]), configError(/no access point or SMP CA.*PEPPOL Root TEST CA - G3.*UNTRUSTED TEST CA/));
  });

  it('refuses an SMP-CA certificate as an AP certificate, and an AP-CA certificate as an SMP certificate', async () => {
    const v = new PeppolCertificateValidator({ trustStore: TrustStore.fromBundle(bundle), revocation: { mode: 'off' } });
    await assert.rejects(v.validate(pki.issueAp('POP000051', { issuer: 'smp' }).cert, { purpose: 'ap' }), (e: ApError) => e.kind === 'pki.untrusted' && /issued by the SMP CA/.test(e.message));
    await assert.rejects(v.validate(pki.issueSmp('SMP ONE', { issuer: 'ap' }).cert, { purpose: 'smp' }), (e: ApError) => e.kind === 'pki.untrusted' && /issued by the access point CA/.test(e.message));
    assert.equal((await v.validate(pki.issueAp('POP000052').cert, { purpose: 'ap' })).seatId, 'POP000052');
    assert.equal((await v.validate(pki.issueSmp('SMP TWO').cert, { purpose: 'smp' })).revocation, 'not-checked');
  });
});

describe('pki: a leaf whose subject OU names the other purpose is refused', () => {
  // Explicit per-purpose anchors: the CA path is right, only the subject is wrong.
  const v = new PeppolCertificateValidator({
    trustStore: TrustStore.create({ roots: pki.trustedPems.roots, ap: pki.trustedPems.ap, smp: pki.trustedPems.smp }),
    revocation: { mode: 'off' },
  });
  const refused = (purpose: CertificatePurpose, ou: string) => (e: unknown) =>
    e instanceof ApError && e.kind === 'pki.bad-certificate' && e.message.includes(`(OU=${ou}), but an ${purpose === 'ap' ? 'access point' : 'SMP'} certificate is required`);

  for (const ou of ['PEPPOL TEST SMP', 'PEPPOL PRODUCTION SMP', 'peppol test smp']) {
    it(`refuses an AP-CA certificate with OU=${ou} as an access point certificate`, async () => {
      const cert = pki.issueAp('POP000053', { organizationalUnit: ou }).cert;
      await assert.rejects(v.validate(cert, { purpose: 'ap' }), refused('ap', ou));
    });
  }

  for (const ou of ['PEPPOL TEST AP', 'PEPPOL PRODUCTION AP']) {
    it(`refuses an SMP-CA certificate with OU=${ou} as an SMP certificate`, async () => {
      const cert = pki.issueSmp('SMP THREE', { organizationalUnit: ou }).cert;
      await assert.rejects(v.validate(cert, { purpose: 'smp' }), refused('smp', ou));
    });
  }

  it('accepts the OU of its own purpose and an OU naming neither', async () => {
    await v.validate(pki.issueAp('POP000054', { organizationalUnit: 'PEPPOL PRODUCTION AP' }).cert, { purpose: 'ap' });
    await v.validate(pki.issueAp('POP000055', { organizationalUnit: 'Operations' }).cert, { purpose: 'ap' });
    await v.validate(pki.issueSmp('SMP FOUR', { organizationalUnit: 'PEPPOL PRODUCTION SMP' }).cert, { purpose: 'smp' });
  });
});
