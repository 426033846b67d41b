/**
 * A fresh database per test suite on the local Postgres server (127.0.0.1:5432, user postgres, trust
 * auth; override with TEST_PG_ADMIN_URL): created with a unique name, migrated to the latest schema,
 * dropped by drop(). Nothing depends on state left by an earlier run.
 *
 *   const db = await createTestDatabase();
 *   after(() => db.drop());
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Knex } from 'knex';
import { createKnex } from '../../src/store/db.js';
import { migrateLatest } from '../../src/store/migrator.js';

export const TEST_PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  /** Connection URL of the new database, for components (or child processes) that open their own pool. */
  url: string;
  knex: Knex;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a unique name; `migrate: false` leaves it without schema. */
export async function createTestDatabase(options: { migrate?: boolean; prefix?: string } = {}): Promise<TestDatabase> {
  const name = `${options.prefix ?? 'ap_test'}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const knex = createKnex({ url: url.toString(), poolMax: 5 });
  if (options.migrate !== false) await migrateLatest(knex);
  let dropped = false;
  return {
    name,
    url: url.toString(),
    knex,
    async drop() {
      if (dropped) return;
      dropped = true;
      await knex.destroy();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
    },
  };
}
