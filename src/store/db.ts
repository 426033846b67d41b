/** The knex connection pool for a Postgres URL. */
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// A calendar DATE has no time zone: keep it as the 'YYYY-MM-DD' text Postgres sends, instead of node-pg's
// default of a Date at local midnight (which shifts the day in negative UTC offsets).
pg.types.setTypeParser(pg.types.builtins.DATE, (v: string) => v);

export interface DbOptions {
  url: string;
  poolMax?: number;
}

export function createKnex({ url, poolMax = 10 }: DbOptions): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: url, application_name: 'peppol-ap' },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
  });
}

/** True when a trivial query answers; used by /readyz. */
export async function isReachable(knex: Knex): Promise<boolean> {
  try {
    await knex.raw('select 1');
    return true;
  } catch {
    return false;
  }
}
