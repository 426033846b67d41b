import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { BASE_INVOICE } from '../support/artifacts.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort, spawnCli, waitFor200 } from '../support/process.js';

describe('graceful shutdown (serve, SIGTERM)', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db?.drop());

  it('finishes the request in flight, refuses new connections, then exits 0', async () => {
    const port = await freePort();
    const child = spawnCli(['serve'], { DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: String(port), SHUTDOWN_TIMEOUT_MS: '30000' });
    try {
      await waitFor200(`http://127.0.0.1:${port}/readyz`, 90_000, child);

      // A submission whose body is only half sent when the signal arrives.
      const body = readFileSync(BASE_INVOICE);
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, method: 'POST', path: '/api/v1/documents', headers: { 'content-type': 'application/xml', 'content-length': body.length } },
          (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode!, body: text }));
          },
        );
        req.on('error', reject);
        req.write(body.subarray(0, 1000));
        setTimeout(() => {
          child.kill('SIGTERM');
          setTimeout(async () => {
            try {
              assert.equal(child.exitCode, null, 'still running while a request is in flight');
              await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'new connections are refused');
              req.end(body.subarray(1000));
            } catch (err) {
              reject(err);
            }
          }, 1500);
        }, 300);
      });

      const res = await response;
      assert.equal(res.status, 201, res.body);
      const run = await child.exited;
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /"msg":"shutdown complete"/);
      const stored = await db.knex('documents').select('status');
      assert.deepEqual(stored, [{ status: 'accepted' }]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
