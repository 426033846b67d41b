/**
 * `peppol-ap report`: previews a month's TSR or EUSR (valid, exit 0; to a file with --out), sends it once
 * with --send (queued for OpenPeppol; a second --send is refused, exit 1), again with --resend; and
 * `peppol-ap validate` takes the reports too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPki } from '../../src/testing/test-pki.js';
import { OPENPEPPOL_PARTICIPANT } from '../../src/reporting/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { runCliProcess } from '../support/process.js';

describe('peppol-ap report', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    db = await createTestDatabase({ prefix: 'report_cli' });
    dir = mkdtempSync(join(tmpdir(), 'report-cli-'));
    const pki = createTestPki();
    const ap = pki.issueAp('PBE000888', { noCrlDistributionPoint: true });
    writeFileSync(join(dir, 'ap.key'), ap.keyPem);
    writeFileSync(join(dir, 'ap.pem'), ap.certPem);
    writeFileSync(join(dir, 'trust.pem'), [...pki.trustedPems.roots, ...pki.trustedPems.ap, ...pki.trustedPems.smp].join('\n'));
    env = {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'warn',
      AP_KEY_FILE: join(dir, 'ap.key'),
      AP_CERT_FILE: join(dir, 'ap.pem'),
      AP_ENDPOINT_URL: 'https://ap.test.local/as4',
      PEPPOL_TRUST_FILE: join(dir, 'trust.pem'),
    };
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('previews a valid report of our seat, to standard output or a file, which validate accepts', async () => {
    const shown = await runCliProcess(['report', 'tsr', '--month', '2026-11'], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /<ReporterID schemeID="CertSubjectCN">PBE000888<\/ReporterID>/);
    assert.match(shown.stderr, /TSR 2026-11: valid \(tsr 1\.0\.5\)/);
    const out = join(dir, 'eusr.xml');
    const written = await runCliProcess(['report', 'eusr', '--month', '2026-11', '--out', out], env);
    assert.equal(written.code, 0, written.stderr);
    assert.match(readFileSync(out, 'utf8'), /<EndUserStatisticsReport xmlns="urn:fdc:peppol:end-user-statistics-report:1.1">/);
    const checked = await runCliProcess(['validate', out], env);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    assert.equal((await db.knex('peppol_reports').count('* as n'))[0]!['n'], '0', 'a preview stores nothing');
  });

  it('sends once, refuses a second send, and resends on purpose', async () => {
    const first = await runCliProcess(['report', 'tsr', '--month', '2026-11', '--send'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /queued for OpenPeppol as document [0-9a-f-]{36} \(generation 1\)/);
    const second = await runCliProcess(['report', 'tsr', '--month', '2026-11', '--send'], env);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /already sent/);
    const third = await runCliProcess(['report', 'tsr', '--month', '2026-11', '--resend'], env);
    assert.equal(third.code, 0, third.stderr);
    const docs = await db.knex('documents').where({ receiver_id: OPENPEPPOL_PARTICIPANT }).select('status', 'sender_id');
    assert.deepEqual(docs.map((d) => [d.status, d.sender_id]), [['queued', '0242:000888'], ['queued', '0242:000888']]);
  });

  it('refuses a bad month or kind as a usage error', async () => {
    assert.equal((await runCliProcess(['report', 'tsr', '--month', '2026-13'], env)).code, 2);
    assert.equal((await runCliProcess(['report', 'xyz', '--month', '2026-11'], env)).code, 2);
  });
});
