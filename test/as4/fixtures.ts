/** Shared AS4 test material: a test PKI, two access point identities and a validator trusting the PKI. */
import { createPrivateKey } from 'node:crypto';
import { PeppolCertificateValidator, TrustStore } from '../../src/pki/index.js';
import { createTestPki, type IssuedCertificate, type IssueOptions, type TestPki } from '../../src/testing/test-pki.js';
import type { As4Identity } from '../../src/as4/index.js';
import type { UserMessageInput } from '../../src/as4/index.js';

export interface As4Fixture {
  pki: TestPki;
  sender: IssuedCertificate;
  receiver: IssuedCertificate;
  senderId: As4Identity;
  receiverId: As4Identity;
  validator: PeppolCertificateValidator;
  identity(issued: IssuedCertificate): As4Identity;
  issue(seat: string, opts?: IssueOptions): IssuedCertificate;
  /** Re-publishes the AP CA's CRL to the validator (after issuing revoked certificates). */
  refreshCrl(): void;
}

let cached: As4Fixture | undefined;

export function as4Fixture(): As4Fixture {
  if (cached) return cached;
  // CRLs are handed to the validator directly; the URL is never fetched.
  const pki = createTestPki({ crlBaseUrl: 'http://127.0.0.1:9/crl/' });
  const sender = pki.issueAp('POP000001');
  const receiver = pki.issueAp('POP000002');
  const validator = new PeppolCertificateValidator({
    trustStore: TrustStore.create({ roots: pki.trustedPems.roots, ap: pki.trustedPems.ap }),
    revocation: { mode: 'crl', softFail: false },
  });
  const identity = (issued: IssuedCertificate): As4Identity => ({ privateKey: createPrivateKey(issued.keyPem), certificate: issued.cert });
  const refreshCrl = () => validator.addCrl(pki.crlUrl('ap')!, pki.crl({ ca: 'ap' }));
  refreshCrl();
  cached = {
    pki,
    sender,
    receiver,
    senderId: identity(sender),
    receiverId: identity(receiver),
    validator,
    identity,
    issue: (seat, opts) => pki.issueAp(seat, opts),
    refreshCrl,
  };
  return cached;
}

export const SAMPLE_SBDH = `<?xml version="1.0" encoding="UTF-8"?>
<StandardBusinessDocument xmlns="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader">
  <StandardBusinessDocumentHeader>
    <HeaderVersion>1.0</HeaderVersion>
    <Sender><Identifier Authority="iso6523-actorid-upis">0208:0123456749</Identifier></Sender>
    <Receiver><Identifier Authority="iso6523-actorid-upis">0208:0987654321</Identifier></Receiver>
    <DocumentIdentification>
      <Standard>urn:oasis:names:specification:ubl:schema:xsd:Invoice-2</Standard>
      <TypeVersion>2.1</TypeVersion>
      <InstanceIdentifier>b6a3c1e4-3f57-4a55-9d2a-1c0f0b0a0001</InstanceIdentifier>
      <Type>Invoice</Type>
      <CreationDateAndTime>2026-01-15T10:00:00Z</CreationDateAndTime>
    </DocumentIdentification>
    <BusinessScope>
      <Scope><Type>DOCUMENTID</Type><InstanceIdentifier>urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1</InstanceIdentifier><Identifier>busdox-docid-qns</Identifier></Scope>
      <Scope><Type>PROCESSID</Type><InstanceIdentifier>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</InstanceIdentifier><Identifier>cenbii-procid-ubl</Identifier></Scope>
    </BusinessScope>
  </StandardBusinessDocumentHeader>
  <Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>INV-1 &amp; co</ID></Invoice>
</StandardBusinessDocument>
`;

export function sampleHeader(overrides: Partial<UserMessageInput> = {}): UserMessageInput {
  return {
    fromPartyId: 'POP000001',
    toPartyId: 'POP000002',
    processId: 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0',
    documentTypeId:
      'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1',
    originalSender: '0208:0123456749',
    finalRecipient: '0208:0987654321',
    ...overrides,
  };
}
