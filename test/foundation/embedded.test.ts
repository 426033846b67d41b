import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_INVOICE } from '../support/artifacts.js';
import { freePort, spawnCli, waitFor200 } from '../support/process.js';

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

  async function serveOnce(pgPort: number, work: (base: string) => Promise<void>): Promise<number> {
    const port = await freePort();
    const started = Date.now();
    const child = spawnCli(['serve'], {
      DATABASE_URL: undefined,
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      HOST: '127.0.0.1',
      PORT: String(port),
    });
    try {
      await waitFor200(`http://127.0.0.1:${port}/readyz`, 240_000, child);
      const readyMs = Date.now() - started;
      assert.equal(await portOpen(pgPort), true, 'embedded postgres listens on its own port');
      await work(`http://127.0.0.1:${port}`);
      child.kill('SIGTERM');
      const run = await child.exited;
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /embedded postgres stopped/);
      assert.equal(existsSync(join(dataDir, 'postmaster.pid')), false, 'postgres stopped cleanly');
      assert.equal(await portOpen(pgPort), false, 'postgres no longer listens');
      return readyMs;
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await child.exited;
        // A killed server cannot stop its database: stop it here so no postgres outlives the test.
        const pidFile = join(dataDir, 'postmaster.pid');
        if (existsSync(pidFile)) {
          try {
            process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
          } catch {
            // already gone
          }
        }
      }
    }
  }

  it('initialises, migrates and serves on first start; stops Postgres on SIGTERM; keeps the data for the next start', async () => {
    const pgPort = await freePort();
    let id = '';
    let status = '';
    const first = await serveOnce(pgPort, async (base) => {
      const res = await fetch(`${base}/api/v1/documents`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: new Uint8Array(readFileSync(BASE_INVOICE)) });
      assert.equal(res.status, 201);
      ({ id, status } = (await res.json()) as { id: string; status: string });
    });
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')), 'data folder initialised');
    const second = await serveOnce(pgPort, async (base) => {
      const res = await fetch(`${base}/api/v1/documents/${id}`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { status: string }).status, status, 'the document survived the restart');
    });
    console.log(`      start to /readyz: first start (initdb) ${first} ms, restart ${second} ms`);
  });
});
