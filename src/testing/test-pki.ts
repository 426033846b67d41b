/**
 * Test PKI generator: a throw-away Peppol-like hierarchy (root, AP CA and SMP CA named like the Peppol test
 * CAs, an unrelated CA) and leaf certificates in every state the validator must tell apart (valid, expired,
 * not yet valid, revoked, wrongly issued), plus CRLs signed by the issuing CAs.
 *
 * Used by tests, benchmarks and the end-to-end setup only; nothing on a production path imports it.
 * RSA keys come from node:crypto (much faster than node-forge's pure JS generation) and are cached per
 * process (4 CA keys and 8 leaf keys per key set), so creating a fresh PKI in every test file costs only
 * certificate signing. Certificates, serial numbers and CRLs are new for every PKI.
 */
import { generateKeyPairSync, sign as cryptoSign, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

const { pki, asn1 } = forge;

export type TestCaName = 'root' | 'ap' | 'smp' | 'untrusted';

export interface TestCa {
  name: TestCaName;
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
  cert: X509Certificate;
  forgeCert: forge.pki.Certificate;
  forgeKey: forge.pki.rsa.PrivateKey;
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
  forgeCert: forge.pki.Certificate;
  forgeKey: forge.pki.rsa.PrivateKey;
}

export interface IssueOptions {
  notBefore?: Date;
  notAfter?: Date;
  /** Listed in the issuing CA's CRL. */
  revoked?: boolean;
  /** Issuing CA; default 'ap' for issueAp and 'smp' for issueSmp. */
  issuer?: 'ap' | 'smp' | 'untrusted';
  /** Replaces the default key usage (e.g. to test a certificate without keyEncipherment). */
  keyUsage?: { digitalSignature?: boolean; keyEncipherment?: boolean; dataEncipherment?: boolean; keyCertSign?: boolean };
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
  forgeKey: forge.pki.rsa.PrivateKey;
  forgePublic: forge.pki.rsa.PublicKey;
}

const keyCache = new Map<number, KeyMaterial[]>();

function newKey(bits = 2048): KeyMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return {
    privatePem: privateKey,
    publicPem: publicKey,
    forgeKey: pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    forgePublic: pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
  };
}

/** The i-th cached key of a key set (generated on first use). */
function cachedKey(set: number, i: number): KeyMaterial {
  let keys = keyCache.get(set);
  if (!keys) keyCache.set(set, (keys = []));
  while (keys.length <= i) keys.push(newKey());
  return keys[i]!;
}

// --- certificates -------------------------------------------------------------------------------------

const TEST_DN = [
  { shortName: 'OU', value: 'FOR TEST ONLY' },
  { shortName: 'O', value: 'OpenPEPPOL AISBL' },
  { shortName: 'C', value: 'BE' },
];

const CA_SUBJECTS: Record<TestCaName, forge.pki.CertificateField[]> = {
  root: [{ shortName: 'CN', value: 'PEPPOL Root TEST CA - G3' }, ...TEST_DN],
  ap: [{ shortName: 'CN', value: 'PEPPOL ACCESS POINT TEST CA - G3' }, ...TEST_DN],
  smp: [{ shortName: 'CN', value: 'PEPPOL SERVICE METADATA PUBLISHER TEST CA - G3' }, ...TEST_DN],
  untrusted: [
    { shortName: 'CN', value: 'UNTRUSTED TEST CA' },
    { shortName: 'O', value: 'Not OpenPEPPOL' },
    { shortName: 'C', value: 'BE' },
  ],
};

function randomSerial(): string {
  // Leading 0x01 keeps the INTEGER positive and the length fixed.
  return '01' + randomBytes(15).toString('hex');
}

interface CertSpec {
  subject: forge.pki.CertificateField[];
  key: KeyMaterial;
  issuerCert?: forge.pki.Certificate; // undefined = self-signed
  issuerKey?: forge.pki.rsa.PrivateKey;
  notBefore: Date;
  notAfter: Date;
  extensions: object[];
  hash?: 'sha256' | 'sha1';
}

function makeCert(spec: CertSpec): forge.pki.Certificate {
  const cert = pki.createCertificate();
  cert.publicKey = spec.key.forgePublic;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject(spec.subject);
  cert.setIssuer(spec.issuerCert ? spec.issuerCert.subject.attributes : spec.subject);
  const ext: object[] = [...spec.extensions, { name: 'subjectKeyIdentifier' }];
  if (spec.issuerCert) {
    ext.push({ name: 'authorityKeyIdentifier', keyIdentifier: spec.issuerCert.generateSubjectKeyIdentifier().getBytes() });
  }
  cert.setExtensions(ext);
  cert.sign(spec.issuerKey ?? spec.key.forgeKey, (spec.hash === 'sha1' ? forge.md.sha1 : forge.md.sha256).create());
  return cert;
}

function makeCa(name: TestCaName, cn: string | undefined, key: KeyMaterial, parent: TestCa | undefined, crlUrl: string | undefined): TestCa {
  const now = Date.now();
  const extensions: object[] = [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
  ];
  if (parent && crlUrl) extensions.push({ name: 'cRLDistributionPoints', altNames: [{ type: 6, value: crlUrl }] });
  const forgeCert = makeCert({
    subject: cn === undefined ? CA_SUBJECTS[name] : [{ shortName: 'CN', value: cn }, ...CA_SUBJECTS[name].slice(1)],
    key,
    issuerCert: parent?.forgeCert,
    issuerKey: parent?.forgeKey,
    notBefore: new Date(now - 365 * DAY),
    notAfter: new Date(now + 10 * 365 * DAY),
    extensions,
  });
  const certPem = pki.certificateToPem(forgeCert);
  return { name, certPem, keyPem: key.privatePem, cert: new X509Certificate(certPem), forgeCert, forgeKey: key.forgeKey };
}

