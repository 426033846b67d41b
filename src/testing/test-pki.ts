/**
 * Test PKI generator: a throw-away Peppol-like hierarchy (root, AP CA and SMP CA named like the Peppol test
 * CAs, an unrelated CA) and leaf certificates in every state the validator must tell apart (valid, expired,
 * not yet valid, revoked, wrongly issued), plus CRLs signed by the issuing CAs.
 *
 * Used by tests, benchmarks and the end-to-end setup only; nothing on a production path imports it.
 * Certificates are issued by src/pki/issue.ts, as the sandbox's are; node-forge only writes PKCS#12.
 * RSA keys are cached per process (4 CA keys and 8 leaf keys per key set), so creating a fresh PKI in
 * every test file costs only certificate signing. Certificates, serial numbers and CRLs are new for every PKI.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import type { KeyUsage } from '../pki/certificate.js';
import { encodeInteger, encodeOctetString, encodeOid, encodeSequence, encodeTime, ctx, tlv } from '../pki/der.js';
import { encodeName, issueCertificate, signatureAlgorithm, signed, type DistinguishedName } from '../pki/issue.js';

const { pki, asn1 } = forge;

export type TestCaName = 'root' | 'ap' | 'smp' | 'untrusted';

export interface TestCa {
  name: TestCaName;
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
  cert: X509Certificate;
  subject: DistinguishedName;
  privateKey: KeyObject;
}

export interface IssuedCertificate {
  certPem: string;
  /** PKCS#8 PEM of the leaf's private key. */
  keyPem: string;
  publicKeyPem: string;
  cert: X509Certificate;
  /** Issuing CA first, then its root (PEM), as a sender would present them. */
  chainPem: string[];
  /** Upper-case hex, as node's X509Certificate prints it. */
  serialNumber: string;
  issuer: TestCaName;
}

export interface IssueOptions {
  notBefore?: Date;
  notAfter?: Date;
  /** Listed in the issuing CA's CRL. */
  revoked?: boolean;
  /** Issuing CA; default 'ap' for issueAp and 'smp' for issueSmp. */
  issuer?: 'ap' | 'smp' | 'untrusted';
  /** Replaces the default key usage (e.g. to test a certificate without keyEncipherment). */
  keyUsage?: { digitalSignature?: boolean; keyEncipherment?: boolean; dataEncipherment?: boolean; keyAgreement?: boolean; keyCertSign?: boolean };
  /** Replaces the default extended key usage OIDs (default: clientAuth). Empty array omits the extension. */
  extKeyUsage?: string[];
  /** Omit the CRL distribution point extension. */
  noCrlDistributionPoint?: boolean;
  /** OU in the subject; default 'PEPPOL TEST AP' for issueAp and 'PEPPOL TEST SMP' for issueSmp. */
  organizationalUnit?: string;
  /** Organisation in the subject; default 'Test Company'. */
  organization?: string;
  /** Signature hash of the issuing CA (default sha256); 'sha1' makes a weakly signed certificate. */
  signatureHash?: 'sha256' | 'sha1';
  /** RSA key size of a leaf with its own fresh key (default: a cached 2048-bit key). */
  keyBits?: number;
}

export interface CrlOptions {
  /** CA that signs the CRL; default 'ap'. */
  ca?: TestCaName;
  thisUpdate?: Date;
  /** Default: thisUpdate + 7 days. */
  nextUpdate?: Date;
  /** Extra serial numbers (hex) to list besides certificates issued with `revoked: true`. */
  extraSerials?: string[];
}

export interface TestPkiOptions {
  /**
   * Base URL for CRL distribution points, e.g. `http://127.0.0.1:8123/crl/`. Certificates issued by CA x
   * then point at `<base><x>.crl`. Without it, certificates carry no CRL distribution point.
   */
  crlBaseUrl?: string;
  /**
   * Which process-wide cached key set to use (default 0). PKIs with the same key set share keys; use
   * another number for a second, independent hierarchy (e.g. a forged CA with the same names).
   */
  keySet?: number;
  /**
   * Replaces the CN of the AP or SMP CA (default: the Peppol test CA names, by which a trust bundle tells
   * the two apart), e.g. for an older generation or a CA whose name says neither purpose.
   */
  caNames?: Partial<Record<'ap' | 'smp', string>>;
}

