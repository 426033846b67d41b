/**
 * X.509 CRLs (RFC 5280 §5): parsing, signature verification against the issuing CA, and a cache that
 * downloads a CRL only from allowed URL prefixes, with a timeout and a size cap, and keeps it until its
 * nextUpdate.
 */
import { verify as cryptoVerify, type X509Certificate } from 'node:crypto';
import { certificateDetails } from './certificate.js';
import { children, content, ctx, DerError, expect, readIntegerHex, readOid, readTime, readTlv, TAG, whole } from './der.js';

export interface Crl {
  issuerDer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date | null;
  /** Normalised serial (upper-case hex, no leading zeros) → revocation date. */
  revoked: Map<string, Date>;
  /** Bytes covered by the signature, and the signature itself. */
  tbs: Buffer;
  signatureAlgorithm: string;
  signature: Buffer;
}

/** Hash used with each accepted CRL signature algorithm (RSA PKCS#1 v1.5 and ECDSA). */
const SIGNATURE_HASH: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

export class CrlError extends Error {}

/** Parses a DER (or PEM) CRL. Throws CrlError on malformed input. */
export function parseCrl(input: Buffer): Crl {
  let der = input;
  const text = input.subarray(0, 32).toString('latin1');
  if (text.startsWith('-----BEGIN')) {
    const m = /-----BEGIN X509 CRL-----([\s\S]+?)-----END X509 CRL-----/.exec(input.toString('latin1'));
    if (!m) throw new CrlError('PEM input holds no X509 CRL block');
    der = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  }
  try {
    const list = expect(readTlv(der, 0), TAG.SEQUENCE, 'CertificateList');
    const [tbsTlv, algTlv, sigTlv] = children(der, list);
    const tbs = expect(tbsTlv, TAG.SEQUENCE, 'TBSCertList');
    const alg = children(der, expect(algTlv, TAG.SEQUENCE, 'signatureAlgorithm'));
    const signatureAlgorithm = readOid(der, expect(alg[0], TAG.OID, 'algorithm OID'));
    const sigBits = content(der, expect(sigTlv, TAG.BIT_STRING, 'signatureValue'));
    const f = children(der, tbs);
    let i = 0;
    if (f[i]?.tag === TAG.INTEGER) i++; // version (v2)
    i++; // signature AlgorithmIdentifier
    const issuer = expect(f[i++], TAG.SEQUENCE, 'issuer Name');
    const thisUpdate = readTime(der, f[i++]!);
    let nextUpdate: Date | null = null;
    if (f[i] && (f[i]!.tag === TAG.UTC_TIME || f[i]!.tag === TAG.GENERALIZED_TIME)) nextUpdate = readTime(der, f[i++]!);
    const revoked = new Map<string, Date>();
    if (f[i]?.tag === TAG.SEQUENCE) {
      for (const entry of children(der, f[i++]!)) {
        const [serial, date] = children(der, entry);
        revoked.set(readIntegerHex(der, expect(serial, TAG.INTEGER, 'userCertificate')), readTime(der, date!));
      }
    }
    if (f[i] && f[i]!.tag !== ctx(0, true)) throw new CrlError('unexpected element in TBSCertList');
    return {
      issuerDer: Buffer.from(whole(der, issuer)),
      thisUpdate,
      nextUpdate,
      revoked,
      tbs: Buffer.from(whole(der, tbs)),
      signatureAlgorithm,
      signature: Buffer.from(sigBits.subarray(1)),
    };
  } catch (err) {
    if (err instanceof DerError) throw new CrlError(`malformed CRL: ${err.message}`);
    throw err;
  }
}

/** Checks that `ca` issued and signed the CRL. Throws CrlError with the reason otherwise. */
export function verifyCrl(crl: Crl, ca: X509Certificate): void {
  const caDetails = certificateDetails(ca);
  if (!crl.issuerDer.equals(caDetails.subjectDer)) throw new CrlError('the CRL issuer is not the certificate issuer');
  if (caDetails.keyUsage && !caDetails.keyUsage.has('cRLSign')) throw new CrlError('the CA certificate lacks the cRLSign key usage');
  const hash = SIGNATURE_HASH[crl.signatureAlgorithm];
  if (!hash) throw new CrlError(`unsupported CRL signature algorithm ${crl.signatureAlgorithm}`);
  if (!cryptoVerify(hash, crl.tbs, ca.publicKey, crl.signature)) throw new CrlError('the CRL signature does not verify with the CA key');
}

