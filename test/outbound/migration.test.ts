/**
 * Migration 20261202_0700_outbound_jobs on a database with deliveries in progress: each gets its job, due
 * as it was, and a document left in sending comes back as an interrupted attempt.
 */
import assert from 'node:assert/strict';
import { migrationConfig, migrateLatest } from '../../src/store/migrator.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('moving outbound deliveries onto jobs (migration)', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  after(() => db?.drop());

  it('gives every delivery in progress its job, and none to final ones', async () => {
    while (!(await db.knex.schema.hasTable('outbound_deliveries')) || !(await db.knex('knex_migrations').where({ name: '20261202_0500_status_check' }).first())) {
      await db.knex.migrate.up(migrationConfig);
    }
    const due = new Date(Date.now() + 60_000);
    const docs: Record<string, string> = {};
    for (const [status, attempts] of [['queued', 0], ['retrying', 2], ['sending', 3], ['delivered', 1]] as const) {
      const [d] = await db.knex('documents').insert({ direction: 'outbound', status, payload_sha256: 'a'.repeat(64), payload_size: 1 }).returning('id');
      docs[status] = d.id;
      await db.knex('outbound_deliveries').insert({
        document_id: d.id, attempts, next_attempt_at: status === 'sending' || status === 'delivered' ? null : due, as4_message_id: `${status}@test`,
        last_error_kind: status === 'retrying' ? 'as4.transport-failed' : null, last_error: status === 'retrying' ? 'refused' : null,
      });
    }
    await migrateLatest(db.knex);
    const jobs = await db.knex('jobs').orderBy('id');
    assert.deepEqual(
      jobs.map((j) => [j.unique_key, j.kind, j.payload.documentId, j.status, j.attempts, j.max_attempts, j.last_error_kind]),
      [
        [docs['queued'], 'outbound', docs['queued'], 'queued', 0, 10, null],
        [docs['retrying'], 'outbound', docs['retrying'], 'queued', 2, 10, 'as4.transport-failed'],
        [docs['sending'], 'outbound', docs['sending'], 'queued', 3, 10, 'interrupted'],
      ],
    );
    assert.equal(jobs[1].run_at.getTime(), due.getTime());
    assert.ok(!(await db.knex.schema.hasColumn('outbound_deliveries', 'next_attempt_at')));
  });
});
