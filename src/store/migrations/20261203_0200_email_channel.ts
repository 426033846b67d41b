/**
 * The e-mail channel (README "E-mail channel"):
 * - documents gain the outbound statuses `emailing` and `delivered-by-email` (src/core/state-machine.ts);
 * - email_tenant_settings: a tenant's language, its outbound fallback, and the e-mail notifications it
 *   subscribed to;
 * - email_submission_options: the fallback and buyer address given with one submission (overriding the
 *   tenant's setting), kept only for submissions that give them;
 * - email_pickup_settings: a hosted participant's pick-up delay and functional address.
 */
import type { Knex } from 'knex';

const OUTBOUND_BEFORE = ['queued', 'rejected', 'sending', 'retrying', 'delivered', 'failed', 'undeliverable', 'response-undeliverable'];
const OUTBOUND = [...OUTBOUND_BEFORE, 'emailing', 'delivered-by-email'];
const INBOUND = ['received', 'available', 'rejected', 'acknowledged'];
const list = (statuses: string[]) => statuses.map((s) => `'${s}'`).join(', ');
const statusCheck = (outbound: string[]) => `ALTER TABLE documents DROP CONSTRAINT documents_status_check;
  ALTER TABLE documents ADD CONSTRAINT documents_status_check CHECK (
  (direction = 'outbound' AND status IN (${list(outbound)})) OR (direction = 'inbound' AND status IN (${list(INBOUND)})))`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(statusCheck(OUTBOUND));
  await knex.raw(`
    CREATE TABLE email_tenant_settings (
      tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
      language text NOT NULL DEFAULT 'en' CHECK (language IN ('nl', 'fr', 'en')),
      fallback text NOT NULL DEFAULT 'off' CHECK (fallback IN ('off', 'always', 'on_peppol_failure')),
      notification_address text,
      notification_events text[] NOT NULL DEFAULT '{}',
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (notification_address IS NOT NULL OR cardinality(notification_events) = 0)
    );
    CREATE TABLE email_submission_options (
      document_id uuid PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
      fallback text NOT NULL CHECK (fallback IN ('off', 'always', 'on_peppol_failure')),
      address text
    );
    CREATE TABLE email_pickup_settings (
      participant text PRIMARY KEY,
      delay_seconds integer NOT NULL CHECK (delay_seconds BETWEEN 1 AND 432000),
      functional_address text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP TABLE email_pickup_settings; DROP TABLE email_submission_options; DROP TABLE email_tenant_settings`);
  await knex.raw(statusCheck(OUTBOUND_BEFORE));
}