export interface CrlFetchOptions {
  /** Only URLs starting with one of these are downloaded. */
  allowedPrefixes: string[];
  timeoutMs: number;
  maxBytes: number;
  /** How long a CRL without nextUpdate is kept. */
  defaultTtlMs: number;
  /** Clock, for tests of expiry. */
  now?: () => number;
}

export const DEFAULT_CRL_FETCH_OPTIONS: Readonly<CrlFetchOptions> = Object.freeze({
  allowedPrefixes: ['http://crl.one.nl.digicert.com/'],
  timeoutMs: 10_000,
  maxBytes: 20 * 1024 * 1024,
  defaultTtlMs: 3_600_000,
});

interface CacheEntry {
  crl: Crl;
  expires: number;
  /** SHA-256 fingerprint of the CA the CRL was verified against. */
  ca: string;
}

/**
 * CRLs by distribution point URL. A CRL is verified against the CA before it is cached, kept until its
 * nextUpdate, and concurrent requests for the same URL share one download.
 */
export class CrlCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<Crl>>();
  private readonly opts: CrlFetchOptions;
  /** Number of HTTP downloads started (for operators' stats and tests). */
  downloads = 0;

  constructor(opts: Partial<CrlFetchOptions> = {}) {
    this.opts = { ...DEFAULT_CRL_FETCH_OPTIONS, ...opts };
  }

  /** The cache's clock (the injected one in tests). */
  now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  isAllowed(url: string): boolean {
    return this.opts.allowedPrefixes.some((p) => url.startsWith(p));
  }

  /** Stores a CRL obtained out of band (e.g. a file) under a URL, after verifying it against `ca`. */
  add(url: string, der: Buffer, ca: X509Certificate): Crl {
    const crl = parseCrl(der);
    verifyCrl(crl, ca);
    this.store(url, crl, ca);
    return crl;
  }

  /**
   * The cached CRL for a URL while it is current and was verified against the CA with this SHA-256
   * fingerprint; null otherwise. Never downloads: callers that cached a decision based on a CRL use it to
   * see whether that CRL is still the one in force (a refreshed or replaced CRL is another object).
   */
  current(url: string, caFingerprint256: string): Crl | null {
    const hit = this.entries.get(url);
    return hit && hit.expires > this.now() && hit.ca === caFingerprint256 ? hit.crl : null;
  }

  /** The cached, still-current CRL for a URL, or a fresh download. Throws CrlError on any failure. */
  async get(url: string, ca: X509Certificate): Promise<Crl> {
    const hit = this.entries.get(url);
    // A CRL only answers for the CA it was verified against (a URL could be reused for another CA).
    if (hit && hit.expires > this.now() && hit.ca === ca.fingerprint256) return hit.crl;
    if (!this.isAllowed(url)) throw new CrlError(`CRL URL ${url} is outside the allowed prefixes; it was not downloaded`);
    let pending = this.inFlight.get(url);
    if (!pending) {
      pending = this.download(url, ca).finally(() => this.inFlight.delete(url));
      this.inFlight.set(url, pending);
    }
    return pending;
  }

  private store(url: string, crl: Crl, ca: X509Certificate): void {
    const expires = crl.nextUpdate ? crl.nextUpdate.getTime() : this.now() + this.opts.defaultTtlMs;
    this.entries.set(url, { crl, expires, ca: ca.fingerprint256 });
  }

  private async download(url: string, ca: X509Certificate): Promise<Crl> {
    this.downloads++;
    const der = await fetchLimited(url, this.opts);
    const crl = parseCrl(der);
    verifyCrl(crl, ca);
    if (crl.nextUpdate && crl.nextUpdate.getTime() <= this.now()) {
      throw new CrlError(`the CRL at ${url} is stale (nextUpdate ${crl.nextUpdate.toISOString()})`);
    }
    this.store(url, crl, ca);
    return crl;
  }
}

/** GET with a timeout and a size cap; no redirects (a redirect could leave the allowed prefixes). */
async function fetchLimited(url: string, opts: CrlFetchOptions): Promise<Buffer> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'manual' });
  } catch (err) {
    const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : describe(err);
    throw new CrlError(`downloading the CRL from ${url} failed: ${reason}`);
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new CrlError(`downloading the CRL from ${url} failed: HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > opts.maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new CrlError(`the CRL at ${url} is larger than ${opts.maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > opts.maxBytes) throw new CrlError(`the CRL at ${url} is larger than ${opts.maxBytes} bytes`);
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    if (err instanceof CrlError) throw err;
    throw new CrlError(`downloading the CRL from ${url} failed: ${describe(err)}`);
  }
  return Buffer.concat(chunks);
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
