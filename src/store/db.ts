/** The knex connection pool for a Postgres URL. */
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { settledWithin } from '../settled-within.js';

// A calendar DATE has no time zone: keep it as the 'YYYY-MM-DD' text Postgres sends, instead of node-pg's
// default of a Date at local midnight (which shifts the day in negative UTC offsets).
pg.types.setTypeParser(pg.types.builtins.DATE, (v: string) => v);

export interface DbOptions {
  url: string;
  poolMax?: number;
  /** The sandbox's connections: what they store is marked as test data (see migration 1100). */
  sandbox?: boolean;
}

export function createKnex({ url, poolMax = 10, sandbox = false }: DbOptions): Knex {
  return knexFactory({
    client: 'pg',
    // A server that accepts connections but does not answer (hung) fails an attempt in 5 s, instead of
    // holding it, and the pool's close that waits for it, for ever.
    connection: { connectionString: url, application_name: 'peppol-ap', connectionTimeoutMillis: 5_000, ...(sandbox ? { options: '-c peppol_ap.sandbox=on' } : {}) },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
  });
}

/** True when a trivial query answers within `timeoutMs`; used by /readyz, whose callers do not wait long. */
export async function isReachable(knex: Knex, timeoutMs = 2_000): Promise<boolean> {
  try {
    return await settledWithin(knex.raw('select 1'), timeoutMs);
  } catch {
    return false;
  }
}