export interface TestPki {
  rootCa: TestCa;
  apCa: TestCa;
  smpCa: TestCa;
  untrustedCa: TestCa;
  /** PEM of root, AP CA and SMP CA: the anchors a validator for this PKI is configured with. */
  trustedPems: { roots: string[]; ap: string[]; smp: string[] };
  /** CRL distribution point URL for a CA's certificates, or undefined without crlBaseUrl. */
  crlUrl(ca: TestCaName): string | undefined;
  /** AP certificate with CN = seat id (e.g. POP000001) and OU=PEPPOL TEST AP. */
  issueAp(seatId: string, opts?: IssueOptions): IssuedCertificate;
  /** SMP signing certificate with CN = name and OU=PEPPOL TEST SMP. */
  issueSmp(name: string, opts?: IssueOptions): IssuedCertificate;
  /** DER CRL signed by the given CA listing every certificate it issued with `revoked: true`. */
  crl(opts?: CrlOptions): Buffer;
}

const DAY = 86_400_000;

// --- keys ---------------------------------------------------------------------------------------------

interface KeyMaterial {
  privatePem: string;
  publicPem: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const keyCache = new Map<number, KeyMaterial[]>();

function newKey(bits = 2048): KeyMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey, privateKey: createPrivateKey(privateKey), publicKey: createPublicKey(publicKey) };
}

/** The i-th cached key of a key set (generated on first use). */
function cachedKey(set: number, i: number): KeyMaterial {
  let keys = keyCache.get(set);
  if (!keys) keyCache.set(set, (keys = []));
  while (keys.length <= i) keys.push(newKey());
  return keys[i]!;
}

// --- certificates -------------------------------------------------------------------------------------

const TEST_DN: DistinguishedName = [
  ['OU', 'FOR TEST ONLY'],
  ['O', 'OpenPEPPOL AISBL'],
  ['C', 'BE'],
];

const CA_SUBJECTS: Record<TestCaName, DistinguishedName> = {
  root: [['CN', 'PEPPOL Root TEST CA - G3'], ...TEST_DN],
  ap: [['CN', 'PEPPOL ACCESS POINT TEST CA - G3'], ...TEST_DN],
  smp: [['CN', 'PEPPOL SERVICE METADATA PUBLISHER TEST CA - G3'], ...TEST_DN],
  untrusted: [
    ['CN', 'UNTRUSTED TEST CA'],
    ['O', 'Not OpenPEPPOL'],
    ['C', 'BE'],
  ],
};

const CA_KEY_USAGE: KeyUsage[] = ['digitalSignature', 'keyCertSign', 'cRLSign'];

function makeCa(name: TestCaName, cn: string | undefined, key: KeyMaterial, parent: TestCa | undefined, crlUrl: string | undefined): TestCa {
  const now = Date.now();
  const subject: DistinguishedName = cn === undefined ? CA_SUBJECTS[name] : [['CN', cn], ...CA_SUBJECTS[name].slice(1)];
  const { certPem, cert } = issueCertificate({
    subject,
    publicKey: key.publicKey,
    ...(parent ? { issuer: { subject: parent.subject, certificate: parent.cert } } : {}),
    signingKey: parent?.privateKey ?? key.privateKey,
    notBefore: new Date(now - 365 * DAY),
    notAfter: new Date(now + 10 * 365 * DAY),
    ca: true,
    keyUsage: CA_KEY_USAGE,
    ...(parent && crlUrl ? { crlDistributionPoint: crlUrl } : {}),
  });
  return { name, certPem, keyPem: key.privatePem, cert, subject, privateKey: key.privateKey };
}

// --- CRL ------------------------------------------------------------------------------------------------

const CRL_NUMBER_OID = '2.5.29.20';

/** Builds an X.509 v2 CRL (RFC 5280 §5) with a CRL number. */
function buildCrl(ca: TestCa, serials: { serial: string; date: Date }[], thisUpdate: Date, nextUpdate: Date, number: number): Buffer {
  const revoked = serials.map((s) => encodeSequence(encodeInteger(s.serial), encodeTime(s.date)));
  const crlNumber = encodeSequence(encodeOid(CRL_NUMBER_OID), encodeOctetString(encodeInteger(number)));
  const tbs = encodeSequence(
    encodeInteger(1), // v2
    signatureAlgorithm(),
    encodeName(ca.subject),
    encodeTime(thisUpdate),
    encodeTime(nextUpdate),
    ...(revoked.length ? [encodeSequence(...revoked)] : []),
    tlv(ctx(0, true), encodeSequence(crlNumber)),
  );
  return signed(tbs, ca.privateKey);
}

// --- the PKI --------------------------------------------------------------------------------------------

