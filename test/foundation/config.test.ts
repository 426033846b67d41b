import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadAs4Config } from '../../src/config-as4.js';
import { loadDiscoveryConfig } from '../../src/config-discovery.js';
import { PROJECT_ROOT, loadConfig } from '../../src/config.js';
import { ApError } from '../../src/errors.js';
import { runCliProcess } from '../support/process.js';

describe('configuration', () => {
  it('has working defaults: embedded Postgres on its own port, data in data/postgres', () => {
    const c = loadConfig({});
    assert.equal(c.databaseUrl, null);
    assert.equal(c.embeddedPg.port, 54329);
    assert.equal(c.embeddedPg.dir, join(PROJECT_ROOT, 'data', 'postgres'));
    assert.deepEqual(c.http, { host: '0.0.0.0', port: 8080 });
    assert.equal(c.maxDocumentBytes, 20 * 1024 * 1024);
    assert.equal(c.ublSchemasDir, join(PROJECT_ROOT, 'ubl-schemas'));
    assert.equal(c.logLevel, 'info');
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
    assert.equal(c.databaseUrl, 'postgres://ap:secret@db.example:5432/ap');
    assert.equal(c.dbPoolMax, 20);
    assert.deepEqual(c.embeddedPg, { dir: '/var/lib/ap-pg', port: 6543 });
    assert.deepEqual(c.http, { host: '127.0.0.1', port: 9000 });
    assert.equal(c.maxDocumentBytes, 2048);
    assert.equal(c.shutdownTimeoutMs, 500);
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.ublSchemasDir, join(PROJECT_ROOT, 'x/ubl'));
    assert.equal(c.schematronDir, '/opt/sch');
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

describe('bearer tokens (ADMIN_TOKEN, INBOX_TOKEN)', () => {
  const problemsOf = (load: () => unknown): string[] => {
    try {
      load();
    } catch (e) {
      assert.ok(e instanceof ApError && e.kind === 'config.invalid', String(e));
      return e.details!.problems as string[];
    }
    assert.fail('accepted the configuration');
  };

  it('refuses a token shorter than 16 characters, naming its length but never the token', () => {
    assert.deepEqual(problemsOf(() => loadAs4Config({ INBOX_TOKEN: 'x' })), ['INBOX_TOKEN is 1 character long; a bearer token needs at least 16 (e.g. openssl rand -hex 32)']);
    const problems = problemsOf(() => loadDiscoveryConfig({ ADMIN_TOKEN: 'short-secret', SML_ZONE: 'not a zone' }));
    assert.equal(problems.length, 2, 'reported with the other bad values');
    assert.ok(problems.includes('ADMIN_TOKEN is 12 characters long; a bearer token needs at least 16 (e.g. openssl rand -hex 32)'), problems.join('\n'));
    assert.ok(!problems.join('\n').includes('short-secret'));
    // INBOX_TOKEN defaults to ADMIN_TOKEN, which is checked as its stand-in.
    assert.match(problemsOf(() => loadAs4Config({ ADMIN_TOKEN: 'short-secret' }))[0]!, /^ADMIN_TOKEN is 12 characters long/);
  });

  it('accepts tokens of 16 characters and more', () => {
    assert.equal(loadAs4Config({ ADMIN_TOKEN: '0123456789abcdef' }).inboxToken, '0123456789abcdef');
    assert.equal(loadDiscoveryConfig({ ADMIN_TOKEN: '0123456789abcdef' }).adminToken, '0123456789abcdef');
  });

  it('serve refuses to start with a one-character ADMIN_TOKEN: its problem line, exit code 2', async () => {
    const run = await runCliProcess(['serve'], { ADMIN_TOKEN: 'x', INBOX_TOKEN: undefined, DATABASE_URL: 'postgres://127.0.0.1:1/none', LOG_LEVEL: 'silent' });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim(), 'Invalid configuration:\n  ADMIN_TOKEN is 1 character long; a bearer token needs at least 16 (e.g. openssl rand -hex 32)');
  });
});
