import assert from 'node:assert/strict';
import { ApError } from '../../src/errors.js';
import { knownDocumentType } from '../../src/peppol/document-types.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { certificateUidMatches } from '../../src/peppol/smp-client.js';
import { signSmpResponse, verifySmpSignature } from '../../src/peppol/smp-signature.js';
import { readSignedServiceMetadata, signedServiceMetadataXml, type ServiceMetadata } from '../../src/peppol/smp-xml.js';
import { PeppolCertificateValidator, TrustStore } from '../../src/pki/index.js';
import { createTestPki } from '../../src/testing/test-pki.js';
import { parseDom } from '../../src/xml/safe.js';

describe('SMP documents and signature policy', () => {
  const pki = createTestPki();
  const smp = pki.issueSmp('SMP SIG TEST');
  const ap = pki.issueAp('PBE000003');
  const validator = new PeppolCertificateValidator({
    trustStore: TrustStore.create({ roots: pki.trustedPems.roots, ap: pki.trustedPems.ap, smp: pki.trustedPems.smp }),
    revocation: { mode: 'off' },
  });
  const invoice = knownDocumentType('invoice')!;
  const metadata: ServiceMetadata = {
    kind: 'information',
    information: {
      participant: parseParticipantId('0208:0123456749'),
      documentType: invoice.documentType,
      processes: [
        {
          process: invoice.process,
          endpoints: [
            {
              transportProfile: 'peppol-transport-as4-v2_0',
              address: 'https://ap.test.local/as4?a=1&b=2',
              requireBusinessLevelSignature: false,
              serviceActivationDate: new Date('2026-01-01T00:00:00Z'),
              serviceExpirationDate: new Date('2028-01-01T00:00:00Z'),
              certificate: ap.cert.raw,
              serviceDescription: 'Test <AP>',
              technicalContactUrl: 'mailto:x@test.local',
            },
          ],
        },
      ],
    },
  };
  const signed = signSmpResponse(signedServiceMetadataXml(metadata), { keyPem: smp.keyPem, certPem: smp.certPem });
  const verify = (xml: string) => verifySmpSignature(xml, parseDom(xml), validator);
  const refused = async (xml: string, pattern: RegExp) => {
    await assert.rejects(verify(xml), (e: unknown) => e instanceof ApError && e.kind === 'smp.bad-signature' && pattern.test(e.message));
  };

  it('writes and reads service metadata (dates, escaping, certificate) unchanged', () => {
    assert.deepEqual(readSignedServiceMetadata(parseDom(signed)), metadata);
  });

  it('verifies its own RSA-SHA256 signature with the SMP certificate', async () => {
    const r = await verify(signed);
    assert.equal(r.signatureAlgorithm, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    assert.equal(r.digestAlgorithm, 'http://www.w3.org/2001/04/xmlenc#sha256');
    assert.deepEqual(r.warnings, []);
    assert.match(r.signer.subject, /SMP SIG TEST/);
  });

  it('refuses two signatures, a signature elsewhere than the root, and a partial reference', async () => {
    const sig = /<ds:Signature[\s\S]*<\/ds:Signature>|<Signature[\s\S]*<\/Signature>/.exec(signed)![0];
    await refused(signed.replace(sig, sig + sig), /exactly one ds:Signature/);
    await refused(signed.replace(sig, '').replace('</smp:ServiceMetadata>', `${sig}</smp:ServiceMetadata>`), /child of the document root/);
    await refused(signed.replace('URI=""', 'URI="#x"'), /whole document/);
  });

  it('refuses an AP certificate where an SMP certificate must sign', async () => {
    const bySomeAp = signSmpResponse(signedServiceMetadataXml(metadata), { keyPem: ap.keyPem, certPem: ap.certPem });
    await assert.rejects(verify(bySomeAp), (e: unknown) => e instanceof ApError && e.kind === 'pki.untrusted');
  });

  it('compares a CertificateUID with the whole subject in any order, or with the CN', () => {
    const subject = 'C=BE\nO=Test Company\nOU=PEPPOL TEST SMP\nCN=SMP SIG TEST';
    assert.equal(certificateUidMatches('CN=SMP SIG TEST, OU=PEPPOL TEST SMP, O=Test Company, C=BE', subject), true);
    assert.equal(certificateUidMatches('smp sig test', subject), true);
    assert.equal(certificateUidMatches('CN=SMP SIG TEST', subject), false);
    assert.equal(certificateUidMatches('', subject), false);
  });
});
