import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startEmbeddedPostgres } from '../../src/store/embedded-postgres.js';
import { expectKind } from '../support/assert.js';
import { freePort, runCliProcess, spawnCli, waitFor200 } from '../support/process.js';
import { provisionSender, submitInvoice, waitForStatus } from '../support/served.js';

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('embedded PostgreSQL (no DATABASE_URL)', function () {
  this.timeout(300_000);
  const root = mkdtempSync(join(tmpdir(), 'ap-embedded-'));
  chmodSync(root, 0o755); // the server runs as the postgres user when we are root
  const dataDir = join(root, 'pg');
  after(() => rmSync(root, { recursive: true, force: true }));

  const env = (pgPort: number, port = 0) => ({
    DATABASE_URL: undefined,
    EMBEDDED_PG_DIR: dataDir,
    EMBEDDED_PG_PORT: String(pgPort),
    HOST: '127.0.0.1',
    PORT: String(port),
    // No AP key and no sandbox: a submitted document stays as it was answered, across the restart.
    SANDBOX: 'off',
  });
  // One sender for the data folder all these tests share, made by the first that needs it.
  let key: string | undefined;
  const keyFor = async (pgPort: number) => (key ??= await provisionSender(env(pgPort)));
  const postmasterPid = () => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

  /** A `serve` started on the embedded database, ready; `stop()` sends SIGTERM and expects exit 0. */
  async function serve(pgPort: number) {
    const port = await freePort();
    const child = spawnCli(['serve'], env(pgPort, port));
    await waitFor200(`http://127.0.0.1:${port}/readyz`, 240_000, child).catch(async (err) => {
      await cleanUp(child);
      throw err;
    });
    return {
      child,
      base: `http://127.0.0.1:${port}`,
      async stop() {
        child.kill('SIGTERM');
        const run = await child.exited;
        assert.equal(run.code, 0, run.stderr);
        return run;
      },
    };
  }

  /** Kills a serve left running by a failed test, and its database, so no postgres outlives the test. */
  async function cleanUp(child: ChildProcess & { exited: Promise<unknown> }) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await child.exited;
    try {
      process.kill(postmasterPid(), 'SIGINT');
    } catch {
      // already gone
    }
  }

  async function serveOnce(pgPort: number, work: (base: string) => Promise<void>): Promise<number> {
    const started = Date.now();
    const ap = await serve(pgPort);
    try {
      const readyMs = Date.now() - started;
      assert.equal(await portOpen(pgPort), true, 'embedded postgres listens on its own port');
      await work(ap.base);
      const run = await ap.stop();
      assert.match(run.stdout, /embedded postgres stopped/);
      assert.equal(existsSync(join(dataDir, 'postmaster.pid')), false, 'postgres stopped cleanly');
      assert.equal(await portOpen(pgPort), false, 'postgres no longer listens');
      return readyMs;
    } finally {
      await cleanUp(ap.child);
    }
  }

  it('initialises, migrates and serves on first start; stops Postgres on SIGTERM; keeps the data for the next start', async () => {
    const pgPort = await freePort();
    let id = '';
    let status = '';
    const first = await serveOnce(pgPort, async (base) => {
      const res = await submitInvoice(base, await keyFor(pgPort));
      assert.equal(res.status, 201);
      ({ id, status } = (await res.json()) as { id: string; status: string });
    });
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')), 'data folder initialised');
    const second = await serveOnce(pgPort, async (base) => {
      const res = await fetch(`${base}/api/v1/documents/${id}`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { status: string }).status, status, 'the document survived the restart');
    });
    console.log(`      start to /readyz: first start (initdb) ${first} ms, restart ${second} ms`);
  });

  it('a command while serve runs uses its database and leaves it running; so does a second serve', async () => {
    const pgPort = await freePort();
    const ap = await serve(pgPort);
    try {
      const postmaster = postmasterPid();
      const added = await runCliProcess(['participants', 'add', '0088:5790000435951', 'invoice'], env(pgPort));
      assert.equal(added.code, 0, added.stderr);
      assert.doesNotMatch(added.stdout, /stopping it/);
      assert.equal((await fetch(`${ap.base}/readyz`)).status, 200, 'the serve is still ready after a command');
      const listed = await runCliProcess(['participants', 'list'], env(pgPort));
      assert.match(listed.stdout, /0088:5790000435951/, 'the second command sees what the first wrote');
      assert.equal(readFileSync(join(dataDir, 'peppol-ap.owner'), 'utf8').trim(), String(ap.child.pid), 'the serve owns the server');

      const second = await serve(pgPort);
      assert.equal((await fetch(`${second.base}/readyz`)).status, 200);
      const run = await second.stop();
      assert.doesNotMatch(run.stdout, /embedded postgres stopped/, 'the second serve leaves the server to its owner');

      assert.equal(postmasterPid(), postmaster, 'the same server still runs');
      assert.equal((await fetch(`${ap.base}/readyz`)).status, 200, 'the serve that owns it is still ready');
      assert.equal((await submitInvoice(ap.base, await keyFor(pgPort))).status, 201);
      assert.match((await ap.stop()).stdout, /embedded postgres stopped/);
      assert.equal(existsSync(join(dataDir, 'peppol-ap.owner')), false, 'ownership released');
    } finally {
      await cleanUp(ap.child);
    }
  });

  it('a server left running by a killed serve is stopped, and started anew, by the next process', async () => {
    const pgPort = await freePort();
    const ap = await serve(pgPort);
    ap.child.kill('SIGKILL');
    await ap.child.exited;
    const leftover = postmasterPid();
    try {
      const listed = await runCliProcess(['participants', 'list'], env(pgPort));
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /stopping it/);
      assert.throws(() => process.kill(leftover, 0), 'the leftover is gone');
      assert.equal(existsSync(join(dataDir, 'postmaster.pid')), false, 'the command stopped the server it started');
    } finally {
      try {
        process.kill(leftover, 'SIGINT');
      } catch {
        // stopped by the command
      }
    }
  });

  it('serve restarts its embedded server when that dies: 503 meanwhile, then 200 and documents again', async () => {
    const pgPort = await freePort();
    const ap = await serve(pgPort);
    try {
      const first = postmasterPid();
      process.kill(first, 'SIGKILL');
      await waitForStatus(`${ap.base}/readyz`, 503, 10_000);
      await waitForStatus(`${ap.base}/readyz`, 200, 30_000);
      assert.notEqual(postmasterPid(), first, 'a new server runs');
      assert.equal((await submitInvoice(ap.base, await keyFor(pgPort))).status, 201);
      const signalled = Date.now();
      await ap.stop();
      assert.ok(Date.now() - signalled < 15_000, 'SIGTERM is not held up by the restarted server');
      assert.equal(existsSync(join(dataDir, 'postmaster.pid')), false, 'postgres stopped cleanly');
    } finally {
      await cleanUp(ap.child);
    }
  });

  it('a taken EMBEDDED_PG_PORT is one line naming it, even when what listens there never answers', async () => {
    const pgPort = await freePort();
    const silent = createServer(() => {}).listen(pgPort, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const logger = pino({ level: 'silent' });
      const err = await expectKind(startEmbeddedPostgres({ dir: join(root, 'port-taken'), port: pgPort, database: 'peppol_ap', logger }), 'config.invalid');
      assert.match(err.message, new RegExp(`^EMBEDDED_PG_PORT=${pgPort}: the port is already in use[^\\n]*$`));
    } finally {
      silent.close();
    }
  });
});
