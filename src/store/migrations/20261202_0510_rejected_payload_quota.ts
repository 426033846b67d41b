/**
 * Bytes of rejected API submissions whose payload was kept, per UTC day: the counter behind
 * ANONYMOUS_REJECTED_BYTES_PER_DAY (src/pipeline/submit.ts). One row per day, added to in one statement,
 * so that processes sharing the database share the quota.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rejected_payload_days', (t) => {
    t.date('day').primary();
    t.bigInteger('bytes').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rejected_payload_days');
}
