/**
 * Peppol Reporting (TSR 1.0, EUSR 1.1):
 * - reporting_items: one row per counted exchange, written in the statement of the event that makes it
 *   count (an outbound document delivered with a verified receipt; an inbound message stored with our
 *   receipt), at most one per document;
 * - peppol_reports: each monthly report built, with its XML, its validation report and the outbound
 *   document that carries it to OpenPeppol; one automatic report per period and kind (generation 1), an
 *   operator's resend adds the next generation.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE reporting_items (
      id bigserial PRIMARY KEY,
      document_id uuid NOT NULL UNIQUE REFERENCES documents (id) ON DELETE CASCADE,
      exchanged_at timestamptz NOT NULL,
      direction text NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
      our_seat text NOT NULL,
      other_seat text NOT NULL,
      document_type text NOT NULL,
      process text NOT NULL,
      transport_profile text NOT NULL,
      c1_country char(2) NOT NULL,
      c4_country char(2),
      our_participant text NOT NULL,
      end_user text NOT NULL,
      counts_in_eusr boolean NOT NULL
    );
    CREATE INDEX reporting_items_exchanged_at ON reporting_items (exchanged_at);

    CREATE TABLE peppol_reports (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      period char(7) NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      kind text NOT NULL CHECK (kind IN ('tsr', 'eusr')),
      generation int NOT NULL CHECK (generation >= 1),
      state text NOT NULL CHECK (state IN ('queued', 'invalid')),
      xml text NOT NULL,
      validation_report jsonb NOT NULL,
      document_id uuid REFERENCES documents (id) ON DELETE SET NULL,
      actor text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (period, kind, generation)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE peppol_reports; DROP TABLE reporting_items;');
}
