/**
 * Configuration of the AS4 inbound side (endpoint, our AP key, duplicate retention, validation workers,
 * inbox), from environment variables, checked once with one line per bad value. Beside src/config.ts
 * with the same conventions, like config-discovery.ts.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { As4Identity } from './as4/index.js';
import { EnvReader, type Env } from './config-env.js';
import { ApError } from './errors.js';

export interface As4Config {
  /** PEM files of our AP private key and certificate; AS4 inbound is off when they are not set. */
  keyFile: string | null;
  certFile: string | null;
  /** Path of the AS4 endpoint. */
  path: string;
  maxMessageBytes: number;
  /** How long a MessageId / SBDH InstanceIdentifier is remembered for duplicate detection. */
  duplicateRetentionMs: number;
  /** Validation worker threads; 0 validates in the main thread. */
  validationWorkers: number;
  /** How long "is this participant served here" answers are cached; 0: ask Postgres every time. */
  servicedCacheMs: number;
  /** Bearer token of the inbox API (default ADMIN_TOKEN); null disables it. */
  inboxToken: string | null;
}

export function loadAs4Config(env: Env = process.env): As4Config {
  const r = new EnvReader(env);
  const keyFile = r.raw('AP_KEY_FILE') ?? null;
  const certFile = r.raw('AP_CERT_FILE') ?? null;
  if (keyFile && !certFile) r.problem('AP_KEY_FILE needs AP_CERT_FILE (the certificate of that key)');
  const path = r.raw('AS4_PATH') ?? '/as4';
  if (!/^\/[A-Za-z0-9/_.-]*$/.test(path)) r.problem(`AS4_PATH=${JSON.stringify(path)}: expected a URL path such as /as4`);
  const config: As4Config = {
    keyFile,
    certFile,
    path,
    maxMessageBytes: r.int('AS4_MAX_MESSAGE_BYTES', 100 * 1024 * 1024, 1024, 4 * 1024 * 1024 * 1024),
    duplicateRetentionMs: r.int('AS4_DUPLICATE_RETENTION_DAYS', 30, 1, 3650) * 86_400_000,
    validationWorkers: r.int('INBOUND_VALIDATION_WORKERS', 1, 0, 64),
    servicedCacheMs: r.int('INBOUND_SERVICED_CACHE_MS', 5000, 0, 3_600_000),
    inboxToken: r.token('INBOX_TOKEN') ?? r.token('ADMIN_TOKEN') ?? null,
  };
  r.check();
  return config;
}

/** Reads our AP key and certificate once at start-up (null when AS4 is not configured). */
export function loadAs4Identity(config: As4Config): As4Identity | null {
  if (!config.keyFile || !config.certFile) return null;
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ApError('config.invalid', `Cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  try {
    const identity = { privateKey: createPrivateKey(read(config.keyFile, 'AP key file')), certificate: new X509Certificate(read(config.certFile, 'AP certificate file')) };
    if (!identity.certificate.checkPrivateKey(identity.privateKey)) throw new ApError('config.invalid', `AP_KEY_FILE is not the key of the certificate in AP_CERT_FILE`);
    return identity;
  } catch (err) {
    if (err instanceof ApError) throw err;
    throw new ApError('config.invalid', `AP_KEY_FILE / AP_CERT_FILE: ${(err as Error).message}`);
  }
}

/** The seat id is the CN of our AP certificate (e.g. PBE000123). */
export function seatIdOf(cert: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1]?.trim();
  if (!cn) throw new ApError('config.invalid', `The AP certificate has no CN: ${cert.subject}`);
  return cn;
}
