/**
 * Raw document bytes, behind an interface so that an object store can replace the Postgres table. The
 * other stores' one-statement writes and reads ask the payload store how it takes part in a statement
 * (`sql`) instead of naming the table: the Postgres store contributes SQL, so a document and its bytes
 * commit together in one round trip; a store outside the database has no SQL, and its bytes are put
 * before the statement (under the document id the caller drew) and got after it, so that the row commits
 * last. A statement that then fails leaves an unreferenced object behind, never a row without its bytes.
 */
import type { Knex } from 'knex';

/** The SQL a payload store contributes to another store's statement. */
export interface PayloadSql {
  /** A CTE `name AS (INSERT ...)` storing, for each row of `from`, the bytes `content` under document `id`. */
  insert(name: string, from: string, id: string, content: string): string;
  /** A scalar expression: the bytes of document `id`, or null. */
  select(id: string): string;
}

export interface PayloadStore {
  /** Null: the bytes live outside the database (put before a statement, got after it). */
  readonly sql: PayloadSql | null;
  put(documentId: string, content: Buffer, trx?: Knex.Transaction): Promise<void>;
  get(documentId: string): Promise<Buffer | null>;
}

const POSTGRES_SQL: PayloadSql = {
  insert: (name, from, id, content) => `${name} AS (INSERT INTO payloads (document_id, content) SELECT ${id}, ${content} FROM ${from})`,
  select: (id) => `(SELECT content FROM payloads WHERE document_id = ${id})`,
};

export class PostgresPayloadStore implements PayloadStore {
  readonly sql = POSTGRES_SQL;

  constructor(private readonly knex: Knex) {}

  async put(documentId: string, content: Buffer, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.knex)('payloads').insert({ document_id: documentId, content });
  }

  async get(documentId: string): Promise<Buffer | null> {
    const row = await this.knex('payloads').select('content').where({ document_id: documentId }).first();
    return row ? (row.content as Buffer) : null;
  }
}
