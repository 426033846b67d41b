/**
 * Issuing X.509 v3 certificates (RFC 5280 §4.1) with node:crypto keys: the local sandbox PKI (local-pki.ts)
 * and the tests' PKI (src/testing/test-pki.ts) are both made here, so what the sandbox runs on is what the
 * tests prove. RSA with PKCS#1 v1.5 signatures, as the Peppol G3 CAs sign.
 */
import { createHash, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { OID, type KeyUsage, KEY_USAGE_BITS } from './certificate.js';
import {
  encodeBitString,
  encodeBoolean,
  encodeInteger,
  encodeNull,
  encodeOctetString,
  encodeOid,
  encodePrintableString,
  encodeSequence,
  encodeSet,
  encodeTime,
  encodeUtf8String,
  readTlv,
  content,
  children,
  ctx,
  tlv,
} from './der.js';

/** A distinguished name in the order it is written (CN first, as Peppol names are printed). */
export type DistinguishedName = ReadonlyArray<readonly ['CN' | 'OU' | 'O' | 'C', string]>;

export interface CertificateSpec {
  subject: DistinguishedName;
  publicKey: KeyObject;
  /** The issuing CA; absent for a self-signed certificate, which `signingKey` (its own key) signs. */
  issuer?: { subject: DistinguishedName; certificate: X509Certificate };
  signingKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** A CA certificate (basicConstraints cA, critical); otherwise an end-entity certificate. */
  ca?: boolean;
  /** Key usage bits, always critical (Peppol marks both CA and leaf key usage critical). */
  keyUsage: ReadonlyArray<KeyUsage>;
  /** Extended key usage OIDs, critical; none omits the extension. */
  extKeyUsage?: readonly string[];
  crlDistributionPoint?: string;
  /** Hex; default 16 random bytes. */
  serialNumber?: string;
  /** sha1 only to make the weakly signed certificates the validator must refuse. */
  hash?: 'sha256' | 'sha1';
}

export interface IssuedPem {
  certPem: string;
  cert: X509Certificate;
}

const ATTRIBUTE_OID = { CN: '2.5.4.3', OU: '2.5.4.11', O: '2.5.4.10', C: '2.5.4.6' } as const;
const SIGNATURE_OID = { sha256: '1.2.840.113549.1.1.11', sha1: '1.2.840.113549.1.1.5' } as const;
const EXTENSION_OID = { subjectKeyIdentifier: '2.5.29.14', basicConstraints: '2.5.29.19', authorityKeyIdentifier: '2.5.29.35' } as const;

/** The DER Name; the same fields give the same bytes, so an issuer name matches its CA's subject exactly. */
export function encodeName(dn: DistinguishedName): Buffer {
  // countryName is a PrintableString (RFC 5280 Appendix A); the others UTF8String (§4.1.2.6).
  return encodeSequence(
    ...dn.map(([type, value]) => encodeSet(encodeSequence(encodeOid(ATTRIBUTE_OID[type]), type === 'C' ? encodePrintableString(value) : encodeUtf8String(value)))),
  );
}

export function signatureAlgorithm(hash: 'sha256' | 'sha1' = 'sha256'): Buffer {
  return encodeSequence(encodeOid(SIGNATURE_OID[hash]), encodeNull());
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bytes. */
function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const [, bits] = children(spki, readTlv(spki, 0));
  return createHash('sha1').update(content(spki, bits!).subarray(1)).digest();
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return encodeSequence(encodeOid(oid), ...(critical ? [encodeBoolean(true)] : []), encodeOctetString(value));
}

/** KeyUsage as a named BIT STRING: bit 0 is the first byte's high bit, trailing zero bits dropped (X.690 §11.2.2). */
function keyUsageBits(usages: ReadonlyArray<KeyUsage>): Buffer {
  const set = usages.map((u) => KEY_USAGE_BITS.indexOf(u));
  const highest = Math.max(...set);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of set) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return encodeBitString(bytes, bytes.length * 8 - 1 - highest);
}

/** Signs `tbs` and wraps it as a certificate or CRL is wrapped: SEQUENCE { tbs, algorithm, signature }. */
export function signed(tbs: Buffer, signingKey: KeyObject, hash: 'sha256' | 'sha1' = 'sha256'): Buffer {
  return encodeSequence(tbs, signatureAlgorithm(hash), encodeBitString(sign(hash, tbs, signingKey)));
}

export function toPem(der: Buffer, label: string): string {
  const lines = der.toString('base64').match(/.{1,64}/g)!;
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function issueCertificate(spec: CertificateSpec): IssuedPem {
  const hash = spec.hash ?? 'sha256';
  const issuerKey = spec.issuer ? spec.issuer.certificate.publicKey : spec.publicKey;
  const extensions = [
    extension(EXTENSION_OID.basicConstraints, spec.ca === true, spec.ca ? encodeSequence(encodeBoolean(true)) : encodeSequence()),
    extension(OID.keyUsage, true, keyUsageBits(spec.keyUsage)),
    ...(spec.extKeyUsage?.length ? [extension(OID.extKeyUsage, true, encodeSequence(...spec.extKeyUsage.map(encodeOid)))] : []),
    // DistributionPoint { distributionPoint [0] { fullName [0] { uniformResourceIdentifier [6] } } }
    ...(spec.crlDistributionPoint
      ? [extension(OID.crlDistributionPoints, false, encodeSequence(encodeSequence(tlv(ctx(0, true), tlv(ctx(0, true), tlv(ctx(6, false), Buffer.from(spec.crlDistributionPoint, 'latin1')))))))]
      : []),
    extension(EXTENSION_OID.subjectKeyIdentifier, false, encodeOctetString(keyIdentifier(spec.publicKey))),
    ...(spec.issuer ? [extension(EXTENSION_OID.authorityKeyIdentifier, false, encodeSequence(tlv(ctx(0, false), keyIdentifier(issuerKey))))] : []),
  ];
  const tbs = encodeSequence(
    tlv(ctx(0, true), encodeInteger(2)), // v3
    encodeInteger(spec.serialNumber ?? randomSerial()),
    signatureAlgorithm(hash),
    encodeName(spec.issuer?.subject ?? spec.subject),
    encodeSequence(encodeTime(spec.notBefore), encodeTime(spec.notAfter)),
    encodeName(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    tlv(ctx(3, true), encodeSequence(...extensions)),
  );
  const certPem = toPem(signed(tbs, spec.signingKey, hash), 'CERTIFICATE');
  return { certPem, cert: new X509Certificate(certPem) };
}

/** A positive serial of fixed length: a leading 0x01 keeps the INTEGER positive (RFC 5280 §4.1.2.2: at most 20 bytes). */
export function randomSerial(): string {
  return '01' + randomBytes(15).toString('hex');
}
