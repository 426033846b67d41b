/**
 * What the SMP publishes per hosted participant: the document types it accepts, in which process, and
 * where (by default this access point's own AS4 endpoint and certificate). One participant may have
 * several endpoints for the same document type and process, told apart by their activation and
 * expiration dates (certificate or URL roll-over).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('participant_capabilities', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('participant_id').notNullable().references('id').inTable('hosted_participants').onDelete('CASCADE');
    t.text('document_type_scheme').notNullable().defaultTo('busdox-docid-qns');
    t.text('document_type').notNullable(); // case-sensitive value
    t.text('process_scheme').notNullable().defaultTo('cenbii-procid-ubl');
    t.text('process').notNullable();
    t.text('transport_profile').notNullable().defaultTo('peppol-transport-as4-v2_0');
    t.text('endpoint_url'); // null: this access point's AS4 endpoint
    t.text('certificate_pem'); // null: this access point's certificate
    t.timestamp('service_activation_date', { useTz: true });
    t.timestamp('service_expiration_date', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['participant_id', 'document_type'], 'participant_capabilities_lookup_idx');
  });
  await knex.raw(`
    CREATE UNIQUE INDEX participant_capabilities_uq ON participant_capabilities (
      participant_id, document_type_scheme, document_type, process_scheme, process, transport_profile,
      coalesce(endpoint_url, ''), coalesce(service_activation_date, '-infinity'::timestamptz))
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('participant_capabilities');
}
