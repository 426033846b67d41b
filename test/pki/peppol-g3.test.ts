import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, PEPPOL_G3_DIR, shippedPeppolG3, trustOf } from '../../src/config/index.js';
import type { ApError } from '../../src/errors.js';
import { buildCertificateValidator } from '../../src/main.js';
import { createTestPki } from '../../src/testing/test-pki.js';
import { PEPPOL_G3_FINGERPRINTS, TrustStore, type PeppolEnvironment } from '../../src/pki/index.js';

const ENVIRONMENTS = Object.keys(PEPPOL_G3_FINGERPRINTS) as PeppolEnvironment[];

/** SHA-256 of the DER, in the `AA:BB:...` form of the reference's table. */
const fingerprint = (der: Buffer) => createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');

describe('the shipped Peppol G3 CA certificates', () => {
  it('are exactly root, AP CA and SMP CA of production and test', () => {
    assert.deepEqual(readdirSync(PEPPOL_G3_DIR).filter((n) => !n.endsWith('.md')).sort(), [...ENVIRONMENTS].sort());
    for (const env of ENVIRONMENTS) assert.deepEqual(readdirSync(join(PEPPOL_G3_DIR, env)).sort(), ['ap.pem', 'root.pem', 'smp.pem']);
  });

  for (const env of ENVIRONMENTS) {
    for (const [role, pinned] of Object.entries(PEPPOL_G3_FINGERPRINTS[env])) {
      it(`${env}/${role}.pem has the pinned SHA-256 fingerprint`, () => {
        const cert = new X509Certificate(readFileSync(join(PEPPOL_G3_DIR, env, `${role}.pem`)));
        assert.equal(fingerprint(cert.raw), pinned);
        assert.ok(cert.ca, 'a CA certificate');
        assert.match(cert.subject, env === 'test' ? /OU=FOR TEST ONLY/ : /^(?![\s\S]*TEST)/);
        assert.equal(new Date(cert.validTo).getUTCFullYear(), 2035);
      });
    }

    it(`the ${env} set makes the pinned trust store, the CAs chained to their root`, () => {
      const store = TrustStore.peppolG3(env, shippedPeppolG3(env).pem);
      for (const purpose of ['ap', 'smp'] as const) {
        const [anchor] = store.anchorsFor(purpose);
        assert.equal(anchor!.ca.fingerprint256, PEPPOL_G3_FINGERPRINTS[env][purpose]);
        assert.deepEqual(anchor!.above.map((c) => c.fingerprint256), [PEPPOL_G3_FINGERPRINTS[env].root]);
      }
    });
  }

  it('are what PEPPOL_ENVIRONMENT trusts when PEPPOL_TRUST_FILE is unset', async () => {
    const pki = loadConfig({ PEPPOL_ENVIRONMENT: 'test', PKI_REVOCATION: 'off' }).pki;
    assert.deepEqual(trustOf(pki)!.x509.map((c) => c.fingerprint256), Object.values(PEPPOL_G3_FINGERPRINTS.test));
    assert.equal(trustOf(loadConfig({}).pki), null);
    // A certificate from a CA that only bears the Peppol test CA's name is not trusted.
    const lookalike = createTestPki().issueAp('POP000001');
    await assert.rejects(buildCertificateValidator(pki).validate(lookalike.cert, { purpose: 'ap' }), (e: ApError) => e.kind === 'pki.untrusted');
  });
});
