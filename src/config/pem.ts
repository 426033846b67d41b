/**
 * Key and certificate files: the one place they are read, with one error text naming the variable (or the
 * command-line option) and the file: `AP_KEY_FILE=/x/key.pem: cannot read the file (ENOENT)`,
 * `AP_KEY_FILE=/x/key.pem: not a PEM private key`.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bad, ok, type Parsed } from './spec.js';

export interface KeyFile {
  readonly file: string;
  readonly pem: string;
  readonly key: KeyObject;
}

export interface CertificateFile {
  readonly file: string;
  /** The whole file (a chain after the certificate stays in). */
  readonly pem: string;
  /** The first certificate of the file. */
  readonly x509: X509Certificate;
}

export interface CertificatesFile {
  readonly file: string;
  readonly pem: string;
  readonly x509: readonly X509Certificate[];
}

export interface PemKinds {
  'private key': KeyFile;
  certificate: CertificateFile;
  'certificate bundle': CertificatesFile;
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Each certificate block parsed; null when there is none or one does not parse. */
function certificates(pem: string): X509Certificate[] | null {
  const blocks = pem.match(CERTIFICATE_BLOCK);
  if (!blocks) return null;
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch {
    return null;
  }
}

const PARSE: { [K in keyof PemKinds]: (file: string, pem: string) => PemKinds[K] | null } = {
  'private key': (file, pem) => {
    if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(pem)) return null;
    try {
      return { file, pem, key: createPrivateKey(pem) };
    } catch {
      return null;
    }
  },
  certificate: (file, pem) => {
    const x509 = certificates(pem)?.[0];
    return x509 ? { file, pem, x509 } : null;
  },
  'certificate bundle': (file, pem) => {
    const x509 = certificates(pem);
    return x509 ? { file, pem, x509 } : null;
  },
};

/** Reads `file` and parses it as `kind`; `label` is the variable or option that names the file. */
export function readPemFile<K extends keyof PemKinds>(label: string, file: string, kind: K): Parsed<PemKinds[K]> {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    return bad(`${label}=${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const value = PARSE[kind](file, pem);
  return value ? ok(value) : bad(`${label}=${file}: not a PEM ${kind}`);
}
