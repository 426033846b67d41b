import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { runCliProcess } from '../support/process.js';

describe('serve on a port that is already taken', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db?.drop());

  it('exits 2 with one line naming PORT, not a stack trace', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const port = (holder.address() as { port: number }).port;
    try {
      const run = await runCliProcess(['serve'], { DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'silent' });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`^PORT=${port}: the port is already in use on 127\\.0\\.0\\.1`, 'm'));
      assert.doesNotMatch(run.stderr, /^\s+at /m);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    } finally {
      holder.close();
    }
  });
});