// --- CRL ------------------------------------------------------------------------------------------------

function derTime(d: Date): forge.asn1.Asn1 {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return d.getUTCFullYear() < 2050
    ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(d))
    : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
}

function derInteger(hex: string): forge.asn1.Asn1 {
  let h = hex.length % 2 ? '0' + hex : hex;
  if (parseInt(h.slice(0, 2), 16) & 0x80) h = '00' + h;
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(h));
}

const SHA256_RSA = () =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(pki.oids['sha256WithRSAEncryption']!).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
  ]);

/** Builds an X.509 v2 CRL (RFC 5280 §5) with a CRL number; node-forge cannot create CRLs itself. */
function buildCrl(ca: TestCa, serials: { serial: string; date: Date }[], thisUpdate: Date, nextUpdate: Date, number: number): Buffer {
  const { UNIVERSAL } = asn1.Class;
  const T = asn1.Type;
  const revoked = serials.map((s) => asn1.create(UNIVERSAL, T.SEQUENCE, true, [derInteger(s.serial), derTime(s.date)]));
  const crlNumberExt = asn1.create(UNIVERSAL, T.SEQUENCE, true, [
    asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer('2.5.29.20').getBytes()),
    asn1.create(UNIVERSAL, T.OCTETSTRING, false, asn1.toDer(derInteger(number.toString(16))).getBytes()),
  ]);
  const tbs = asn1.create(UNIVERSAL, T.SEQUENCE, true, [
    asn1.create(UNIVERSAL, T.INTEGER, false, String.fromCharCode(1)), // v2
    SHA256_RSA(),
    pki.distinguishedNameToAsn1(ca.forgeCert.subject),
    derTime(thisUpdate),
    derTime(nextUpdate),
    ...(revoked.length ? [asn1.create(UNIVERSAL, T.SEQUENCE, true, revoked)] : []),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(UNIVERSAL, T.SEQUENCE, true, [crlNumberExt])]),
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = cryptoSign('sha256', tbsDer, ca.keyPem);
  const list = asn1.create(UNIVERSAL, T.SEQUENCE, true, [
    tbs,
    SHA256_RSA(),
    asn1.create(UNIVERSAL, T.BITSTRING, false, String.fromCharCode(0) + signature.toString('binary')),
  ]);
  return Buffer.from(asn1.toDer(list).getBytes(), 'binary');
}

// --- the PKI --------------------------------------------------------------------------------------------

const CA_KEY_INDEX: Record<TestCaName, number> = { root: 0, ap: 1, smp: 2, untrusted: 3 };
const FIRST_LEAF_KEY = 4;
/** Leaves cycle through this many keys: consecutive leaves (up to this many) have distinct keys. */
const LEAF_KEYS = 8;

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
    const extensions: object[] = [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', critical: true, ...ku },
    ];
    const eku = o.extKeyUsage ?? [pki.oids['clientAuth']!];
    if (eku.length) {
      // forge looks keys up in its OID table, where a known OID maps to its name: pass names where known.
      const keys = eku.map((oid) => pki.oids[oid] ?? oid);
      extensions.push({ name: 'extKeyUsage', critical: true, ...Object.fromEntries(keys.map((k) => [k, true])) });
    }
    const dp = crlUrl(issuerName);
    if (dp && !o.noCrlDistributionPoint) extensions.push({ name: 'cRLDistributionPoints', altNames: [{ type: 6, value: dp }] });
    const forgeCert = makeCert({
      subject: [
        { shortName: 'CN', value: cn },
        { shortName: 'OU', value: o.organizationalUnit ?? ou },
        { shortName: 'O', value: o.organization ?? 'Test Company' },
        { shortName: 'C', value: 'BE' },
      ],
      key: leafKey,
      issuerCert: ca.forgeCert,
      issuerKey: ca.forgeKey,
      notBefore: o.notBefore ?? new Date(now - DAY),
      notAfter: o.notAfter ?? new Date(now + 2 * 365 * DAY),
      extensions,
      ...(o.signatureHash ? { hash: o.signatureHash } : {}),
    });
    if (o.revoked) revokedBy[issuerName].push({ serial: forgeCert.serialNumber, date: new Date(now - 60_000) });
    const certPem = pki.certificateToPem(forgeCert);
    const cert = new X509Certificate(certPem);
    const chainPem = issuerName === 'untrusted' ? [ca.certPem] : [ca.certPem, rootCa.certPem];
    return {
      certPem,
      keyPem: leafKey.privatePem,
      publicKeyPem: leafKey.publicPem,
      cert,
      chainPem,
      serialNumber: cert.serialNumber,
      issuer: issuerName,
      forgeCert,
      forgeKey: leafKey.forgeKey,
    };
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
  const certs = [issued.forgeCert, ...('chainPem' in issued ? issued.chainPem : chain).map((p) => pki.certificateFromPem(p))];
  const p12 = forge.pkcs12.toPkcs12Asn1(issued.forgeKey, certs, password, { algorithm: '3des', friendlyName: alias });
  return Buffer.from(asn1.toDer(p12).getBytes(), 'binary');
}