const CA_KEY_INDEX: Record<TestCaName, number> = { root: 0, ap: 1, smp: 2, untrusted: 3 };
const FIRST_LEAF_KEY = 4;
/** Leaves cycle through this many keys: consecutive leaves (up to this many) have distinct keys. */
const LEAF_KEYS = 8;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export function createTestPki(opts: TestPkiOptions = {}): TestPki {
  const base = opts.crlBaseUrl;
  const crlUrl = (ca: TestCaName) => (base ? `${base.endsWith('/') ? base : base + '/'}${ca}.crl` : undefined);
  let leafCount = 0;
  const key = (i: number) => cachedKey(opts.keySet ?? 0, i);

  const rootCa = makeCa('root', undefined, key(CA_KEY_INDEX.root), undefined, undefined);
  const apCa = makeCa('ap', opts.caNames?.ap, key(CA_KEY_INDEX.ap), rootCa, crlUrl('root'));
  const smpCa = makeCa('smp', opts.caNames?.smp, key(CA_KEY_INDEX.smp), rootCa, crlUrl('root'));
  const untrustedCa = makeCa('untrusted', undefined, key(CA_KEY_INDEX.untrusted), undefined, undefined);
  const cas: Record<TestCaName, TestCa> = { root: rootCa, ap: apCa, smp: smpCa, untrusted: untrustedCa };
  const revokedBy: Record<TestCaName, { serial: string; date: Date }[]> = { root: [], ap: [], smp: [], untrusted: [] };
  let crlNumber = 0;

  function issue(cn: string, ou: string, defaultIssuer: 'ap' | 'smp', o: IssueOptions): IssuedCertificate {
    const issuerName = o.issuer ?? defaultIssuer;
    const ca = cas[issuerName];
    const leafKey = o.keyBits ? newKey(o.keyBits) : key(FIRST_LEAF_KEY + (leafCount++ % LEAF_KEYS));
    const now = Date.now();
    const ku = o.keyUsage ?? { digitalSignature: true, keyEncipherment: true, dataEncipherment: true };
    const dp = crlUrl(issuerName);
    const { certPem, cert } = issueCertificate({
      subject: [
        ['CN', cn],
        ['OU', o.organizationalUnit ?? ou],
        ['O', o.organization ?? 'Test Company'],
        ['C', 'BE'],
      ],
      publicKey: leafKey.publicKey,
      issuer: { subject: ca.subject, certificate: ca.cert },
      signingKey: ca.privateKey,
      notBefore: o.notBefore ?? new Date(now - DAY),
      notAfter: o.notAfter ?? new Date(now + 2 * 365 * DAY),
      keyUsage: (Object.keys(ku) as KeyUsage[]).filter((k) => ku[k as keyof typeof ku]),
      extKeyUsage: o.extKeyUsage ?? [CLIENT_AUTH],
      ...(dp && !o.noCrlDistributionPoint ? { crlDistributionPoint: dp } : {}),
      ...(o.signatureHash ? { hash: o.signatureHash } : {}),
    });
    if (o.revoked) revokedBy[issuerName].push({ serial: cert.serialNumber, date: new Date(now - 60_000) });
    const chainPem = issuerName === 'untrusted' ? [ca.certPem] : [ca.certPem, rootCa.certPem];
    return { certPem, keyPem: leafKey.privatePem, publicKeyPem: leafKey.publicPem, cert, chainPem, serialNumber: cert.serialNumber, issuer: issuerName };
  }

  return {
    rootCa,
    apCa,
    smpCa,
    untrustedCa,
    trustedPems: { roots: [rootCa.certPem], ap: [apCa.certPem], smp: [smpCa.certPem] },
    crlUrl,
    issueAp: (seatId, o = {}) => issue(seatId, 'PEPPOL TEST AP', 'ap', o),
    issueSmp: (name, o = {}) => issue(name, 'PEPPOL TEST SMP', 'smp', o),
    crl(o = {}) {
      const caName = o.ca ?? 'ap';
      const thisUpdate = o.thisUpdate ?? new Date(Date.now() - 60_000);
      const nextUpdate = o.nextUpdate ?? new Date(thisUpdate.getTime() + 7 * DAY);
      const extra = (o.extraSerials ?? []).map((serial) => ({ serial, date: thisUpdate }));
      return buildCrl(cas[caName], [...revokedBy[caName], ...extra], thisUpdate, nextUpdate, ++crlNumber);
    },
  };
}

/**
 * PKCS#12 (DER) holding the leaf key and certificate chain, 3DES-protected so Java keystores (as4peer)
 * read it. `alias` becomes the friendly name (Java's key alias).
 */
export function toP12(issued: IssuedCertificate | TestCa, password: string, alias = 'key', chain: string[] = []): Buffer {
  const certs = [issued.certPem, ...('chainPem' in issued ? issued.chainPem : chain)].map((p) => pki.certificateFromPem(p));
  const p12 = forge.pkcs12.toPkcs12Asn1(pki.privateKeyFromPem(issued.keyPem), certs, password, { algorithm: '3des', friendlyName: alias });
  return Buffer.from(asn1.toDer(p12).getBytes(), 'binary');
}
