/**
 * First schema: documents with their raw payload, an append-only event timeline per document, and the
 * participants hosted on this access point. Later migrations (SMP capabilities, AS4 message records...)
 * add their own files beside this one; the loader runs every file of this folder in name order.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('documents', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('direction').notNullable().checkIn(['outbound', 'inbound'], 'documents_direction_check');
    // Participant identifiers as `ICD:value` in scheme iso6523-actorid-upis; null when the document
    // was rejected before they could be read.
    t.text('sender_id');
    t.text('receiver_id');
    t.text('document_kind'); // Invoice | CreditNote | null when unrecognised
    t.text('document_type'); // busdox-docid-qns document type identifier
    t.text('process'); // cenbii-procid-ubl process identifier
    t.text('invoice_number');
    t.date('issue_date');
    t.text('status').notNullable();
    t.specificType('payload_sha256', 'char(64)').notNullable();
    t.integer('payload_size').notNullable();
    t.jsonb('validation_report');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['status', 'created_at'], 'documents_status_created_idx');
    t.index(['receiver_id', 'status'], 'documents_receiver_status_idx');
    t.index(['sender_id', 'invoice_number'], 'documents_sender_invoice_idx');
  });

  // Raw bytes, apart from the metadata row so that listing documents never drags payloads along and so
  // that an object store can replace this table behind the PayloadStore interface.
  await knex.schema.createTable('payloads', (t) => {
    t.uuid('document_id').primary().references('id').inTable('documents').onDelete('CASCADE');
    t.binary('content').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('document_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('document_id').notNullable().references('id').inTable('documents').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('type').notNullable(); // e.g. status, duplicate, note
    t.text('from_status');
    t.text('to_status');
    t.text('reason');
    t.text('actor').notNullable(); // api, as4, job:<name>, operator:<who>, system
    t.jsonb('details');
    t.index(['document_id', 'id'], 'document_events_document_idx');
  });

  // Append-only: an event row can never be changed, and it disappears only together with its document
  // (retention deletes the document; the cascade then removes its timeline).
  await knex.raw(`
    CREATE FUNCTION document_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM documents WHERE id = OLD.document_id) THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'document_events is append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TRIGGER document_events_append_only BEFORE UPDATE OR DELETE ON document_events
      FOR EACH ROW EXECUTE FUNCTION document_events_append_only();
    CREATE FUNCTION document_events_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'document_events is append-only (TRUNCATE refused)' USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TRIGGER document_events_no_truncate BEFORE TRUNCATE ON document_events
      FOR EACH STATEMENT EXECUTE FUNCTION document_events_no_truncate();
  `);

  await knex.schema.createTable('hosted_participants', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('scheme').notNullable().defaultTo('iso6523-actorid-upis');
    t.text('identifier').notNullable(); // `ICD:value`, e.g. 0208:0123456789
    t.text('name');
    t.specificType('country_code', 'char(2)');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // Participant identifier values are case-insensitive (Peppol Policy for use of Identifiers).
  await knex.raw(
    'CREATE UNIQUE INDEX hosted_participants_identifier_uq ON hosted_participants (scheme, lower(identifier))',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('hosted_participants');
  await knex.schema.dropTable('document_events');
  await knex.raw('DROP FUNCTION document_events_append_only(); DROP FUNCTION document_events_no_truncate();');
  await knex.schema.dropTable('payloads');
  await knex.schema.dropTable('documents');
}
