/**
 * Opens the database the configuration names (or the embedded one), migrates it, and closes both pool and
 * embedded server in the right order.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { createKnex } from './db.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres.js';
import { migrateLatest } from './migrator.js';

export interface DatabaseOptions {
  /** Postgres URL; null starts the embedded server. */
  url: string | null;
  poolMax: number;
  embedded: { dir: string; port: number };
  logger: Logger;
  /** Run pending migrations after connecting (default true). */
  migrate?: boolean;
}

export interface Database {
  knex: Knex;
  embedded: boolean;
  /** Names of the migrations applied while opening. */
  applied: string[];
  close(): Promise<void>;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgresHandle | null = null;
  if (!opts.url) {
    embedded = await startEmbeddedPostgres({ ...opts.embedded, database: 'peppol_ap', logger: opts.logger });
  }
  const knex = createKnex({ url: opts.url ?? embedded!.url, poolMax: opts.poolMax });
  const close = async () => {
    await knex.destroy();
    if (embedded) {
      await embedded.stop();
      opts.logger.info('embedded postgres stopped');
    }
  };
  try {
    const applied = opts.migrate === false ? [] : await migrateLatest(knex);
    if (applied.length) opts.logger.info({ applied }, 'migrations applied');
    return { knex, embedded: embedded !== null, applied, close };
  } catch (err) {
    await close();
    throw err;
  }
}
