/**
 * AS4 message records, for both directions: one row per UserMessage received (inbound, we are C3) or sent
 * (outbound, we are C2), with the headers a support desk asks for (message and conversation ids, seats,
 * participants, SBDH instance id, C1 country), the signature references (NRR) and the receipt as evidence.
 *
 * Duplicate detection keys live in their own columns (dedup_message_id, dedup_instance_id), unique per
 * direction: a message's keys are set when it is stored and cleared once the duplicate-detection retention
 * has passed, while the record itself stays as evidence. Postgres treats NULLs as distinct, so cleared
 * keys never collide. A repeat of an SBDH InstanceIdentifier under a new MessageId is stored with its own
 * record, dedup_instance_id null and duplicate_of pointing at the first record.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('as4_messages', (t) => {
    t.bigIncrements('id').primary();
    t.text('direction').notNullable().checkIn(['outbound', 'inbound'], 'as4_messages_direction_check');
    t.text('message_id').notNullable();
    t.text('conversation_id');
    t.uuid('document_id').references('id').inTable('documents').onDelete('SET NULL');
    t.text('from_party_id'); // sending access point's seat id (C2)
    t.text('to_party_id'); // receiving access point's seat id (C3)
    t.text('original_sender'); // C1 participant, `ICD:value`
    t.text('final_recipient'); // C4 participant
    t.text('sbdh_instance_id');
    t.text('country_c1');
    t.text('service'); // process id
    t.text('action'); // busdox-docid-qns::<document type>
    t.jsonb('signature_references'); // NRR: the ds:References of the UserMessage signature
    t.text('receipt_message_id');
    t.binary('receipt'); // the signed receipt (SOAP envelope bytes) sent (inbound) or received (outbound)
    t.timestamp('receipt_at', { useTz: true });
    t.bigInteger('duplicate_of').references('id').inTable('as4_messages').onDelete('SET NULL');
    t.text('dedup_message_id');
    t.text('dedup_instance_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['direction', 'dedup_message_id'], { indexName: 'as4_messages_dedup_message_uq' });
    t.unique(['direction', 'dedup_instance_id'], { indexName: 'as4_messages_dedup_instance_uq' });
    t.index(['message_id'], 'as4_messages_message_id_idx');
    t.index(['document_id'], 'as4_messages_document_idx');
    t.index(['created_at'], 'as4_messages_created_idx');
  });
  // Business duplicate flag (Mercurius rejects these): the earlier document with the same supplier, buyer,
  // invoice number and issue date. The Invoice Response issue answers from it.
  await knex.schema.alterTable('documents', (t) => {
    t.uuid('duplicate_of').references('id').inTable('documents').onDelete('SET NULL');
  });
  // Inbound documents stored but not yet validated are picked up again at start-up.
  await knex.raw(
    "CREATE INDEX documents_inbound_received_idx ON documents (created_at) WHERE direction = 'inbound' AND status = 'received'",
  );
  // Inbox listing per hosted participant, oldest first, by cursor.
  await knex.raw(
    "CREATE INDEX documents_inbox_idx ON documents (lower(receiver_id), status, created_at, id) WHERE direction = 'inbound'",
  );
  // Business duplicates: same supplier, buyer, invoice number and issue date.
  await knex.raw(
    "CREATE INDEX documents_business_key_idx ON documents (sender_id, receiver_id, invoice_number, issue_date) WHERE direction = 'inbound'",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS documents_business_key_idx');
  await knex.raw('DROP INDEX IF EXISTS documents_inbox_idx');
  await knex.raw('DROP INDEX IF EXISTS documents_inbound_received_idx');
  await knex.schema.alterTable('documents', (t) => t.dropColumn('duplicate_of'));
  await knex.schema.dropTable('as4_messages');
}
