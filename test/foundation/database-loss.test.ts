import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/store/embedded-postgres.js';
import { freePort, spawnCli, waitFor200 } from '../support/process.js';
import { provisionSender, submitInvoice, waitForStatus } from '../support/served.js';

describe('serve when its database goes away', function () {
  this.timeout(120_000);
  const root = mkdtempSync(join(tmpdir(), 'ap-db-loss-'));
  chmodSync(root, 0o755); // the database runs as the postgres user when we are root
  const logger = pino({ level: 'silent' });
  let pgPort = 0;
  let database: EmbeddedPostgresHandle | null = null;
  const startDatabase = async () => {
    database = await startEmbeddedPostgres({ dir: join(root, 'pg'), port: pgPort, database: 'peppol_ap', logger });
    return database;
  };
  let key = '';
  before(async () => {
    pgPort = await freePort();
    await startDatabase();
    key = await provisionSender({ DATABASE_URL: database!.url });
  });
  after(async () => {
    await database?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function serve(env: Record<string, string>) {
    const port = await freePort();
    const child = spawnCli(['serve'], { DATABASE_URL: database!.url, HOST: '127.0.0.1', PORT: String(port), ...env });
    await waitFor200(`http://127.0.0.1:${port}/readyz`, 90_000, child);
    return { child, base: `http://127.0.0.1:${port}` };
  }

  it('answers 503 on /readyz while the database is down, then 200 and takes documents again once it is back', async () => {
    const { child, base } = await serve({});
    try {
      assert.equal((await submitInvoice(base, key)).status, 201);
      await database!.stop();
      await waitForStatus(`${base}/readyz`, 503, 15_000);
      assert.ok((await submitInvoice(base, key)).status >= 500, 'a submission fails while the database is down');
      await startDatabase();
      await waitForStatus(`${base}/readyz`, 200, 15_000);
      assert.equal((await submitInvoice(base, key)).status, 201, 'documents are taken again');
      child.kill('SIGTERM');
      assert.equal((await child.exited).code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits on SIGTERM within SHUTDOWN_TIMEOUT_MS while the database is down and a request waits for it', async () => {
    const timeoutMs = 2_000;
    const { child, base } = await serve({ SHUTDOWN_TIMEOUT_MS: String(timeoutMs) });
    try {
      await database!.stop();
      const waiting = submitInvoice(base, key).catch(() => null);
      await new Promise((r) => setTimeout(r, 300));
      const signalled = Date.now();
      child.kill('SIGTERM');
      const run = await child.exited;
      const tookMs = Date.now() - signalled;
      await waiting;
      assert.ok(tookMs < timeoutMs + 3_000, `exited ${tookMs} ms after SIGTERM`);
      assert.equal(run.code, 0, run.stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await startDatabase();
    }
  });

  it('answers 503 on /readyz within seconds and exits on SIGTERM in time while the database hangs (SIGSTOP)', async () => {
    const timeoutMs = 2_000;
    const { child, base } = await serve({ SHUTDOWN_TIMEOUT_MS: String(timeoutMs) });
    const postmaster = Number(readFileSync(join(root, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const cluster = [postmaster, ...execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)];
    try {
      for (const pid of cluster) process.kill(pid, 'SIGSTOP');
      const waiting = submitInvoice(base, key).catch(() => null);
      const asked = Date.now();
      assert.equal((await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(10_000) })).status, 503);
      assert.ok(Date.now() - asked < 5_000, `/readyz took ${Date.now() - asked} ms`);
      const signalled = Date.now();
      child.kill('SIGTERM');
      const run = await child.exited;
      const tookMs = Date.now() - signalled;
      await waiting;
      assert.ok(tookMs < timeoutMs + 3_000, `exited ${tookMs} ms after SIGTERM`);
      assert.equal(run.code, 0, run.stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      for (const pid of cluster) process.kill(pid, 'SIGCONT');
    }
  });
});
