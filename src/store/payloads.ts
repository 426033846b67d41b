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
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Knex } from 'knex';

/** A payload read as a stream: chunks in order. */
export type PayloadChunks = AsyncIterable<Buffer> | Iterable<Buffer>;

/** Bytes in a file (a large document spooled while it was received), to be stored without reading them whole. */
export interface PayloadFile {
  path: string;
  bytes: number;
}

/** The SQL a payload store contributes to another store's statement. */
export interface PayloadSql {
  /** A CTE `name AS (INSERT ...)` storing, for each row of `from`, the bytes `content` under document `id`. */
  insert(name: string, from: string, id: string, content: string): string;
  /** A scalar expression: the bytes of document `id`, or null. */
  select(id: string): string;
  /** A scalar expression: the bytes of document `id` when stored whole, else null (chunks are read as a stream). */
  selectWhole(id: string): string;
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
  /** Stores the bytes of `file` under `key`, reading it in chunks (large documents). */
  putFile(key: string, file: PayloadFile, trx?: Knex.Transaction): Promise<void>;
  /** The bytes under `key` as a stream of chunks, or null. */
  getStream(key: string): Promise<PayloadChunks | null>;
}

/** A table of bytes by key: `payloads` (by document id) or `archive_objects` (by archive key). */
export interface PayloadTable {
  table: string;
  key: string;
  keyType: 'uuid' | 'text';
  /** The table of chunked payloads beside it (same key), for large documents. */
  chunks?: string;
}

export const TRANSIT_PAYLOADS: PayloadTable = { table: 'payloads', key: 'document_id', keyType: 'uuid', chunks: 'payload_chunks' };

/** Bytes per chunk row: one read of the spool file, one statement. */
const CHUNK_BYTES = 256 * 1024;
export const ARCHIVE_OBJECTS: PayloadTable = { table: 'archive_objects', key: 'key', keyType: 'text' };

export class PostgresPayloadStore implements PayloadStore {
  readonly sql: PayloadSql;

  constructor(
    private readonly knex: Knex,
    readonly at: PayloadTable = TRANSIT_PAYLOADS,
  ) {
    const { table, key, chunks } = at;
    // A chunked payload read whole (by a reader that wants a Buffer) is put together by Postgres.
    const whole = (id: string) =>
      chunks ? `COALESCE((SELECT content FROM ${table} WHERE ${key} = ${id}), (SELECT string_agg(content, ''::bytea ORDER BY seq) FROM ${chunks} WHERE ${key} = ${id}))` : `(SELECT content FROM ${table} WHERE ${key} = ${id})`;
    this.sql = {
      insert: (name, from, id, content) => `${name} AS (INSERT INTO ${table} (${key}, content) SELECT ${id}, ${content} FROM ${from})`,
      select: whole,
      selectWhole: (id) => `(SELECT content FROM ${table} WHERE ${key} = ${id})`,
    };
  }

  async put(key: string, content: Buffer, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.knex)(this.at.table).insert({ [this.at.key]: key, content }).onConflict(this.at.key).merge(['content']);
  }

  async get(key: string): Promise<Buffer | null> {
    const { rows } = await this.knex.raw(`SELECT ${this.sql.select('?')} AS content`, this.at.chunks ? [key, key] : [key]);
    return (rows[0]?.content as Buffer | null) ?? null;
  }

  async delete(key: string, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.knex)(this.at.table).where({ [this.at.key]: key }).delete();
    if (this.at.chunks) await (trx ?? this.knex)(this.at.chunks).where({ [this.at.key]: key }).delete();
  }

  async getMany(keys: readonly string[]): Promise<Map<string, Buffer>> {
    if (keys.length === 0) return new Map();
    const { key, keyType, table, chunks } = this.at;
    const chunked = chunks
      ? ` UNION ALL SELECT ${key}::text, string_agg(content, ''::bytea ORDER BY seq) FROM ${chunks} WHERE ${key} = ANY (?::${keyType}[]) GROUP BY ${key}`
      : '';
    const { rows } = await this.knex.raw(`SELECT ${key}::text AS key, content FROM ${table} WHERE ${key} = ANY (?::${keyType}[])${chunked}`, chunks ? [[...keys], [...keys]] : [[...keys]]);
    return new Map(rows.map((r: { key: string; content: Buffer }) => [r.key, r.content]));
  }

  async putFile(key: string, file: PayloadFile, trx?: Knex.Transaction): Promise<void> {
    const chunks = this.at.chunks;
    if (!chunks) return this.put(key, await readFile(file.path), trx);
    const write = async (tx: Knex.Transaction) => {
      await this.delete(key, tx);
      let seq = 0;
      for await (const c of createReadStream(file.path, { highWaterMark: CHUNK_BYTES })) {
        await tx.raw(`INSERT INTO ${chunks} (${this.at.key}, seq, content) VALUES (?, ?, ?)`, [key, seq++, c]);
      }
    };
    await (trx ? write(trx) : this.knex.transaction(write));
  }

  async getStream(key: string): Promise<PayloadChunks | null> {
    const { table, key: column, chunks } = this.at;
    // One statement for the usual small payload: its row, or else how many chunks a large one has.
    const count = chunks ? `, (SELECT count(*)::int FROM ${chunks} WHERE ${column} = ?) AS n` : '';
    const { rows } = await this.knex.raw(`SELECT (SELECT content FROM ${table} WHERE ${column} = ?) AS content${count}`, chunks ? [key, key] : [key]);
    const row = rows[0] as { content: Buffer | null; n?: number };
    if (row.content) return [row.content];
    return chunks && row.n ? this.readChunks(chunks, key, row.n) : null;
  }

  /** One chunk per query, so that one chunk at a time is in memory. */
  private async *readChunks(chunks: string, key: string, n: number): AsyncGenerator<Buffer> {
    for (let seq = 0; seq < n; seq++) {
      const { rows } = await this.knex.raw(`SELECT content FROM ${chunks} WHERE ${this.at.key} = ? AND seq = ?`, [key, seq]);
      if (!rows[0]) throw new Error(`payload ${key}: chunk ${seq} of ${n} is missing`);
      yield rows[0].content as Buffer;
    }
  }

  async putMany(items: ReadonlyArray<readonly [string, Buffer]>, trx?: Knex.Transaction): Promise<void> {
    if (items.length === 0) return;
    await (trx ?? this.knex).raw(
      `INSERT INTO ${this.at.table} (${this.at.key}, content) SELECT * FROM unnest(?::${this.at.keyType}[], ?::bytea[]) ON CONFLICT (${this.at.key}) DO UPDATE SET content = excluded.content`,
      [items.map(([k]) => k), items.map(([, c]) => c)],
    );
  }
}
