/**
 * Tenants (companies and public bodies), the participants they own, their API keys, the mandates one
 * tenant gives another (an accountant acting for its clients), and the append-only audit log of operator
 * and admin actions. A document belongs to one tenant: an outbound one to its sender's, an inbound one to
 * its receiver's (a document between two tenants hosted here is two rows, one each); null while its
 * participant belongs to no tenant, when only operators see it.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE tenants (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      -- Belgian enterprise number (KBO/BCE), ten digits, or another national company number.
      enterprise_number text,
      country_code char(2),
      -- Made by the sandbox: its documents are test documents.
      sandbox boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX tenants_enterprise_number_uq ON tenants (enterprise_number) WHERE enterprise_number IS NOT NULL;

    -- A participant belongs to at most one tenant (a hosted participant without one is the operators').
    ALTER TABLE hosted_participants ADD COLUMN tenant_id uuid REFERENCES tenants(id) ON DELETE RESTRICT;
    CREATE INDEX hosted_participants_tenant_idx ON hosted_participants (tenant_id);

    -- tenant_id null: an operator key (platform staff), which sees every tenant.
    CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id uuid REFERENCES tenants(id) ON DELETE CASCADE,
      name text NOT NULL,
      -- The key's public part, shown in lists (pap_<id>); the secret is kept only as a keyed hash.
      lookup_id text NOT NULL UNIQUE,
      secret_hash bytea NOT NULL,
      scopes text[] NOT NULL,
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      created_by text NOT NULL
    );
    CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id);

    -- grantor (a company) lets grantee (its accountant or software house) act for it within scopes.
    CREATE TABLE mandates (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      grantor_tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      grantee_tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      scopes text[] NOT NULL,
      valid_until timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      created_by text NOT NULL,
      CHECK (grantor_tenant_id <> grantee_tenant_id)
    );
    CREATE INDEX mandates_grantee_idx ON mandates (grantee_tenant_id) WHERE revoked_at IS NULL;
    CREATE INDEX mandates_grantor_idx ON mandates (grantor_tenant_id);

    ALTER TABLE documents ADD COLUMN tenant_id uuid REFERENCES tenants(id) ON DELETE RESTRICT;
    CREATE INDEX documents_tenant_created_idx ON documents (tenant_id, created_at DESC, id DESC);
    -- Every insert path (submission, AS4 reception, local delivery) gets the owner of its participant here,
    -- unless the statement names the tenant itself (a submission whose sender could not be read).
    CREATE FUNCTION documents_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.tenant_id IS NULL THEN
        SELECT p.tenant_id INTO NEW.tenant_id FROM hosted_participants p
        WHERE p.scheme = 'iso6523-actorid-upis'
          AND lower(p.identifier) = lower(CASE WHEN NEW.direction = 'outbound' THEN NEW.sender_id ELSE NEW.receiver_id END);
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER documents_tenant BEFORE INSERT ON documents FOR EACH ROW EXECUTE FUNCTION documents_tenant();

    -- Business duplicates of submissions: one row per (supplier, buyer, kind, number, issue date) sent, so
    -- that of two concurrent submissions of the same invoice only one is queued (src/store/deliveries.ts).
    CREATE TABLE business_keys (
      key text PRIMARY KEY,
      document_id uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE
    );

    -- Who did what, when, for which tenant, from where: operator and admin actions. Append-only.
    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL,
      actor_tenant_id uuid,
      on_behalf_of_tenant_id uuid,
      action text NOT NULL,
      target text,
      remote_address text,
      details jsonb
    );
    CREATE INDEX audit_log_tenant_idx ON audit_log (on_behalf_of_tenant_id, id);
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

    -- Idempotency keys belong to the caller's tenant ('' for operators), so two tenants never collide.
    ALTER TABLE idempotency_keys ADD COLUMN owner text NOT NULL DEFAULT '';
    ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
    ALTER TABLE idempotency_keys ADD PRIMARY KEY (owner, key);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DELETE FROM idempotency_keys WHERE owner <> '';
    ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
    ALTER TABLE idempotency_keys DROP COLUMN owner;
    ALTER TABLE idempotency_keys ADD PRIMARY KEY (key);
    DROP TABLE business_keys;
    DROP TRIGGER documents_tenant ON documents;
    DROP FUNCTION documents_tenant();
    DROP TABLE audit_log;
    DROP FUNCTION audit_log_append_only();
    ALTER TABLE documents DROP COLUMN tenant_id;
    DROP TABLE mandates;
    DROP TABLE api_keys;
    ALTER TABLE hosted_participants DROP COLUMN tenant_id;
    DROP TABLE tenants;
  `);
}
