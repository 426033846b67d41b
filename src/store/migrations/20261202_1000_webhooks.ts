/**
 * Webhooks and the event feed, both read from document_events (the outbox: every status change appends
 * its event in the transaction that makes it).
 *
 * Commit order: ids are taken when a row is inserted, not when its transaction commits, so a reader that
 * pages by id can step past an event whose transaction commits later with a smaller id. Each event now
 * records its transaction id (`xid`); readers page by (xid, id) and read only events whose transaction is
 * older than the oldest one still running (pg_snapshot_xmin), all of which have ended: nothing can later
 * appear behind the cursor. Events written before this migration have no xid and sort first.
 *
 * Endpoint secrets are kept as they are (`whsec_…`): signing needs them, a hash would not do. Whoever
 * reads the table can sign as us to the tenants' endpoints, as whoever reads the API key hash key file
 * could; keep the database as secret as that file.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Added without a default first, so that existing rows stay null rather than all getting this migration's xid.
    ALTER TABLE document_events ADD COLUMN xid xid8;
    ALTER TABLE document_events ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
    CREATE INDEX document_events_commit_order_idx ON document_events ((COALESCE(xid, '0'::xid8)), id);

    CREATE TABLE webhook_endpoints (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      url text NOT NULL,
      event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
      secret text NOT NULL,
      -- The secret before the last rotation, still signed with until previous_secret_until.
      previous_secret text,
      previous_secret_until timestamptz,
      disabled_at timestamptz,
      disabled_reason text,
      deleted_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      created_by text NOT NULL,
      CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL)),
      CHECK ((disabled_at IS NULL) = (disabled_reason IS NULL))
    );
    CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id) WHERE deleted_at IS NULL;

    -- One message to one endpoint: webhook_id is the Standard Webhooks message id, the same in every
    -- attempt and in a replay of the same event. event_id null: a test call.
    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
      event_id bigint REFERENCES document_events(id) ON DELETE CASCADE,
      webhook_id text NOT NULL,
      event_type text NOT NULL,
      -- The JSON body, as text: every attempt sends (and signs) the same bytes.
      body text NOT NULL,
      replay boolean NOT NULL DEFAULT false,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    -- The fan-out makes one delivery per event and endpoint, even when it runs again over the same events.
    CREATE UNIQUE INDEX webhook_deliveries_fanout_uq ON webhook_deliveries (endpoint_id, event_id) WHERE NOT replay AND event_id IS NOT NULL;
    CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC);
    CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (id) WHERE status = 'pending';

    CREATE TABLE webhook_attempts (
      id bigserial PRIMARY KEY,
      delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
      at timestamptz NOT NULL DEFAULT now(),
      http_status integer,
      latency_ms integer NOT NULL,
      error text
    );
    CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

    -- How far the fan-out has read document_events, in commit order; one row.
    CREATE TABLE webhook_fanout_cursor (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      xid xid8 NOT NULL,
      event_id bigint NOT NULL
    );
    -- Starts after the events that exist now: no webhook endpoint could have subscribed to them.
    INSERT INTO webhook_fanout_cursor (xid, event_id)
      SELECT COALESCE(max(xid), '0'::xid8), COALESCE(max(id), 0) FROM document_events;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE webhook_fanout_cursor;
    DROP TABLE webhook_attempts;
    DROP TABLE webhook_deliveries;
    DROP TABLE webhook_endpoints;
    DROP INDEX document_events_commit_order_idx;
    ALTER TABLE document_events DROP COLUMN xid;
  `);
}
