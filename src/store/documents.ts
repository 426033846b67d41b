/**
 * Documents, their payload and their event timeline. Status columns are written only through the methods
 * the state machine (src/pipeline/state-machine.ts) calls: create() with the initial status and its event,
 * setStatus() as a compare-and-set that appends the transition event in the same transaction.
 */
import type { Knex } from 'knex';
import type { ValidationReport } from '../validation/types.js';
import type { PayloadStore } from './payloads.js';

export type Direction = 'outbound' | 'inbound';

/** A database transaction, passed through the pipeline so a status change commits with related writes. */
export type Tx = Knex.Transaction;

export interface DocumentMetadata {
  senderId: string | null;
  receiverId: string | null;
  documentKind: string | null;
  documentType: string | null;
  process: string | null;
  invoiceNumber: string | null;
  /** YYYY-MM-DD */
  issueDate: string | null;
}

export interface NewDocument extends DocumentMetadata {
  direction: Direction;
  status: string;
  payloadSha256: string;
  validationReport: ValidationReport | null;
}

export interface DocumentRecord extends DocumentMetadata {
  id: string;
  direction: Direction;
  status: string;
  payloadSha256: string;
  payloadSize: number;
  validationReport: ValidationReport | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface EventInput {
  type?: string;
  reason?: string | null;
  actor: string;
  details?: Record<string, unknown> | null;
}

export interface DocumentEvent {
  id: number;
  at: Date;
  type: string;
  fromStatus: string | null;
  toStatus: string | null;
  reason: string | null;
  actor: string;
  details: Record<string, unknown> | null;
}

/** What the pipelines and the API need from document storage. */
export interface DocumentStore {
  create(doc: NewDocument, payload: Buffer, event: EventInput, tx?: Tx): Promise<DocumentRecord>;
  get(id: string): Promise<DocumentRecord | null>;
  events(id: string): Promise<DocumentEvent[]>;
  payload(id: string): Promise<Buffer | null>;
  /** Moves `id` from `from` to `to` if it is still in `from`; false when it was not. */
  setStatus(id: string, from: string, to: string, event: EventInput, tx?: Tx): Promise<boolean>;
}

/** What routing received inbound documents needs (src/pipeline/inbound-route.ts), beside DocumentStore. */
export interface InboundRoutingStore {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Ids of inbound documents still `received` (stored, not yet validated and routed), oldest first. */
  receivedInboundIds(): Promise<string[]>;
  /** The inbound document if it is still `received`, locked (FOR UPDATE) until `tx` ends. */
  lockReceivedInbound(id: string, tx: Tx): Promise<DocumentRecord | null>;
  /** The document already in the inbox (available or acknowledged) with the same supplier, buyer, invoice number
   * and issue date. Routing of one such key is serialised in commit order, so the first routed copy is the
   * original; creation times are not compared, since concurrent transactions commit out of start order. */
  findBusinessDuplicate(doc: BusinessKey, tx?: Tx): Promise<string | null>;
  /** Stores the routing outcome's data (report, metadata read by validation, duplicate link). */
  recordRouting(id: string, fields: { validationReport: ValidationReport; invoiceNumber: string | null; issueDate: string | null; duplicateOf: string | null }, tx: Tx): Promise<void>;
  /** Appends a non-status event (e.g. business-duplicate, negative-response-due). */
  addEvent(id: string, event: EventInput & { type: string }, tx?: Tx): Promise<void>;
}

export interface BusinessKey {
  id: string;
  senderId: string | null;
  receiverId: string | null;
  invoiceNumber: string | null;
  issueDate: string | null;
}

interface DocumentRow {
  id: string;
  direction: Direction;
  sender_id: string | null;
  receiver_id: string | null;
  document_kind: string | null;
  document_type: string | null;
  process: string | null;
  invoice_number: string | null;
  issue_date: string | null;
  status: string;
  payload_sha256: string;
  payload_size: number;
  validation_report: ValidationReport | null;
  created_at: Date;
  updated_at: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toRecord(r: DocumentRow): DocumentRecord {
  return {
    id: r.id,
    direction: r.direction,
    senderId: r.sender_id,
    receiverId: r.receiver_id,
    documentKind: r.document_kind,
    documentType: r.document_type,
    process: r.process,
    invoiceNumber: r.invoice_number,
    issueDate: r.issue_date,
    status: r.status,
    payloadSha256: r.payload_sha256,
    payloadSize: r.payload_size,
    validationReport: r.validation_report,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class PostgresDocumentStore implements DocumentStore, InboundRoutingStore {
  constructor(
    private readonly knex: Knex,
    private readonly payloads: PayloadStore,
  ) {}

  async create(doc: NewDocument, payload: Buffer, event: EventInput, tx?: Tx): Promise<DocumentRecord> {
    return this.inTransaction(tx, async (trx) => {
      const [row] = (await trx('documents')
        .insert({
          direction: doc.direction,
          sender_id: doc.senderId,
          receiver_id: doc.receiverId,
          document_kind: doc.documentKind,
          document_type: doc.documentType,
          process: doc.process,
          invoice_number: doc.invoiceNumber,
          issue_date: doc.issueDate,
          status: doc.status,
          payload_sha256: doc.payloadSha256,
          payload_size: payload.length,
          validation_report: doc.validationReport === null ? null : JSON.stringify(doc.validationReport),
        })
        .returning('*')) as DocumentRow[];
      await this.payloads.put(row!.id, payload, trx);
      await trx('document_events').insert(eventRow(row!.id, null, doc.status, event));
      return toRecord(row!);
    });
  }

  /** The caller's transaction when given (its other writes commit with ours), else a new one. */
  private inTransaction<T>(tx: Tx | undefined, fn: (trx: Tx) => Promise<T>): Promise<T> {
    return tx ? fn(tx) : this.knex.transaction(fn);
  }

  async get(id: string): Promise<DocumentRecord | null> {
    if (!UUID.test(id)) return null;
    const row = (await this.knex('documents').where({ id }).first()) as DocumentRow | undefined;
    return row ? toRecord(row) : null;
  }

  async events(id: string): Promise<DocumentEvent[]> {
    if (!UUID.test(id)) return [];
    const rows = await this.knex('document_events').where({ document_id: id }).orderBy('id');
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at,
      type: r.type,
      fromStatus: r.from_status,
      toStatus: r.to_status,
      reason: r.reason,
      actor: r.actor,
      details: r.details,
    }));
  }

