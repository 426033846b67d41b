/**
 * Bench support: the access point as `npm start` runs it (compiled JavaScript, `peppol-ap serve`, its own
 * process and worker threads), configured by environment variables, and CPU accounting from /proc.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { PROJECT_ROOT } from '../src/config/index.js';
import { waitFor200 } from '../test/support/process.js';

/** `--name <number>` from the command line, else `def`. */
export function numberArg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

/** `--pg-socket <dir>`: the servers reach Postgres over its Unix socket in <dir> instead of TCP on 127.0.0.1. */
export const pgSocket: string | null = (() => {
  const i = process.argv.indexOf('--pg-socket');
  return i > 0 ? process.argv[i + 1]! : null;
})();

/** A database URL as the served processes use it (over the Unix socket with --pg-socket). */
export const servedDatabaseUrl = (url: string): string => (pgSocket ? `${url}?host=${encodeURIComponent(pgSocket)}` : url);

/** How the bench reaches Postgres, for its report. */
export const postgresTransport = (): string => (pgSocket ? `Unix socket ${pgSocket}` : 'TCP');

/** Compiles the sources once (npm run build), as `npm start` does. */
export function buildOnce(): void {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
}

export interface Served {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `serve` with `env` on top of this process's environment and waits for /healthz. BENCH_CPU_PROF=<dir>:
 * the server writes a V8 CPU profile there when it stops (open in Chrome DevTools).
 */
export async function startServed(env: Record<string, string>, port: number): Promise<Served> {
  const full: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) full[k] = v;
  Object.assign(full, { HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' }, env);
  const prof = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']] : [];
  const child = spawn(process.execPath, [...prof, join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve'], {
    cwd: PROJECT_ROOT,
    env: full,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor200(`${url}/healthz`, 120_000, child);
  return {
    child,
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** CPU seconds (user + system, or system alone) of a Linux process or thread, from /proc; null elsewhere. */
export function procCpu(pid: number, statFile = `/proc/${pid}/stat`, which: 'all' | 'system' = 'all'): number | null {
  try {
    const fields = readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ');
    // utime, stime in clock ticks (USER_HZ = 100)
    return ((which === 'all' ? Number(fields[11]) : 0) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** CPU seconds of the Postgres backends serving a database (its connections other than ours). */
export async function backendsCpu(knex: Knex): Promise<number | null> {
  const { rows } = (await knex.raw('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()')) as { rows: Array<{ pid: number }> };
  let total = 0;
  for (const { pid } of rows) {
    const c = procCpu(pid);
    if (c === null) return null;
    total += c;
  }
  return total;
}

/** CPU seconds of each thread of a Linux process, by thread id (the main thread's id is the pid); empty elsewhere. */
export function threadsCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const c = procCpu(Number(tid), `/proc/${pid}/task/${tid}/stat`);
      if (c !== null) out.set(Number(tid), c);
    }
  } catch {
    // not Linux, or the process is gone
  }
  return out;
}
