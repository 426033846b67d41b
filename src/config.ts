/**
 * Configuration from environment variables, read and validated once at start-up. Every bad value is
 * reported (all of them at once, one line each) before anything starts. The README's configuration table
 * lists the same variables: keep them in step.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvReader, type Env } from './config-env.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** Postgres server; null means: start the embedded PostgreSQL. */
  databaseUrl: string | null;
  dbPoolMax: number;
  embeddedPg: { dir: string; port: number };
  http: { host: string; port: number };
  /** Largest accepted request body (documents), in bytes. */
  maxDocumentBytes: number;
  /** Bytes of request bodies (AS4 and API) all requests may hold at once; past it, 503 and Retry-After. */
  inflightBytes: number;
  /**
   * Bytes of rejected API submissions whose payload is kept per UTC day; past it a rejected document is
   * stored without its payload. One quota for every caller, as the API has no per-caller credentials yet.
   */
  rejectedPayloadBytesPerDay: number;
  /** How long a shutdown waits for in-flight requests before closing their connections. */
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
  ublSchemasDir: string;
  schematronDir: string;
}

/** The folder holding package.json, from the sources (src/) as from the compiled code (dist/src/). */
export const PROJECT_ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
})();

/** The base reader plus the value kinds only this file reads. */
class Reader extends EnvReader {
  postgresUrl(name: string): string | null {
    const v = this.raw(name);
    if (v === undefined) return null;
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      this.problem(`${name}: not a URL (expected postgres://user:password@host:5432/database)`);
      return null;
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      this.problem(`${name}: scheme ${url.protocol} is not postgres: or postgresql:`);
      return null;
    }
    if (!url.hostname || url.pathname.length <= 1) {
      this.problem(`${name}: needs a host and a database name (postgres://user:password@host:5432/database)`);
      return null;
    }
    return v;
  }

  host(name: string, def: string): string {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (!/^[A-Za-z0-9.:-]+$/.test(v)) {
      this.problem(`${name}=${JSON.stringify(v)}: expected a host name or IP address`);
      return def;
    }
    return v;
  }

  dir(name: string, def: string): string {
    const v = this.raw(name) ?? def;
    return isAbsolute(v) ? v : resolve(PROJECT_ROOT, v);
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and checks the configuration; throws ApError('config.invalid') listing every bad value. */
export function loadConfig(env: Env = process.env): Config {
  const r = new Reader(env);
  const config: Config = {
    databaseUrl: r.postgresUrl('DATABASE_URL'),
    dbPoolMax: r.int('DB_POOL_MAX', 10, 1, 1000),
    embeddedPg: {
      dir: r.dir('EMBEDDED_PG_DIR', 'data/postgres'),
      port: r.int('EMBEDDED_PG_PORT', 54329, 1, 65535),
    },
    http: { host: r.host('HOST', '0.0.0.0'), port: r.int('PORT', 8080, 0, 65535) },
    maxDocumentBytes: r.int('MAX_DOCUMENT_BYTES', 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    inflightBytes: r.int('INBOUND_INFLIGHT_BYTES', 256 * 1024 * 1024, 1024, 64 * 1024 * 1024 * 1024),
    rejectedPayloadBytesPerDay: r.int('ANONYMOUS_REJECTED_BYTES_PER_DAY', 100 * 1024 * 1024, 0, 1024 * 1024 * 1024 * 1024),
    shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    logLevel: r.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    ublSchemasDir: r.dir('UBL_SCHEMAS_DIR', 'ubl-schemas'),
    schematronDir: r.dir('SCHEMATRON_DIR', 'schematron'),
  };
  // A body the budget can never hold would be refused as busy forever.
  if (config.inflightBytes < config.maxDocumentBytes) r.problem(`INBOUND_INFLIGHT_BYTES=${config.inflightBytes} is less than MAX_DOCUMENT_BYTES=${config.maxDocumentBytes}`);
  r.check();
  return config;
}
