import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { BASE_INVOICE } from '../support/artifacts.js';
import { provisionSender } from '../support/served.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort, spawnCli, waitFor200 } from '../support/process.js';

describe('graceful shutdown (serve, SIGTERM)', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let key = '';
  before(async () => {
    db = await createTestDatabase();
    key = await provisionSender({ DATABASE_URL: db.url });
  });
  after(() => db?.drop());

  it('finishes the request in flight, refuses new connections, then exits 0', async () => {
    const port = await freePort();
    // No AP key and no sandbox: the document stays queued as it was answered.
    const child = spawnCli(['serve'], { DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: String(port), SHUTDOWN_TIMEOUT_MS: '30000', SANDBOX: 'off' });
    try {
      await waitFor200(`http://127.0.0.1:${port}/readyz`, 90_000, child);

      // A submission whose body is only half sent when the signal arrives.
      const body = readFileSync(BASE_INVOICE);
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, method: 'POST', path: '/api/v1/documents', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml', 'content-length': body.length, expect: '100-continue' } },
          (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode!, body: text }));
          },
        );
        req.on('error', reject);
        // Expect: 100-continue makes the server confirm it has taken the request (headers parsed, request
        // active) before any body is sent: only then is the request truly in flight.
        req.on('continue', async () => {
          req.write(body.subarray(0, 1000));
          child.kill('SIGTERM');
          try {
            // Wait until the listener is closed: new connections refused while the request is still open.
            const deadline = Date.now() + 30_000;
            for (;;) {
              const refused = await fetch(`http://127.0.0.1:${port}/healthz`).then(() => false, () => true);
              if (refused) break;
              assert.ok(Date.now() < deadline, 'the server kept accepting connections after SIGTERM');
              await new Promise((r) => setTimeout(r, 100));
            }
            await new Promise((r) => setTimeout(r, 500));
            assert.equal(child.exitCode, null, 'still running while a request is in flight');
            req.end(body.subarray(1000));
          } catch (err) {
            reject(err);
          }
        });
        req.flushHeaders();
      });

      const res = await response;
      assert.equal(res.status, 201, res.body);
      const run = await child.exited;
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /"msg":"shutdown complete"/);
      const stored = await db.knex('documents').select('id', 'status');
      const answered = JSON.parse(res.body) as { id: string; status: string };
      assert.deepEqual(stored, [{ id: answered.id, status: answered.status }], 'the document was stored as answered');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
