/**
 * Retention over a simulated clock: a transit payload goes after RETENTION_PAYLOAD_DAYS once archived and
 * final, the archive's copies on 1 January of the invoice year + 11, a legal hold (on the document or its
 * tenant) stops both, each purge is an event of the timeline, and the chain still verifies. The purge runs
 * as the `archive-retention` job of the runner.
 */
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { archiveUntil } from '../../src/archive/retention.js';
import { buildArchiveWork, buildArchive } from '../../src/composition/archive.js';
import { Closers } from '../../src/composition/index.js';
import { loadConfig } from '../../src/config/index.js';
import { RETENTION_JOB } from '../../src/jobs/archive-jobs.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { PostgresJobStore } from '../../src/store/jobs.js';
import { archiveAll, fileAndAcknowledge, OTHER_BUYER, receive, startArchiveEnv, submit, type ArchiveEnv } from './support.js';

const DAY = 86_400_000;

describe('archive: retention over a simulated clock', function () {
  this.timeout(120_000);
  let env: ArchiveEnv;
  before(async () => {
    env = await startArchiveEnv({ prefix: 'ap_archive_retention' });
  });
  after(() => env?.close());

  it('counts ten years from 1 January after the invoice date', () => {
    assert.equal(archiveUntil('2026-11-28', new Date(), 10), '2037-01-01');
    assert.equal(archiveUntil('2026-01-01', new Date(), 10), '2037-01-01');
    assert.equal(archiveUntil('2025-12-31', new Date(), 10), '2036-01-01');
    assert.equal(archiveUntil(null, new Date('2027-03-04T10:00:00Z'), 10), '2038-01-01');
  });

  it('purges a payload after the period, keeps it under a legal hold, keeps the archive until its date, and the chain still verifies', async () => {
    const { service, retention } = env.archive;
    const start = new Date();
    const purged = await receive(env); // final, no hold: purged
    const held = await receive(env); // final, document hold
    const tenantHeld = await receive(env, OTHER_BUYER); // final, its tenant on hold
    const open = await receive(env); // not final: never purged by the payload rule
    for (const id of [purged, held, tenantHeld]) await fileAndAcknowledge(env, id);
    const queued = await submit(env);
    await assert.rejects(service.placeHold('test', { tenantId: '00000000-0000-4000-8000-000000000000' }, 'x'), /No tenant/);
    await assert.rejects(service.placeHold('test', { documentId: 'not-a-uuid' }, 'x'), /No document/);
    await assert.rejects(service.placeHold('test', { documentId: held }, ' '), /needs a reason/);
    const documentHold = await service.placeHold('test', { documentId: held }, 'dispute with the buyer');
    const otherTenant = (await env.db.knex('documents').where({ id: tenantHeld }).first()).tenant_id;
    await service.placeHold('test', { tenantId: otherTenant }, 'court order');
    await archiveAll(env);
    const payloadOf = async (id: string) => env.payloadStores.payloads.get(id);
    const copyOf = async (id: string) => env.payloadStores.archive.get(`document/${id}`);
    const eventsOf = async (id: string) => (await env.stores.documents.events(id)).map((e) => e.type);

    assert.deepEqual(await retention.purge(new Date(start.getTime() + 89 * DAY)), { payloads: 0, archives: 0 });
    assert.deepEqual(await retention.purge(new Date(start.getTime() + 91 * DAY)), { payloads: 1, archives: 0 });
    assert.equal(await payloadOf(purged), null);
    assert.equal(await env.stores.documents.payload(purged), null, 'the documents API has no payload any more');
    assert.ok(await copyOf(purged), 'the archive keeps its copy');
    for (const id of [held, tenantHeld, open, queued]) assert.ok(await payloadOf(id), `payload of ${id} kept`);
    assert.ok((await eventsOf(purged)).includes('payload-purged'));
    const doc = await env.stores.documents.get(purged);
    assert.equal(doc!.status, 'acknowledged', 'metadata stays');
    assert.ok((await env.stores.messages.forDocument(purged))[0]!.receipt, 'evidence stays');

    await archiveAll(env);
    let verified = await service.verify();
    assert.equal(verified.ok, true, JSON.stringify(verified.firstProblem));
    assert.ok(await env.db.knex('archive_entries').where({ kind: 'event', document_id: purged }).whereIn('ref', env.db.knex('document_events').select(env.db.knex.raw('id::text')).where({ type: 'payload-purged' })).first(), 'the purge event is in the chain');

    // The archive: kept on the last day of the tenth year after the invoice year, eligible on 1 January.
    assert.deepEqual(await retention.purge(new Date('2036-12-31T23:59:59Z')), { payloads: 0, archives: 0 });
    const r = await retention.purge(new Date('2037-01-01T00:00:00Z'));
    assert.equal(r.archives, 3, 'the purged one, the open one and the queued one; the two held stay');
    assert.equal(await copyOf(purged), null);
    assert.equal(await env.payloadStores.archive.get(`receipt/${(await env.stores.messages.forDocument(purged))[0]!.id}`), null);
    assert.ok(await copyOf(held));
    assert.ok(await copyOf(tenantHeld));
    assert.ok(await payloadOf(held), 'a held payload outlives even the archive period');
    assert.ok((await eventsOf(purged)).includes('archive-purged'));
    assert.equal(await payloadOf(open), null, 'an archive purge takes the transit payload too');

    await service.releaseHold('test', documentHold.id);
    assert.deepEqual(await retention.purge(new Date('2037-01-02T00:00:00Z')), { payloads: 1, archives: 1 });
    assert.equal(await copyOf(held), null);
    assert.ok(await copyOf(tenantHeld), 'the tenant hold still holds');
    assert.deepEqual((await service.holds(true)).map((h) => h.reason), ['court order']);

    await archiveAll(env);
    verified = await service.verify();
    assert.equal(verified.ok, true, JSON.stringify(verified.firstProblem));
    assert.equal(verified.purged, 4, 'purged after their date: absent bytes, hashes still chained');

    // Bytes gone without a purge at the end of the period are a problem.
    await env.db.knex('archive_objects').where({ key: `document/${tenantHeld}` }).delete();
    verified = await service.verify();
    assert.equal(verified.firstProblem!.ref, tenantHeld);
    assert.match(verified.firstProblem!.problem, /missing, and no purge after its retention period explains it/);
  });

  it('runs as the archive-retention job of the runner, one job per interval slot', async () => {
    const logger = pino({ level: 'silent' });
    const closers = new Closers(logger);
    const runner = new JobRunner(new PostgresJobStore(env.db.knex), { concurrency: 4, pollIntervalMs: 50, logger });
    const config = loadConfig({ RETENTION_INTERVAL_MINUTES: '60' });
    const archive = buildArchive(config, { knex: env.db.knex, stores: env.payloadStores, signer: null });
    const work = buildArchiveWork(config.retention, { archive, runner, pollIntervalMs: 50, logger }, closers);
    await runner.start();
    closers.push('runner', (ms) => runner.stop(ms));
    await work.start();
    await work.start(); // a second start (another process) adds no second job for the slot
    const deadline = Date.now() + 10_000;
    let jobs: Array<{ status: string; run_at: Date }> = [];
    while (Date.now() < deadline) {
      jobs = await env.db.knex('jobs').where({ kind: RETENTION_JOB }).orderBy('run_at');
      if (jobs.some((j) => j.status === 'done')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await closers.closeAll(Date.now() + 5_000);
    assert.deepEqual(jobs.map((j) => j.status), ['done', 'queued']);
    assert.equal(jobs[1]!.run_at.getTime() - jobs[0]!.run_at.getTime(), 3_600_000, 'the next slot is queued');
  });
});
