import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PROJECT_ROOT, loadConfig } from '../../src/config/index.js';
import { ApError } from '../../src/errors.js';

describe('configuration', () => {
  it('has working defaults: embedded Postgres on its own port, data in data/postgres', () => {
    const c = loadConfig({});
    assert.equal(c.database.url, null);
    assert.equal(c.database.embedded.port, 54329);
    assert.equal(c.database.embedded.dir, join(PROJECT_ROOT, 'data', 'postgres'));
    assert.deepEqual(c.http, { host: '0.0.0.0', port: 8080, shutdownTimeoutMs: 10_000 });
    assert.equal(c.validation.maxDocumentBytes, 20 * 1024 * 1024);
    assert.equal(c.validation.ublSchemasDir, join(PROJECT_ROOT, 'ubl-schemas'));
    assert.equal(c.logging.level, 'info');
  });

  it('reads every variable', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://ap:secret@db.example:5432/ap',
      DB_POOL_MAX: '20',
      EMBEDDED_PG_DIR: '/var/lib/ap-pg',
      EMBEDDED_PG_PORT: '6543',
      HOST: '127.0.0.1',
      PORT: '9000',
      MAX_DOCUMENT_BYTES: '2048',
      SHUTDOWN_TIMEOUT_MS: '500',
      LOG_LEVEL: 'debug',
      UBL_SCHEMAS_DIR: 'x/ubl',
      SCHEMATRON_DIR: '/opt/sch',
    });
    assert.equal(c.database.url, 'postgres://ap:secret@db.example:5432/ap');
    assert.equal(c.database.poolMax, 20);
    assert.deepEqual(c.database.embedded, { dir: '/var/lib/ap-pg', port: 6543 });
    assert.deepEqual(c.http, { host: '127.0.0.1', port: 9000, shutdownTimeoutMs: 500 });
    assert.equal(c.validation.maxDocumentBytes, 2048);
    assert.equal(c.logging.level, 'debug');
    assert.equal(c.validation.ublSchemasDir, join(PROJECT_ROOT, 'x/ubl'));
    assert.equal(c.validation.schematronDir, '/opt/sch');
  });

  it('reports every bad value at once, one clear line each', () => {
    try {
      loadConfig({
        DATABASE_URL: 'mysql://db/ap',
        PORT: 'eighty',
        EMBEDDED_PG_PORT: '70000',
        MAX_DOCUMENT_BYTES: '-1',
        LOG_LEVEL: 'loud',
        HOST: 'a b',
        DB_POOL_MAX: '0',
      });
      assert.fail('accepted bad configuration');
    } catch (e) {
      assert.ok(e instanceof ApError && e.kind === 'config.invalid');
      const problems = e.details!.problems as string[];
      assert.equal(problems.length, 7);
      assert.match(e.message, /DATABASE_URL: scheme mysql: is not postgres/);
      assert.match(e.message, /PORT="eighty": expected a whole number from 0 to 65535/);
      assert.match(e.message, /EMBEDDED_PG_PORT="70000"/);
      assert.match(e.message, /MAX_DOCUMENT_BYTES="-1"/);
      assert.match(e.message, /LOG_LEVEL="loud": expected one of fatal, error/);
      assert.match(e.message, /HOST="a b"/);
      assert.match(e.message, /DB_POOL_MAX="0"/);
    }
  });

  it('refuses a DATABASE_URL without database name or that is not a URL', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://db.example:5432' }), /needs a host and a database name/);
    assert.throws(() => loadConfig({ DATABASE_URL: 'not a url' }), /DATABASE_URL: not a URL/);
  });
});
