/**
 * Raw document bytes, behind an interface so that an object store can replace the Postgres table. The
 * other stores' one-statement writes and reads ask the payload store how it takes part in a statement
 * (`sql`) instead of naming the table: the Postgres store contributes SQL, so a document and its bytes
 * commit together in one round trip; a store outside the database has no SQL, and its bytes are put
 * before the statement (under the document id the caller drew) and got after it, so that the row commits
 * last. A statement that then fails leaves an unreferenced object behind, never a row without its bytes.
 *
 * The archive keeps its copies (original XML, receipts) behind the same interface, under keys of its own
 * (src/pipeline/archiver.ts), in the `archive_objects` table or under another prefix of the object store.
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
  /** Stores (or replaces) the bytes under `key` (a document id for transit payloads). */
  put(key: string, content: Buffer, trx?: Knex.Transaction): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  /** Removes the bytes under `key`; nothing there is no error. */
  delete(key: string, trx?: Knex.Transaction): Promise<void>;
  /** The bytes of each key there is (the archiver's batches: one round trip where the store can). */
  getMany(keys: readonly string[]): Promise<Map<string, Buffer>>;
  putMany(items: ReadonlyArray<readonly [string, Buffer]>, trx?: Knex.Transaction): Promise<void>;
}

/** A table of bytes by key: `payloads` (by document id) or `archive_objects` (by archive key). */
export interface PayloadTable {
  table: string;
  key: string;
  keyType: 'uuid' | 'text';
}

export const TRANSIT_PAYLOADS: PayloadTable = { table: 'payloads', key: 'document_id', keyType: 'uuid' };
export const ARCHIVE_OBJECTS: PayloadTable = { table: 'archive_objects', key: 'key', keyType: 'text' };

export class PostgresPayloadStore implements PayloadStore {
  readonly sql: PayloadSql;

  constructor(
    private readonly knex: Knex,
    readonly at: PayloadTable = TRANSIT_PAYLOADS,
  ) {
    const { table, key } = at;
    this.sql = {
      insert: (name, from, id, content) => `${name} AS (INSERT INTO ${table} (${key}, content) SELECT ${id}, ${content} FROM ${from})`,
      select: (id) => `(SELECT content FROM ${table} WHERE ${key} = ${id})`,
    };
  }

  async put(key: string, content: Buffer, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.knex)(this.at.table).insert({ [this.at.key]: key, content }).onConflict(this.at.key).merge(['content']);
  }

  async get(key: string): Promise<Buffer | null> {
    const row = await this.knex(this.at.table).select('content').where({ [this.at.key]: key }).first();
    return row ? (row.content as Buffer) : null;
  }

  async delete(key: string, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.knex)(this.at.table).where({ [this.at.key]: key }).delete();
  }

  async getMany(keys: readonly string[]): Promise<Map<string, Buffer>> {
    if (keys.length === 0) return new Map();
    const { key, keyType, table } = this.at;
    const { rows } = await this.knex.raw(`SELECT ${key}::text AS key, content FROM ${table} WHERE ${key} = ANY (?::${keyType}[])`, [[...keys]]);
    return new Map(rows.map((r: { key: string; content: Buffer }) => [r.key, r.content]));
  }

  async putMany(items: ReadonlyArray<readonly [string, Buffer]>, trx?: Knex.Transaction): Promise<void> {
    if (items.length === 0) return;
    await (trx ?? this.knex).raw(
      `INSERT INTO ${this.at.table} (${this.at.key}, content) SELECT * FROM unnest(?::${this.at.keyType}[], ?::bytea[]) ON CONFLICT (${this.at.key}) DO UPDATE SET content = excluded.content`,
      [items.map(([k]) => k), items.map(([, c]) => c)],
    );
  }
}
