/**
 * The reporting flow over a real database: a month without traffic gives a valid empty report, queued
 * for OpenPeppol from our service provider participant; a period is queued once, even by two runs at the
 * same moment, until an operator resends it; a report failing its rules is stored as invalid and not sent;
 * the monthly job fails (for an operator) on such a report; an incoming item without a known country takes
 * the receiving tenant's once an operator sets it.
 */
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { buildReporting, dueAt, monthOf, PEPPOL_REPORTS_JOB } from '../../src/composition/reporting.js';
import { buildStores, queueWithoutDelivery } from '../../src/composition/index.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { inlineValidationRunner } from '../../src/pipeline/inbound-validation.js';
import { PeppolReporting } from '../../src/pipeline/peppol-reporting.js';
import { OPENPEPPOL_PARTICIPANT, TSR_DOCUMENT_TYPE } from '../../src/reporting/index.js';
import { PostgresJobStore } from '../../src/store/jobs.js';
import { createValidator } from '../../src/validation/validator.js';
import { SCHEMATRON_DIR, UBL_SCHEMAS_DIR } from '../support/artifacts.js';
import { until } from '../support/assert.js';
import { runCliProcess } from '../support/process.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('reporting flow: build, validate, store and queue the monthly reports', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let flow: (seatId: string) => PeppolReporting;
  const logged: string[] = [];

  before(async () => {
    db = await createTestDatabase({ prefix: 'reporting_flow' });
    const stores = buildStores(db.knex);
    const validation = inlineValidationRunner(await createValidator({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: SCHEMATRON_DIR }));
    const queue = queueWithoutDelivery(db.knex, { maxAttempts: 3, firstAttemptGraceMs: 0 });
    const logger = pino({ level: 'error' }, { write: (s: string) => void logged.push(s) });
    flow = (seatId) => new PeppolReporting({ store: stores.reporting, documents: stores.documents, validation, seatId, queue, logger });
  });
  after(() => db?.drop());

  it('queues a valid empty report for a month without traffic, from 0242:<seat digits> to OpenPeppol', async () => {
    const out = await flow('PBE000777').send('tsr', '2026-10', { actor: 'test', resend: false });
    assert.ok('sent' in out);
    assert.equal(out.sent.generation, 1);
    const doc = await db.knex('documents').where({ id: out.sent.documentId }).first();
    assert.deepEqual([doc.direction, doc.status, doc.sender_id, doc.receiver_id, doc.document_type, doc.document_kind], ['outbound', 'queued', '0242:000777', OPENPEPPOL_PARTICIPANT, TSR_DOCUMENT_TYPE, 'TransactionStatisticsReport']);
    assert.equal(doc.validation_report.valid, true);
    const job = await db.knex('jobs').where({ kind: 'outbound' }).first();
    assert.ok(job, 'its delivery job');
  });

  it('queues a period once, even for two runs at the same moment, until an operator resends it', async () => {
    const f = flow('PBE000777');
    const both = await Promise.all([f.send('eusr', '2026-10', { actor: 'a', resend: false }), f.send('eusr', '2026-10', { actor: 'b', resend: false })]);
    assert.deepEqual(both.map((o) => Object.keys(o)[0]).sort(), ['alreadySent', 'sent']);
    assert.ok('alreadySent' in (await f.send('eusr', '2026-10', { actor: 'c', resend: false })));
    const again = await f.send('eusr', '2026-10', { actor: 'operator', resend: true });
    assert.ok('sent' in again && again.sent.generation === 2);
    assert.equal(Number((await db.knex('documents').where({ receiver_id: OPENPEPPOL_PARTICIPANT }).count('* as n'))[0]!['n']), 3);
  });

  it('stores a report that fails its rules as invalid, sends nothing, and logs it for an operator', async () => {
    const before = Number((await db.knex('documents').count('* as n'))[0]!['n']);
    const out = await flow('NOT-A-SEAT').send('tsr', '2026-09', { actor: 'test', resend: false });
    assert.ok('invalid' in out);
    assert.equal(out.invalid.state, 'invalid');
    assert.equal(out.invalid.documentId, null);
    assert.equal(Number((await db.knex('documents').count('* as n'))[0]!['n']), before, 'no document queued');
    assert.ok(logged.some((l) => l.includes('SCH-TSR-18') && l.includes('was not sent')), logged.join('\n'));
    const listed = (await buildStores(db.knex).reporting.list()).find((r) => r.id === out.invalid.id)!;
    assert.ok(listed.fatalIssues > 0);
  });

  it('runs the monthly job of the month before on its day, and fails it when a report is invalid', async () => {
    const stores = buildStores(db.knex);
    const validation = inlineValidationRunner(await createValidator({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: SCHEMATRON_DIR }));
    const runner = new JobRunner(new PostgresJobStore(db.knex), { concurrency: 4, pollIntervalMs: 50, logger: pino({ level: 'silent' }) });
    const queue = queueWithoutDelivery(db.knex, { maxAttempts: 3, firstAttemptGraceMs: 0 });
    const now = new Date();
    const reporting = buildReporting({ mode: 'on', day: 1 }, { store: stores.reporting, documents: stores.documents, validation, seatId: 'BADSEAT', queue, runner, logger: pino({ level: 'silent' }) });
    await runner.start();
    try {
      await reporting.schedule();
      await reporting.schedule(); // a restart: nothing more
      const previous = monthOf(now, -1);
      const job = await until('the job of the month before', async () => {
        const j = await db.knex('jobs').where({ kind: PEPPOL_REPORTS_JOB, unique_key: previous }).first();
        return j && ['failed', 'done', 'dead'].includes(j.status) && j;
      });
      assert.equal(job.status, 'failed', 'an invalid report is a failure for an operator, not retried');
      const jobs = await db.knex('jobs').where({ kind: PEPPOL_REPORTS_JOB }).orderBy('unique_key').select('unique_key', 'status', 'run_at');
      assert.deepEqual(jobs.map((j) => j.unique_key), [previous, monthOf(now)], 'one job per period; the next month\'s waits for its day');
      assert.equal(new Date(jobs[1]!.run_at).getTime(), dueAt(monthOf(now), 1).getTime());
    } finally {
      await runner.stop(5000);
    }
  });

  it('gives an incoming item of unknown country the receiving tenant\'s once it is set', async () => {
    const stores = buildStores(db.knex);
    const [tenant] = await db.knex('tenants').insert({ name: 'Acme' }).returning('id');
    await db.knex('hosted_participants').insert({ identifier: '0208:0123456749', tenant_id: tenant.id });
    const [doc] = await db.knex('documents').insert({ direction: 'inbound', status: 'received', payload_sha256: 'a'.repeat(64), payload_size: 1 }).returning('id');
    await db.knex('reporting_items').insert({
      document_id: doc.id,
      exchanged_at: new Date('2026-08-10T10:00:00Z'),
      direction: 'incoming',
      our_seat: 'PBE000777',
      other_seat: 'PDE000001',
      document_type: 'urn:doc',
      process: 'urn:proc',
      transport_profile: 'peppol-transport-as4-v2_0',
      c1_country: 'DE',
      our_participant: '0208:0123456749',
      end_user: '0208:0123456749',
      counts_in_eusr: true,
    });
    const from = new Date('2026-08-01T00:00:00Z');
    const to = new Date('2026-09-01T00:00:00Z');
    assert.deepEqual(await stores.reporting.unknownReceiverCountries(from, to), [{ participant: '0208:0123456749', tenantId: tenant.id, exchanges: 1 }]);
    assert.equal((await stores.reporting.items(from, to))[0]!.c4Country, null);
    // The operator fixes it as the README says, with the command line.
    const set = await runCliProcess(['tenants', 'set-country', tenant.id, 'BE'], { DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
    assert.equal(set.code, 0, set.stderr);
    assert.equal((JSON.parse(set.stdout) as { countryCode: string }).countryCode, 'BE');
    assert.equal((await runCliProcess(['tenants', 'set-country', tenant.id, 'Belgium'], { DATABASE_URL: db.url, LOG_LEVEL: 'warn' })).code, 2);
    assert.deepEqual(await stores.reporting.unknownReceiverCountries(from, to), []);
    assert.equal((await stores.reporting.items(from, to))[0]!.c4Country, 'BE');
    const built = await flow('PBE000777').build('tsr', '2026-08');
    assert.equal(built.report.valid, true);
    assert.match(built.xml, /schemeID="SenderCountry">DE<\/Key>\s*<Key metaSchemeID="CC" schemeID="ReceiverCountry">BE</);
  });
});
