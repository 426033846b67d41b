/**
 * The durable job queue of src/jobs/runner.ts: one row per job (an outbound delivery, later a webhook
 * call, an e-mail, a business response, a monthly report). A job is `queued` until `run_at`, `running`
 * while a runner holds its lease (`leased_by` until `lease_until`), and ends `done`, `failed` (permanent
 * error, or no attempts left) or `dead` (internal error, or interrupted on its last attempt). `unique_key`
 * makes enqueueing idempotent: one job per kind and key (outbound: per document).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE jobs (
      id bigserial PRIMARY KEY,
      kind text NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}'::jsonb,
      unique_key text,
      status text NOT NULL DEFAULT 'queued' CONSTRAINT jobs_status_check CHECK (status IN ('queued', 'running', 'done', 'failed', 'dead')),
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      max_attempts integer NOT NULL CHECK (max_attempts >= 1),
      run_at timestamptz NOT NULL DEFAULT now(),
      lease_until timestamptz,
      leased_by text,
      last_error_kind text,
      last_error_message text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT jobs_lease_check CHECK ((status = 'running') = (lease_until IS NOT NULL AND leased_by IS NOT NULL))
    ) WITH (fillfactor = 80)`);
  // The runner's claim: due jobs of a kind, oldest first. Recovery: the running jobs (a few per runner), by
  // holder; lease_until is in no index, so extending a lease is a HOT update (fillfactor leaves it room).
  await knex.raw(`CREATE INDEX jobs_due_idx ON jobs (kind, run_at) WHERE status = 'queued'`);
  await knex.raw(`CREATE INDEX jobs_running_idx ON jobs (leased_by) WHERE status = 'running'`);
  await knex.raw(`CREATE UNIQUE INDEX jobs_unique_key_uq ON jobs (kind, unique_key) WHERE unique_key IS NOT NULL`);

}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('jobs');
}
