/**
 * Certificate parsing and the facts node:crypto's X509Certificate does not expose: raw subject/issuer
 * names (to match CRL issuers byte for byte), key usage bits, extension criticality and CRL distribution
 * points.
 */
import { X509Certificate } from 'node:crypto';
import { ApError } from '../errors.js';
import { children, content, ctx, DerError, expect, readOid, readTlv, TAG, whole, type Tlv } from './der.js';

export type CertificateInput = X509Certificate | Buffer | string;

export const OID = {
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  crlDistributionPoints: '2.5.29.31',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsage = (typeof KEY_USAGE_BITS)[number];

export interface CertificateDetails {
  /** DER of the subject Name, for byte-exact comparison with a CRL's issuer. */
  subjectDer: Buffer;
  /** OID of the issuer's signature algorithm. */
  signatureAlgorithm: string;
  /** Key usage bits set, or null when the extension is absent. */
  keyUsage: Set<KeyUsage> | null;
  keyUsageCritical: boolean;
  /** Extended key usage OIDs, or null when the extension is absent. */
  extKeyUsage: string[] | null;
  /** URIs of the CRL distribution points (fullName form). */
  crlUrls: string[];
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads one certificate from PEM, DER, or bare base64 DER (the BinarySecurityToken form).
 * Throws pki.bad-certificate when it cannot be parsed.
 */
export function toX509(input: CertificateInput): X509Certificate {
  if (input instanceof X509Certificate) return input;
  try {
    if (Buffer.isBuffer(input)) {
      return new X509Certificate(input[0] === 0x30 ? input : input.toString('latin1'));
    }
    const text = input.trim();
    if (text.startsWith('-----BEGIN')) return new X509Certificate(text);
    return new X509Certificate(Buffer.from(text.replace(/\s+/g, ''), 'base64'));
  } catch (err) {
    throw new ApError('pki.bad-certificate', `the certificate cannot be parsed: ${(err as Error).message}`, undefined, {
      cause: err,
    });
  }
}

/** All certificates in a PEM bundle (or the single certificate of a DER buffer). */
export function readCertificates(input: CertificateInput | CertificateInput[]): X509Certificate[] {
  if (Array.isArray(input)) return input.flatMap((i) => readCertificates(i));
  if (input instanceof X509Certificate) return [input];
  const text = Buffer.isBuffer(input) ? (input[0] === 0x30 ? null : input.toString('latin1')) : input;
  if (text === null || !text.includes('-----BEGIN CERTIFICATE-----')) return [toX509(input)];
  return (text.match(PEM_CERT) ?? []).map((pem) => toX509(pem));
}

const detailsCache = new WeakMap<X509Certificate, CertificateDetails>();

/** Extension details of a certificate (memoised per X509Certificate object). */
export function certificateDetails(cert: X509Certificate): CertificateDetails {
  let d = detailsCache.get(cert);
  if (!d) {
    try {
      d = parseDetails(cert.raw);
    } catch (err) {
      const reason = err instanceof DerError ? err.message : String(err);
      throw new ApError('pki.bad-certificate', `certificate "${cert.subject.replace(/\n/g, ', ')}" is malformed: ${reason}`);
    }
    detailsCache.set(cert, d);
  }
  return d;
}

function parseDetails(der: Buffer): CertificateDetails {
  const certificate = expect(readTlv(der, 0), TAG.SEQUENCE, 'Certificate');
  const [tbsTlv, algTlv] = children(der, certificate);
  const tbs = expect(tbsTlv, TAG.SEQUENCE, 'TBSCertificate');
  const alg = expect(children(der, expect(algTlv, TAG.SEQUENCE, 'signatureAlgorithm'))[0], TAG.OID, 'signature algorithm OID');
  const fields = children(der, tbs);
  let i = fields[0]?.tag === ctx(0, true) ? 1 : 0; // optional version
  i += 3; // serialNumber, signature, issuer
  i += 1; // validity
  const subject = expect(fields[i], TAG.SEQUENCE, 'subject Name');
  const details: CertificateDetails = {
    subjectDer: Buffer.from(whole(der, subject)),
    signatureAlgorithm: readOid(der, alg),
    keyUsage: null,
    keyUsageCritical: false,
    extKeyUsage: null,
    crlUrls: [],
  };
  const extWrapper = fields.find((f) => f.tag === ctx(3, true));
  if (!extWrapper) return details;
  const extensions = expect(children(der, extWrapper)[0], TAG.SEQUENCE, 'Extensions');
  for (const ext of children(der, extensions)) {
    const parts = children(der, ext);
    const oid = readOid(der, expect(parts[0], TAG.OID, 'extension OID'));
    const critical = parts[1]?.tag === TAG.BOOLEAN && content(der, parts[1])[0] !== 0;
    const valueTlv = expect(parts[parts.length - 1], TAG.OCTET_STRING, 'extension value');
    const value = Buffer.from(content(der, valueTlv));
    if (oid === OID.keyUsage) {
      details.keyUsage = parseKeyUsage(value);
      details.keyUsageCritical = critical;
    } else if (oid === OID.extKeyUsage) {
      const seq = expect(readTlv(value, 0), TAG.SEQUENCE, 'ExtKeyUsageSyntax');
      details.extKeyUsage = children(value, seq).map((t) => readOid(value, expect(t, TAG.OID, 'KeyPurposeId')));
    } else if (oid === OID.crlDistributionPoints) {
      details.crlUrls = parseCrlDistributionPoints(value);
    }
  }
  return details;
}

function parseKeyUsage(value: Buffer): Set<KeyUsage> {
  const bits = expect(readTlv(value, 0), TAG.BIT_STRING, 'KeyUsage BIT STRING');
  const bytes = content(value, bits).subarray(1); // first octet: unused bit count
  const set = new Set<KeyUsage>();
  KEY_USAGE_BITS.forEach((name, n) => {
    const byte = bytes[n >> 3];
    if (byte !== undefined && byte & (0x80 >> (n & 7))) set.add(name);
  });
  return set;
}

/** URIs from DistributionPoint.distributionPoint.fullName (GeneralName [6] uniformResourceIdentifier). */
function parseCrlDistributionPoints(value: Buffer): string[] {
  const urls: string[] = [];
  const seq = expect(readTlv(value, 0), TAG.SEQUENCE, 'CRLDistributionPoints');
  for (const dp of children(value, seq)) {
    const dpName = children(value, dp).find((t: Tlv) => t.tag === ctx(0, true));
    if (!dpName) continue;
    const fullName = children(value, dpName).find((t: Tlv) => t.tag === ctx(0, true));
    if (!fullName) continue;
    for (const gn of children(value, fullName)) {
      if (gn.tag === ctx(6, false)) urls.push(content(value, gn).toString('latin1'));
    }
  }
  return urls;
}

/** "CN=POP000001, OU=PEPPOL TEST AP, O=..., C=BE" from node's multi-line DN form. */
export const oneLineName = (dn: string): string => dn.split('\n').filter(Boolean).join(', ');

/** Every value of one attribute (e.g. all OUs) in a node-formatted distinguished name, in order. */
export function subjectValues(dn: string, attribute: string): string[] {
  const prefix = `${attribute}=`;
  return dn.split('\n').filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
}

/** The CN of a node-formatted distinguished name, if any. */
export const commonName = (dn: string): string | undefined => subjectValues(dn, 'CN')[0];

export const SEAT_ID = /^P[A-Z]{2}[0-9]{6}$/;

/** Peppol seat id from the subject CN (e.g. POP000123), or null when the CN is not one. */
export function seatIdOf(cert: X509Certificate): string | null {
  const cn = commonName(cert.subject)?.trim();
  return cn && SEAT_ID.test(cn) ? cn : null;
}
