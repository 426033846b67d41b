/**
 * Hot-path statements bypass knex's query builder: a named statement is parsed and planned once per
 * connection by node-pg, then costs one round trip (measured: planning the routing statements anew
 * doubled their Postgres CPU). Works on the pool and inside a knex transaction, whose client hands out
 * the transaction's own connection.
 */
import type { Knex } from 'knex';
import type pg from 'pg';

interface PgConnections {
  acquireConnection(): Promise<pg.PoolClient>;
  releaseConnection(c: pg.PoolClient): Promise<void>;
}

export async function namedQuery<R extends pg.QueryResultRow>(db: Knex | Knex.Transaction, name: string, text: string, values: unknown[]): Promise<R[]> {
  const client = db.client as unknown as PgConnections;
  const conn = await client.acquireConnection();
  try {
    return (await conn.query<R>({ name, text, values })).rows;
  } finally {
    await client.releaseConnection(conn);
  }
}
