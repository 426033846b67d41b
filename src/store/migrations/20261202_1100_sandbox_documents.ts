/**
 * Documents made by an access point running as the sandbox are marked as test data, whatever statement
 * stores them (API submission, AS4 inbound, local delivery): the sandbox's connections carry the session
 * setting `peppol_ap.sandbox=on` (src/store/db.ts), and the column's default reads it. Rows that exist
 * already are not test data: the column is added with `false` first, then given the reading default.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE documents ADD COLUMN sandbox boolean NOT NULL DEFAULT false;
    ALTER TABLE documents ALTER COLUMN sandbox SET DEFAULT coalesce(current_setting('peppol_ap.sandbox', true) = 'on', false);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE documents DROP COLUMN sandbox');
}
