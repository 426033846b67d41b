/**
 * Outbound delivery tracking. One `outbound_deliveries` row per outbound document that was queued: the
 * identifiers kept stable across attempts (AS4 MessageId, SBDH InstanceIdentifier: a retry after a lost
 * receipt is then a duplicate the receiver recognises), the retry schedule (this row is the queue: due
 * rows are those whose next_attempt_at has passed), the lease of an attempt in progress and the last error.
 * The receipt (delivery evidence) goes to the AS4 message record (as4_messages, direction outbound).
 * `delivery_attempts` keeps one row per attempt for the timeline and for support.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('outbound_deliveries', (t) => {
    t.uuid('document_id').primary().references('id').inTable('documents').onDelete('CASCADE');
    t.integer('attempts').notNullable().defaultTo(0);
    // When the next attempt is due; null while an attempt runs and once the delivery is final.
    t.timestamp('next_attempt_at', { useTz: true });
    // While an attempt runs: after this time the attempt counts as interrupted and is picked up again.
    t.timestamp('lease_until', { useTz: true });
    t.text('as4_message_id');
    t.text('conversation_id');
    t.text('sbdh_instance_id');
    t.specificType('country_c1', 'char(2)');
    t.text('endpoint_url');
    t.text('receiver_seat_id');
    t.text('last_error_kind');
    t.text('last_error');
    t.timestamp('delivered_at', { useTz: true });
    t.uuid('local_document_id'); // delivered to a participant hosted here: the inbound document created
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX outbound_deliveries_due_idx ON outbound_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL');
  await knex.raw('CREATE INDEX outbound_deliveries_lease_idx ON outbound_deliveries (lease_until) WHERE lease_until IS NOT NULL');
  await knex.raw('CREATE UNIQUE INDEX outbound_deliveries_message_id_uq ON outbound_deliveries (as4_message_id)');

  await knex.schema.createTable('delivery_attempts', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('document_id').notNullable().references('id').inTable('documents').onDelete('CASCADE');
    t.integer('attempt').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // delivered | transient | permanent | deferred (circuit open) | interrupted (crash, restart)
    t.text('outcome').notNullable();
    t.text('endpoint_url');
    t.integer('http_status');
    t.text('error_kind');
    t.text('error');
    t.index(['document_id', 'id'], 'delivery_attempts_document_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('delivery_attempts');
  await knex.schema.dropTable('outbound_deliveries');
}
