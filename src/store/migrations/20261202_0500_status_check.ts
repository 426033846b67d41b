/**
 * Postgres refuses a document status the state machine (src/core/state-machine.ts) does not have for the
 * document's direction. The lists are written out, as a migration must stay what it was when it ran; a
 * status added to the state machine needs a migration of its own (test/core/state-machine.test.ts
 * compares this constraint with the code).
 */
import type { Knex } from 'knex';

const OUTBOUND = ['queued', 'rejected', 'sending', 'retrying', 'delivered', 'failed', 'undeliverable'];
const INBOUND = ['received', 'available', 'rejected', 'acknowledged'];

const list = (statuses: string[]) => statuses.map((s) => `'${s}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE documents ADD CONSTRAINT documents_status_check CHECK (
    (direction = 'outbound' AND status IN (${list(OUTBOUND)})) OR (direction = 'inbound' AND status IN (${list(INBOUND)})))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE documents DROP CONSTRAINT documents_status_check');
}
