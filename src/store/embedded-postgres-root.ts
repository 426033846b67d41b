/**
 * Where the embedded PostgreSQL runs from, and as whom. Postgres refuses to run as root, so as root it runs
 * as the `postgres` system user (created when missing), which must reach the binaries and the data folder.
 * A project in a folder only root can enter (/root is mode 700) hides both: then the binaries are copied,
 * and the data kept, under a folder that user can reach (/var/lib/peppol-ap unless told otherwise).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { ApError } from '../errors.js';

export const ROOT_FALLBACK_DIR = '/var/lib/peppol-ap';

export interface PostgresUser {
  uid: number;
  gid: number;
}

export interface EmbeddedLayout {
  /** Folder holding initdb and postgres (beside ../lib and ../share). */
  binDir: string;
  /** The data folder. */
  dir: string;
  /** The user the server runs as when we are root; null: as ourselves. */
  user: PostgresUser | null;
}

function idOf(flag: '-u' | '-g'): number | null {
  try {
    return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return null;
  }
}

function postgresUser(logger: Logger): PostgresUser {
  if (idOf('-u') === null) {
    logger.info('creating the postgres system user to run the embedded postgres as');
    execFileSync('groupadd', ['--force', '--system', 'postgres']);
    execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
  }
  return { uid: idOf('-u')!, gid: idOf('-g')! };
}

/** True when `user` can execute the file or enter the folder at `path` (so every folder above too). */
function userCanReach(user: PostgresUser, path: string): boolean {
  return spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'sh', path], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}

const shortHash = (data: string | Buffer) => createHash('sha256').update(data).digest('hex').slice(0, 16);

/** A copy of the binaries (bin, lib, share) under `fallbackDir`, named by the server binary's content. */
function copyBinaries(binDir: string, fallbackDir: string): string {
  const source = dirname(binDir);
  const target = join(fallbackDir, `postgres-${shortHash(readFileSync(join(binDir, 'postgres')))}`);
  if (!existsSync(target)) {
    // Copied beside, then renamed: a process starting at the same time never sees half a copy.
    const partial = `${target}.${process.pid}.partial`;
    cpSync(source, partial, { recursive: true, verbatimSymlinks: true });
    try {
      renameSync(partial, target);
    } catch (err) {
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(target)) throw err;
    }
  }
  return join(target, 'bin');
}

/** The binaries and data folder to use, as given unless we are root and the postgres user cannot reach them. */
export function embeddedLayout(opts: { binDir: string; dir: string; fallbackDir: string; logger: Logger }): EmbeddedLayout {
  if (process.getuid?.() !== 0) return { binDir: opts.binDir, dir: opts.dir, user: null };
  const user = postgresUser(opts.logger);
  let { binDir, dir } = opts;
  mkdirSync(dirname(dir), { recursive: true });
  const binReachable = userCanReach(user, join(binDir, 'postgres'));
  const dirReachable = userCanReach(user, dirname(dir));
  if (binReachable && dirReachable) return { binDir, dir, user };

  const hint = 'give it access (chmod o+x on each folder above), set EMBEDDED_PG_DIR to a folder it can reach, or run as a non-root user';
  if (!dirReachable && existsSync(join(dir, 'PG_VERSION'))) {
    // Starting afresh elsewhere would look like lost data: the operator decides.
    throw new ApError('config.invalid', `embedded postgres: the postgres user cannot reach the data in ${dir}; ${hint}`);
  }
  mkdirSync(opts.fallbackDir, { recursive: true });
  chmodSync(opts.fallbackDir, 0o755);
  if (!userCanReach(user, opts.fallbackDir)) {
    throw new ApError('config.invalid', `embedded postgres: the postgres user can reach neither ${dirname(dir)} nor ${opts.fallbackDir}; ${hint}`);
  }
  if (!binReachable) {
    binDir = copyBinaries(binDir, opts.fallbackDir);
    opts.logger.info({ from: opts.binDir, to: binDir }, 'the postgres user cannot reach the embedded postgres binaries: running a copy');
  }
  if (!dirReachable) {
    // Named by the configured folder, so that every command of this project finds the same data.
    dir = join(opts.fallbackDir, `data-${shortHash(opts.dir)}`);
    opts.logger.info({ configured: opts.dir, dir }, 'the postgres user cannot reach the embedded postgres data folder: keeping the data here instead');
  }
  return { binDir, dir, user };
}
