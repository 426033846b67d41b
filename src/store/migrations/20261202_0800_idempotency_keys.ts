/**
 * Idempotency keys of `POST /api/v1/documents` (src/store/idempotency-keys.ts): a key is claimed before
 * the submission and completed with its response after. Keys are global while the API has no credentials;
 * a tenant column will join `key` in the primary key when it has.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE idempotency_keys (
      key text PRIMARY KEY,
      request_sha256 bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      claim_token uuid NOT NULL DEFAULT gen_random_uuid(),
      claimed_at timestamptz NOT NULL DEFAULT now(),
      response_status smallint,
      response_body text,
      document_id uuid,
      completed_at timestamptz,
      -- A completed key has its whole response (src/store/idempotency-keys.ts reads it without null checks).
      CHECK ((response_status IS NULL) = (response_body IS NULL) AND (response_body IS NULL) = (document_id IS NULL))
    )`);
  await knex.raw('CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('idempotency_keys');
}
