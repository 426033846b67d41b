/**
 * The operator console (src/console/):
 * - console_users: people who sign in to the console with a name and a password (scrypt hash, never the
 *   password), each bound to the operator role or to one tenant's admin; created by `peppol-ap console-users`;
 * - console_sessions: signed-in sessions, found by the SHA-256 of the cookie's token (the token itself is
 *   never stored), with their CSRF token and the time of their last request (the idle time-out);
 * - indexes for the support keys the console searches by (invoice number, AS4 and SBDH identifiers).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE console_users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      password_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('operator', 'tenant-admin')),
      tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      disabled_at timestamptz,
      CHECK ((role = 'operator') = (tenant_id IS NULL))
    );
    CREATE UNIQUE INDEX console_users_name_uq ON console_users (lower(name));
    CREATE TABLE console_sessions (
      token_sha256 bytea PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX console_sessions_last_seen_idx ON console_sessions (last_seen_at);
    CREATE INDEX documents_invoice_number_idx ON documents (invoice_number, created_at DESC) WHERE invoice_number IS NOT NULL;
    CREATE INDEX as4_messages_conversation_idx ON as4_messages (conversation_id);
    CREATE INDEX as4_messages_sbdh_instance_idx ON as4_messages (sbdh_instance_id);
    CREATE INDEX outbound_deliveries_message_idx ON outbound_deliveries (as4_message_id);
    CREATE INDEX outbound_deliveries_conversation_idx ON outbound_deliveries (conversation_id);
    CREATE INDEX outbound_deliveries_sbdh_instance_idx ON outbound_deliveries (sbdh_instance_id);
    CREATE INDEX outbound_deliveries_seat_idx ON outbound_deliveries (receiver_seat_id);
    CREATE INDEX as4_messages_from_party_idx ON as4_messages (from_party_id);
    CREATE INDEX as4_messages_to_party_idx ON as4_messages (to_party_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX as4_messages_to_party_idx, as4_messages_from_party_idx, outbound_deliveries_seat_idx, outbound_deliveries_sbdh_instance_idx, outbound_deliveries_conversation_idx, outbound_deliveries_message_idx,
      as4_messages_sbdh_instance_idx, as4_messages_conversation_idx, documents_invoice_number_idx;
    DROP TABLE console_sessions;
    DROP TABLE console_users;
  `);
}
