/**
 * The archive (src/pipeline/archiver.ts): an append-only log of every stored document, receipt,
 * validation report and timeline event in commit order, each entry chained to the one before by SHA-256, with signed
 * checkpoints; its copies of the original bytes; what retention has purged; legal holds.
 *
 * archive_entries and archive_checkpoints refuse UPDATE, DELETE and TRUNCATE (as document_events does):
 * retention removes bytes, never an entry, since the chain covers hashes, not the presence of bytes.
 * Entries have no foreign key to documents: they must outlive anything an operator deletes, so that the
 * deletion shows in `archive verify`.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE archive_entries (
      seq bigint PRIMARY KEY CHECK (seq > 0),
      kind text NOT NULL CHECK (kind IN ('document', 'receipt', 'report', 'event')),
      -- The document id (document, report), as4_messages.id (receipt) or document_events.id (event).
      ref text NOT NULL,
      document_id uuid NOT NULL,
      tenant_id uuid,
      content_sha256 char(64) NOT NULL,
      -- A copy of the bytes was kept in the archive store (false: a document stored without its payload).
      kept boolean NOT NULL,
      prev_hash char(64) NOT NULL,
      entry_hash char(64) NOT NULL,
      archived_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (kind, ref)
    );
    CREATE INDEX archive_entries_document_idx ON archive_entries (document_id, seq);
    CREATE INDEX archive_entries_archived_idx ON archive_entries (archived_at, seq);

    CREATE TABLE archive_checkpoints (
      seq bigint PRIMARY KEY REFERENCES archive_entries(seq),
      entry_hash char(64) NOT NULL,
      signed_at timestamptz NOT NULL,
      -- The signed text (src/archive/checkpoint.ts), its RSA-SHA256 signature by our AP key, and the AP certificate.
      statement text NOT NULL,
      signature text NOT NULL,
      certificate text NOT NULL
    );

    CREATE FUNCTION archive_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TRIGGER archive_entries_append_only BEFORE UPDATE OR DELETE ON archive_entries FOR EACH ROW EXECUTE FUNCTION archive_append_only();
    CREATE TRIGGER archive_entries_no_truncate BEFORE TRUNCATE ON archive_entries FOR EACH STATEMENT EXECUTE FUNCTION archive_append_only();
    CREATE TRIGGER archive_checkpoints_append_only BEFORE UPDATE OR DELETE ON archive_checkpoints FOR EACH ROW EXECUTE FUNCTION archive_append_only();
    CREATE TRIGGER archive_checkpoints_no_truncate BEFORE TRUNCATE ON archive_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION archive_append_only();

    -- How far the archiver has read document_events, in commit order (as webhook_fanout_cursor); one row.
    -- It starts at the beginning: documents stored before this migration enter the archive too.
    CREATE TABLE archive_cursor (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      xid xid8 NOT NULL,
      event_id bigint NOT NULL
    );
    INSERT INTO archive_cursor (xid, event_id) VALUES ('0'::xid8, 0);

    -- The archive's copies when it lives in Postgres (ARCHIVE_STORE=postgres): key document/<id>, receipt/<id>.
    CREATE TABLE archive_objects (
      key text PRIMARY KEY,
      content bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    -- LZ4 where the server has it, as for payloads (migration 20261128_0400).
    DO $lz4$ BEGIN ALTER TABLE archive_objects ALTER COLUMN content SET COMPRESSION lz4; EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN NULL; END $lz4$;

    -- One row per archived document: until when the archive keeps it, and what retention purged.
    CREATE TABLE document_retention (
      document_id uuid PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
      archive_until date NOT NULL,
      payload_purged_at timestamptz,
      archive_purged_at timestamptz
    );
    CREATE INDEX document_retention_payload_idx ON document_retention (document_id) WHERE payload_purged_at IS NULL;
    CREATE INDEX document_retention_archive_idx ON document_retention (archive_until) WHERE archive_purged_at IS NULL;

    -- A hold on a tenant or on one document stops every purge while it is not released.
    CREATE TABLE legal_holds (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id uuid REFERENCES tenants(id) ON DELETE CASCADE,
      document_id uuid REFERENCES documents(id) ON DELETE CASCADE,
      reason text NOT NULL,
      placed_by text NOT NULL,
      placed_at timestamptz NOT NULL DEFAULT now(),
      released_by text,
      released_at timestamptz,
      CHECK ((tenant_id IS NULL) <> (document_id IS NULL)),
      CHECK ((released_at IS NULL) = (released_by IS NULL))
    );
    CREATE INDEX legal_holds_active_tenant_idx ON legal_holds (tenant_id) WHERE released_at IS NULL;
    CREATE INDEX legal_holds_active_document_idx ON legal_holds (document_id) WHERE released_at IS NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE legal_holds;
    DROP TABLE document_retention;
    DROP TABLE archive_objects;
    DROP TABLE archive_cursor;
    DROP TABLE archive_checkpoints;
    DROP TABLE archive_entries;
    DROP FUNCTION archive_append_only();
  `);
}
