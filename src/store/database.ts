/**
 * Opens the database the configuration names (or the embedded one), migrates it, and closes both pool and
 * embedded server in the right order.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { settledWithin } from '../settled-within.js';
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
  /** Connections of the sandbox: the documents they store are marked as test data. */
  sandbox?: boolean;
}

export interface Database {
  knex: Knex;
  embedded: boolean;
  /** Names of the migrations applied while opening. */
  applied: string[];
  /**
   * Closes the pool, waiting at most `poolGraceMs` for queries still running (a database that stopped
   * answering never ends them), then stops the embedded server if this process started it.
   */
  close(poolGraceMs?: number): Promise<void>;
}

const POOL_GRACE_MS = 5_000;

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgresHandle | null = null;
  if (!opts.url) {
    embedded = await startEmbeddedPostgres({ ...opts.embedded, database: 'peppol_ap', logger: opts.logger });
  }
  const knex = createKnex({ url: opts.url ?? embedded!.url, poolMax: opts.poolMax, sandbox: opts.sandbox ?? false });
  const close = async (poolGraceMs = POOL_GRACE_MS) => {
    if (!(await settledWithin(knex.destroy(), poolGraceMs))) {
      opts.logger.warn({ poolGraceMs }, 'database connections still busy at close: left behind');
    }
    await embedded?.stop();
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
