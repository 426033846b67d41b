/**
 * Outbound delivery moves onto the job runner: each outbound document's schedule is its `outbound` job
 * (unique key: the document id). `outbound_deliveries` keeps the delivery evidence (ids fixed once,
 * attempts, endpoint, last error, receipt time) and loses next_attempt_at and lease_until. Deliveries
 * still in progress get their job, due as they were; those of documents queued before this migration keep
 * the default of ten attempts.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    INSERT INTO jobs (kind, payload, unique_key, status, attempts, max_attempts, run_at, last_error_kind, last_error_message)
    SELECT 'outbound', jsonb_build_object('documentId', d.document_id), d.document_id::text, 'queued', d.attempts,
      greatest(10, d.attempts + 1), coalesce(d.next_attempt_at, now()),
      CASE WHEN doc.status = 'sending' THEN 'interrupted' ELSE d.last_error_kind END,
      CASE WHEN doc.status = 'sending' THEN 'the access point was upgraded while sending' ELSE d.last_error END
    FROM outbound_deliveries d JOIN documents doc ON doc.id = d.document_id
    WHERE doc.status IN ('queued', 'retrying', 'sending')`);
  await knex.raw('DROP INDEX outbound_deliveries_due_idx');
  await knex.raw('DROP INDEX outbound_deliveries_lease_idx');
  await knex.schema.alterTable('outbound_deliveries', (t) => {
    t.dropColumn('next_attempt_at');
    t.dropColumn('lease_until');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbound_deliveries', (t) => {
    t.timestamp('next_attempt_at', { useTz: true });
    t.timestamp('lease_until', { useTz: true });
  });
  await knex.raw(`
    UPDATE outbound_deliveries d SET next_attempt_at = j.run_at
    FROM jobs j WHERE j.kind = 'outbound' AND j.unique_key = d.document_id::text AND j.status IN ('queued', 'running')`);
  await knex.raw('CREATE INDEX outbound_deliveries_due_idx ON outbound_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL');
  await knex.raw('CREATE INDEX outbound_deliveries_lease_idx ON outbound_deliveries (lease_until) WHERE lease_until IS NOT NULL');
  await knex('jobs').where({ kind: 'outbound' }).delete();
}
