/**
 * A local test PKI for an access point that has no Peppol certificate yet (the sandbox): a root, an access
 * point CA under it and one AP certificate for us, as PEM. Shaped like Peppol G3 so that the validator
 * and AS4 treat it as they treat the real one (peppol-reference §5): the AP CA's name says its purpose
 * (purpose.ts), the leaf is RSA-2048 with the critical key usages and clientAuth, CN = a seat id,
 * OU=PEPPOL TEST AP. Its names say "sandbox", and it is trusted only where its own trust bundle is.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { OID } from './certificate.js';
import { issueCertificate, type DistinguishedName } from './issue.js';

export interface LocalPki {
  /** PKCS#8 PEM of our AP key. */
  apKeyPem: string;
  /** Our AP certificate, then the AP CA and the root (the chain a peer may need). */
  apCertPem: string;
  /** The root and the AP CA: the trust bundle (PEPPOL_TRUST_FILE form) of this PKI. */
  trustPem: string;
}

export interface LocalPkiOptions {
  /** CN of our AP certificate: a seat id (P, two letters, six digits). */
  seatId: string;
  /** The O of every subject, naming who made this PKI. */
  organization: string;
  now?: Date;
}

const DAY = 86_400_000;

// The subject of the sandbox CAs: the AP CA bears the Peppol AP test CA's name without a generation (the
// name a trust bundle tells its purpose by), and O and OU say that it is nobody's but this machine's.
const caSubject = (cn: string, o: string): DistinguishedName => [
  ['CN', cn],
  ['OU', 'FOR TEST ONLY - LOCAL SANDBOX'],
  ['O', o],
  ['C', 'BE'],
];

// 2048-bit keys throughout: generated at first start in a few hundred milliseconds, and trusted nowhere
// else, so the G3 CAs' 4096 bits would buy nothing.
const rsaKey = (): { privateKey: KeyObject; publicKey: KeyObject } => generateKeyPairSync('rsa', { modulusLength: 2048 });

export function createLocalPki(opts: LocalPkiOptions): LocalPki {
  const now = opts.now?.getTime() ?? Date.now();
  const rootKey = rsaKey();
  const caKey = rsaKey();
  const apKey = rsaKey();
  const rootSubject = caSubject('Sandbox Root TEST CA', opts.organization);
  const caSubjectName = caSubject('PEPPOL ACCESS POINT TEST CA', opts.organization);
  const caValidity = { notBefore: new Date(now - DAY), notAfter: new Date(now + 10 * 365 * DAY) };
  const root = issueCertificate({
    subject: rootSubject,
    publicKey: rootKey.publicKey,
    signingKey: rootKey.privateKey,
    ...caValidity,
    ca: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
  });
  const apCa = issueCertificate({
    subject: caSubjectName,
    publicKey: caKey.publicKey,
    issuer: { subject: rootSubject, certificate: root.cert },
    signingKey: rootKey.privateKey,
    ...caValidity,
    ca: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
  });
  // Peppol AP certificates run about two years (§5); no CRL distribution point: there is no CRL to fetch.
  const ap = issueCertificate({
    subject: [
      ['CN', opts.seatId],
      ['OU', 'PEPPOL TEST AP'],
      ['O', opts.organization],
      ['C', 'BE'],
    ],
    publicKey: apKey.publicKey,
    issuer: { subject: caSubjectName, certificate: apCa.cert },
    signingKey: caKey.privateKey,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 2 * 365 * DAY),
    keyUsage: ['digitalSignature', 'keyEncipherment', 'dataEncipherment'],
    extKeyUsage: [OID.clientAuth],
  });
  return {
    apKeyPem: apKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    apCertPem: ap.certPem + apCa.certPem + root.certPem,
    trustPem: root.certPem + apCa.certPem,
  };
}
