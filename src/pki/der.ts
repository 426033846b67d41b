/**
 * Minimal DER: a reader with just enough ASN.1 to read the certificate extensions node:crypto does not
 * expose (key usage bits, criticality, CRL distribution points) and X.509 CRLs, every read bounds-checked
 * (malformed input throws DerError); and the few encoders that issuing a certificate or a CRL needs
 * (issue.ts), since node:crypto can read certificates but not create them.
 */

export class DerError extends Error {}

export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag [n], constructed or primitive. */
export const ctx = (n: number, constructed: boolean): number => 0x80 | (constructed ? 0x20 : 0) | n;

export function readTlv(buf: Buffer, pos: number, limit = buf.length): Tlv {
  if (pos + 2 > limit) throw new DerError('truncated DER element');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high-tag-number form is not supported');
  let len = buf[pos + 1]!;
  let contentStart = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError('unsupported DER length encoding');
    if (contentStart + n > limit) throw new DerError('truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[contentStart + i]!;
    contentStart += n;
  }
  const end = contentStart + len;
  if (end > limit) throw new DerError('DER element runs past its container');
  return { tag, start: pos, contentStart, end };
}

/** The elements directly inside a constructed element. */
export function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

export function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`expected ${what}`);
  return t;
}

export const content = (buf: Buffer, t: Tlv): Buffer => buf.subarray(t.contentStart, t.end);
export const whole = (buf: Buffer, t: Tlv): Buffer => buf.subarray(t.start, t.end);

export function readOid(buf: Buffer, t: Tlv): string {
  const b = content(buf, t);
  if (b.length === 0) throw new DerError('empty OID');
  const arcs: number[] = [];
  let v = 0;
  for (const byte of b) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  const first = arcs.shift()!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

/** INTEGER as upper-case hex without leading zeros (serial numbers). */
export function readIntegerHex(buf: Buffer, t: Tlv): string {
  const hex = content(buf, t).toString('hex').replace(/^0+/, '').toUpperCase();
  return hex || '0';
}

export function readSmallInt(buf: Buffer, t: Tlv): number {
  const b = content(buf, t);
  if (b.length > 4) throw new DerError('integer too large');
  let v = 0;
  for (const byte of b) v = v * 256 + byte;
  return v;
}

/** UTCTime or GeneralizedTime in the DER forms RFC 5280 mandates (Z suffix, optional fraction). */
export function readTime(buf: Buffer, t: Tlv): Date {
  const s = content(buf, t).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (t.tag === TAG.UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (t.tag === TAG.GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(s))) {
    year = Number(m[1]);
  } else {
    throw new DerError(`unsupported time value "${s}"`);
  }
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** Serial number hex as compared across sources: upper-case, no leading zeros. */
export const normaliseSerial = (hex: string): string => hex.replace(/^0+(?=.)/, '').toUpperCase();

// --- encoding ---------------------------------------------------------------------------------------------

/** One element: identifier octet, definite length (short or long form), content. */
export function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

export const encodeSequence = (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, Buffer.concat(items));
export const encodeSet = (...items: Buffer[]): Buffer => tlv(TAG.SET, Buffer.concat(items));
export const encodeNull = (): Buffer => tlv(TAG.NULL, Buffer.alloc(0));
export const encodeBoolean = (v: boolean): Buffer => tlv(TAG.BOOLEAN, Buffer.from([v ? 0xff : 0]));
export const encodeOctetString = (b: Buffer): Buffer => tlv(TAG.OCTET_STRING, b);
/** A BIT STRING of whole bytes (signatures, keys). */
export const encodeBitString = (b: Buffer, unusedBits = 0): Buffer => tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), b]));

/** A non-negative INTEGER from hex (a serial number) or a small number. */
export function encodeInteger(value: string | number): Buffer {
  let hex = typeof value === 'number' ? value.toString(16) : value.replace(/^0+(?=.)/, '');
  if (hex.length % 2) hex = '0' + hex;
  let b = Buffer.from(hex, 'hex');
  // A leading 1 bit would make it negative (X.690 §8.3).
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(TAG.INTEGER, b);
}

export function encodeOid(oid: string): Buffer {
  const arcs = oid.split('.').map(Number);
  const out: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const base128 = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) base128.unshift((v & 0x7f) | 0x80);
    out.push(...base128);
  }
  return tlv(TAG.OID, Buffer.from(out));
}

const PRINTABLE_STRING = 0x13;
const UTF8_STRING = 0x0c;

export const encodeUtf8String = (s: string): Buffer => tlv(UTF8_STRING, Buffer.from(s, 'utf8'));
export const encodePrintableString = (s: string): Buffer => tlv(PRINTABLE_STRING, Buffer.from(s, 'latin1'));

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, in whole seconds. */
export function encodeTime(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  return d.getUTCFullYear() < 2050 ? tlv(TAG.UTC_TIME, Buffer.from(iso.slice(2) + 'Z')) : tlv(TAG.GENERALIZED_TIME, Buffer.from(iso + 'Z'));
}
