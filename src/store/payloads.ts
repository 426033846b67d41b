/**
 * Raw document bytes, behind an interface so that an object store can replace the Postgres table later.
 * A Postgres-backed store writes inside the caller's transaction, so a document and its bytes commit
 * together; an object store would write first (content-addressed or by id) and let the row commit last.
 */
import type { Knex } from 'knex';

export interface PayloadStore {
  put(documentId: string, content: Buffer, trx?: Knex.Transaction): Promise<void>;
  get(documentId: string): Promise<Buffer | null>;
}

export class PostgresPayloadStore implements PayloadStore {
  constructor(private readonly knex: Knex) {}

  async put(documentId: string, content: Buffer, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.knex)('payloads').insert({ document_id: documentId, content });
  }

  async get(documentId: string): Promise<Buffer | null> {
    const row = await this.knex('payloads').select('content').where({ document_id: documentId }).first();
    return row ? (row.content as Buffer) : null;
  }
}
