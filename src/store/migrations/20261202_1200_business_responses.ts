/**
 * Business responses (Invoice Response, BIS 63) and Message Level Status (MLS 1.0):
 * - documents gain the outbound status `response-undeliverable` (src/core/state-machine.ts), the business
 *   status of an invoice (src/core/business-status.ts) and the MLS code of its exchange (for an outbound
 *   document the MLS received from C3, for an inbound one the MLS sent to C2);
 * - business_responses links each response document to the document it answers (null: it names nothing
 *   of ours; kept and flagged), at most one MLS per business document;
 * - as4_messages keep the SBDH's MLS_TO and MLS_TYPE of a received message, which say where its MLS goes.
 */
import type { Knex } from 'knex';

const OUTBOUND = ['queued', 'rejected', 'sending', 'retrying', 'delivered', 'failed', 'undeliverable', 'response-undeliverable'];
const OUTBOUND_BEFORE = ['queued', 'rejected', 'sending', 'retrying', 'delivered', 'failed', 'undeliverable'];
const INBOUND = ['received', 'available', 'rejected', 'acknowledged'];
const list = (statuses: string[]) => statuses.map((s) => `'${s}'`).join(', ');
const statusCheck = (outbound: string[]) => `ALTER TABLE documents ADD CONSTRAINT documents_status_check CHECK (
  (direction = 'outbound' AND status IN (${list(outbound)})) OR (direction = 'inbound' AND status IN (${list(INBOUND)})))`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE documents DROP CONSTRAINT documents_status_check; ${statusCheck(OUTBOUND)}`);
  await knex.raw(`
    ALTER TABLE documents
      ADD COLUMN business_status text CHECK (business_status IN ('received', 'processed', 'rejected', 'paid')),
      ADD COLUMN business_status_at timestamptz,
      ADD COLUMN mls_code text CHECK (mls_code IN ('AP', 'AB', 'RE'));
    ALTER TABLE as4_messages ADD COLUMN mls_to text, ADD COLUMN mls_type text;
    CREATE TABLE business_responses (
      response_document_id uuid PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('invoice-response', 'mls')),
      answers_document_id uuid REFERENCES documents (id) ON DELETE SET NULL,
      response_code text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX business_responses_answers ON business_responses (answers_document_id, created_at);
    CREATE UNIQUE INDEX business_responses_one_mls ON business_responses (answers_document_id) WHERE kind = 'mls';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE business_responses;
    ALTER TABLE as4_messages DROP COLUMN mls_to, DROP COLUMN mls_type;
    ALTER TABLE documents DROP COLUMN business_status, DROP COLUMN business_status_at, DROP COLUMN mls_code;
    ALTER TABLE documents DROP CONSTRAINT documents_status_check; ${statusCheck(OUTBOUND_BEFORE)}`);
}