  payload(id: string): Promise<Buffer | null> {
    return UUID.test(id) ? this.payloads.get(id) : Promise.resolve(null);
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn);
  }

  async receivedInboundIds(): Promise<string[]> {
    const rows = await this.knex('documents').where({ direction: 'inbound', status: 'received' }).orderBy([{ column: 'created_at' }, { column: 'id' }]).select('id');
    return rows.map((r) => r.id as string);
  }

  async lockReceivedInbound(id: string, tx: Tx): Promise<DocumentRecord | null> {
    const row = (await tx('documents').where({ id, direction: 'inbound', status: 'received' }).forUpdate().first()) as DocumentRow | undefined;
    return row ? toRecord(row) : null;
  }

  async findBusinessDuplicate(doc: BusinessKey, tx?: Tx): Promise<string | null> {
    if (!doc.senderId || !doc.receiverId || !doc.invoiceNumber || !doc.issueDate) return null;
    const row = await (tx ?? this.knex)('documents')
      .where({ direction: 'inbound', sender_id: doc.senderId, receiver_id: doc.receiverId, invoice_number: doc.invoiceNumber, issue_date: doc.issueDate })
      .whereIn('status', ['available', 'acknowledged'])
      .whereNot('id', doc.id)
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .first('id');
    return row ? (row.id as string) : null;
  }

  async recordRouting(
    id: string,
    f: { validationReport: ValidationReport; invoiceNumber: string | null; issueDate: string | null; duplicateOf: string | null },
    tx: Tx,
  ): Promise<void> {
    await tx('documents').where({ id }).update({
      validation_report: JSON.stringify(f.validationReport),
      invoice_number: f.invoiceNumber,
      issue_date: f.issueDate,
      duplicate_of: f.duplicateOf,
      updated_at: tx.fn.now(),
    });
  }

  async addEvent(id: string, e: EventInput & { type: string }, tx?: Tx): Promise<void> {
    await (tx ?? this.knex)('document_events').insert({
      document_id: id,
      type: e.type,
      reason: e.reason ?? null,
      actor: e.actor,
      details: e.details ? JSON.stringify(e.details) : null,
    });
  }

  async setStatus(id: string, from: string, to: string, event: EventInput, tx?: Tx): Promise<boolean> {
    return this.inTransaction(tx, async (trx) => {
      const n = await trx('documents').where({ id, status: from }).update({ status: to, updated_at: trx.fn.now() });
      if (n === 0) return false;
      await trx('document_events').insert(eventRow(id, from, to, event));
      return true;
    });
  }
}

function eventRow(documentId: string, from: string | null, to: string, e: EventInput) {
  return {
    document_id: documentId,
    type: e.type ?? 'status',
    from_status: from,
    to_status: to,
    reason: e.reason ?? null,
    actor: e.actor,
    details: e.details ? JSON.stringify(e.details) : null,
  };
}
