/**
 * Large payloads (src/pipeline/inbound-large.ts) are stored as ordered chunks, each written while the
 * document is read from its spool file, in the transaction that commits the document and its receipt: no
 * statement ever carries the whole document. A document has its bytes either in `payloads` or here.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE payload_chunks (
      document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
      seq integer NOT NULL CHECK (seq >= 0),
      content bytea NOT NULL,
      PRIMARY KEY (document_id, seq)
    );
    DO $$ BEGIN ALTER TABLE payload_chunks ALTER COLUMN content SET COMPRESSION lz4; EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN NULL; END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE payload_chunks');
}
