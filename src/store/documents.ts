/**
 * Documents, their payload and their event timeline. A status is written only from a CheckedCreate or a
 * CheckedMove of the state machine (src/core/state-machine.ts): create() with the initial status and its
 * event, setStatus() as a compare-and-set that appends the transition event in the same transaction.
 */
import type { Knex } from 'knex';
import type { BusinessStatus } from '../core/business-status.js';
import type { MlsCode } from '../responses/codes.js';
import type { CheckedCreate, CheckedMove, Direction } from '../core/state-machine.js';
import type { ValidationReport } from '../validation/types.js';
import { isUuid } from './uuid.js';
import { namedQuery } from './named-query.js';
import type { PayloadChunks, PayloadFile, PayloadStore } from './payloads.js';

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
  /** Direction and initial status, as the state machine allowed them. */
  initial: CheckedCreate;
  /** The owner, when the caller knows it; else the owner of its participant (sender outbound, receiver inbound). */
  tenantId?: string | null;
  payloadSha256: string;
  validationReport: ValidationReport | null;
}

export interface DocumentRecord extends DocumentMetadata {
  id: string;
  direction: Direction;
  /** The tenant it belongs to; null: of no tenant, seen by operators only. */
  tenantId: string | null;
  /** Made by this access point running as the sandbox: test data, never a real invoice. */
  sandbox: boolean;
  status: string;
  /** What the buyer made of an invoice, from the Invoice Responses about it (src/core/business-status.ts). */
  businessStatus: BusinessStatus | null;
  /** The MLS code of the exchange: received from C3 (outbound), sent to C2 (inbound). */
  mlsCode: MlsCode | null;
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

/** The size of a payload whose bytes are not kept (a rejected submission past its quota). */
export interface UnkeptPayload {
  unkeptSize: number;
}

/** What the pipelines and the API need from document storage. */
export interface DocumentStore {
  /** A payload given as a file (a large document spooled while it was read) is stored in chunks from it. */
  create(doc: NewDocument, payload: Buffer | PayloadFile | UnkeptPayload, event: EventInput, tx?: Tx): Promise<DocumentRecord>;
  get(id: string): Promise<DocumentRecord | null>;
  events(id: string): Promise<DocumentEvent[]>;
  payload(id: string): Promise<Buffer | null>;
  /** The payload as a stream of chunks (a large document is never read whole). */
  payloadStream(id: string): Promise<PayloadChunks | null>;
  /** Moves `id` from `move.from` to `move.to` if it is still in `move.from`; false when it was not. */
  setStatus(id: string, move: CheckedMove, event: EventInput, tx?: Tx): Promise<boolean>;
  /** Counts `bytes` against today's (UTC) `perDay` bytes of kept rejected payloads; false, counting nothing, past it. */
  countRejectedPayload(bytes: number, perDay: number): Promise<boolean>;
  /** A page of documents, newest first, of the tenants `scope` allows per direction. */
  list(scope: DocumentScope, filter: DocumentFilter): Promise<DocumentPage>;
}

/** Which tenants' documents a caller sees, per direction ('all': every tenant and none). */
export interface DocumentScope {
  outbound: readonly string[] | 'all';
  inbound: readonly string[] | 'all';
}

/** A page, and where the next one starts (its creation time to the microsecond, as text): null on the last page. */
export interface DocumentPage {
  documents: DocumentRecord[];
  next: { createdAt: string; id: string } | null;
}

export interface DocumentFilter {
  direction?: Direction;
  status?: string;
  /** Sender or receiver (iso6523 value, any case). */
  participant?: string;
  documentType?: string;
  invoiceNumber?: string;
  /** What the buyer made of it (received, processed, rejected, paid). */
  businessStatus?: string;
  /** Created at or after / before. */
  from?: Date;
  to?: Date;
  /** The last document of the previous page: continue after it. */
  before?: { createdAt: string; id: string };
  limit: number;
}

/** What handing received inbound documents over needs (src/pipeline/inbound-handover.ts), beside DocumentStore.
 * Routing works on batches: one transaction locks the batch, reads the business duplicates and moves every
 * document, so the per-document cost is a share of four round trips and one commit. */
export interface InboundBatchStore {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Ids of inbound documents still `received` (stored, not yet validated and handed over), oldest first. */
  receivedInboundIds(): Promise<string[]>;
  /**
   * The payloads of `ids`, taken in order while their stored sizes add up to at most `maxBytes` (two
   * statements for many documents); a document past that, or without a payload, is left out.
   */
  payloadsUpTo(ids: readonly string[], maxBytes: number): Promise<Map<string, Buffer>>;
  /**
   * Those of the documents still inbound and `received`, locked (FOR UPDATE) until `tx` ends, with the
   * effective invoice number and issue date (the validator's reading, else the stored one) and, when asked,
   * the document already in the inbox (available or acknowledged) with the same supplier, buyer, invoice
   * number and issue date. Handing over of one such key is serialised in commit order, so the first copy handed over
   * is the original; creation times are not compared, since concurrent transactions commit out of start order.
   */
  lockReceivedInbound(candidates: BatchCandidate[], tx: Tx): Promise<Map<string, LockedInbound>>;
  /**
   * Compare-and-set of many inbound documents at once (called by the state machine's changeStatuses):
   * each moves from `from` to `to` if it is still in `from`, with its filing data, and its events are
   * appended in the given order; events of a document that did not move are dropped. Returns the ids moved.
   */
  setBatchStatuses(changes: BatchStatusChange[], tx: Tx): Promise<Set<string>>;
}

export interface BatchCandidate {
  id: string;
  invoiceNumber: string | null;
  issueDate: string | null;
  checkDuplicate: boolean;
}

export interface LockedInbound {
  id: string;
  invoiceNumber: string | null;
  issueDate: string | null;
  duplicateOf: string | null;
}

export interface BatchStatusChange {
  id: string;
  move: CheckedMove;
  validationReport: ValidationReport;
  invoiceNumber: string | null;
  issueDate: string | null;
  duplicateOf: string | null;
  /** The timeline entries of this move in order; the status event has type 'status' and from/to set. */
  events: Array<EventInput & { type: string; from?: string; to?: string }>;
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
  business_status?: BusinessStatus | null;
  mls_code?: MlsCode | null;
  tenant_id: string | null;
  sandbox: boolean;
  payload_sha256: string;
  payload_size: number;
  validation_report: ValidationReport | null;
  created_at: Date;
  updated_at: Date;
}

/** Locks a batch and reads each document's business duplicate, in one round trip (ids in order, so
 * two processes handing over overlapping batches lock in the same order). */
const LOCK_RECEIVED_INBOUND = `
SELECT d.id,
  coalesce(k.invoice_number, d.invoice_number) AS invoice_number,
  coalesce(k.issue_date, d.issue_date)::text AS issue_date,
  CASE WHEN k.check_duplicate THEN (
    SELECT o.id FROM documents o
    WHERE o.direction = 'inbound' AND o.sender_id = d.sender_id AND o.receiver_id = d.receiver_id
      AND o.invoice_number = coalesce(k.invoice_number, d.invoice_number)
      AND o.issue_date = coalesce(k.issue_date, d.issue_date)
      AND o.status IN ('available', 'acknowledged') AND o.id <> d.id
    ORDER BY o.created_at, o.id LIMIT 1)
  END AS duplicate_of
FROM jsonb_to_recordset($1::jsonb) AS k(id uuid, invoice_number text, issue_date date, check_duplicate boolean)
JOIN documents d ON d.id = k.id
WHERE d.direction = 'inbound' AND d.status = 'received'
ORDER BY d.id
FOR UPDATE OF d`;

/** Advisory locks on business keys, in hash order so that two batches cannot wait for each other. */
const LOCK_BUSINESS_KEYS = `
SELECT count(pg_advisory_xact_lock(h)) FROM (
  SELECT DISTINCT hashtextextended('inbound-business-key:' || k, 0) AS h FROM unnest($1::text[]) AS k ORDER BY 1
) s`;

/** The moves of a batch and their events, in one statement. */
const SET_ROUTED_STATUSES = `
WITH c AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS c(id uuid, from_status text, to_status text, validation_report jsonb,
    invoice_number text, issue_date date, duplicate_of uuid)
), u AS (
  UPDATE documents d SET status = c.to_status, validation_report = c.validation_report, invoice_number = c.invoice_number,
    issue_date = c.issue_date, duplicate_of = c.duplicate_of, updated_at = now()
  FROM c WHERE d.id = c.id AND d.direction = 'inbound' AND d.status = c.from_status
  RETURNING d.id
), e AS (
  INSERT INTO document_events (document_id, type, from_status, to_status, reason, actor, details)
  SELECT e.document_id, e.type, e.from_status, e.to_status, e.reason, e.actor, e.details
  FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (document_id uuid, type text, from_status text, to_status text, reason text,
    actor text, details jsonb)) WITH ORDINALITY AS e(document_id, type, from_status, to_status, reason, actor, details, n)
  WHERE e.document_id IN (SELECT id FROM u)
  ORDER BY e.n
)
SELECT id FROM u`;

/** Adds $1 bytes to today's row if the day's total stays within $2; no row returned when it would not. */
const COUNT_REJECTED_PAYLOAD = `
INSERT INTO rejected_payload_days AS d (day, bytes)
SELECT (now() AT TIME ZONE 'UTC')::date, $1::bigint WHERE $1::bigint <= $2::bigint
ON CONFLICT (day) DO UPDATE SET bytes = d.bytes + excluded.bytes WHERE d.bytes + excluded.bytes <= $2::bigint
RETURNING d.bytes`;


/** The columns of a new `documents` row that come from the document (direction and report aside). */
export function documentColumns(doc: DocumentMetadata & { initial: CheckedCreate; payloadSha256: string; tenantId?: string | null }, payloadSize: number) {
  return {
    tenant_id: doc.tenantId ?? null,
    sender_id: doc.senderId,
    receiver_id: doc.receiverId,
    document_kind: doc.documentKind,
    document_type: doc.documentType,
    process: doc.process,
    invoice_number: doc.invoiceNumber,
    issue_date: doc.issueDate,
    status: doc.initial.status,
    payload_sha256: doc.payloadSha256,
    payload_size: payloadSize,
  };
}

/**
 * The values of a new `documents` row for the one-statement inserts of other stores, in their parameter
 * order: sender, receiver, kind, document type, process, invoice number, issue date, status, payload
 * SHA-256, payload size.
 */
export function documentInsertValues(doc: DocumentMetadata & { initial: CheckedCreate; payloadSha256: string }, payloadSize: number): unknown[] {
  return [doc.senderId, doc.receiverId, doc.documentKind, doc.documentType, doc.process, doc.invoiceNumber, doc.issueDate, doc.initial.status, doc.payloadSha256, payloadSize];
}

/** A `documents` row read by another store's statement (e.g. RETURNING *), as a record. */
export function documentRecord(row: unknown): DocumentRecord {
  return toRecord(row as DocumentRow);
}

function toRecord(r: DocumentRow): DocumentRecord {
  return {
    id: r.id,
    direction: r.direction,
    tenantId: r.tenant_id,
    sandbox: r.sandbox,
    senderId: r.sender_id,
    receiverId: r.receiver_id,
    documentKind: r.document_kind,
    documentType: r.document_type,
    process: r.process,
    invoiceNumber: r.invoice_number,
    issueDate: r.issue_date,
    status: r.status,
    businessStatus: r.business_status ?? null,
    mlsCode: r.mls_code ?? null,
    payloadSha256: r.payload_sha256,
    payloadSize: r.payload_size,
    validationReport: r.validation_report,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class PostgresDocumentStore implements DocumentStore, InboundBatchStore {
  constructor(
    private readonly knex: Knex,
    private readonly payloads: PayloadStore,
  ) {}

  async create(doc: NewDocument, payload: Buffer | PayloadFile | UnkeptPayload, event: EventInput, tx?: Tx): Promise<DocumentRecord> {
    return this.inTransaction(tx, async (trx) => {
      const kept = Buffer.isBuffer(payload);
      const file = !kept && 'path' in payload ? payload : null;
      const [row] = (await trx('documents')
        .insert({
          direction: doc.initial.direction,
          ...documentColumns(doc, kept ? payload.length : file ? file.bytes : (payload as UnkeptPayload).unkeptSize),
          validation_report: doc.validationReport === null ? null : JSON.stringify(doc.validationReport),
        })
        .returning('*')) as DocumentRow[];
      if (kept) await this.payloads.put(row!.id, payload, trx);
      if (file) await this.payloads.putFile(row!.id, file, trx);
      await trx('document_events').insert(eventRow(row!.id, null, doc.initial.status, event));
      return toRecord(row!);
    });
  }

  /** The caller's transaction when given (its other writes commit with ours), else a new one. */
  private inTransaction<T>(tx: Tx | undefined, fn: (trx: Tx) => Promise<T>): Promise<T> {
    return tx ? fn(tx) : this.knex.transaction(fn);
  }

  async list(scope: DocumentScope, f: DocumentFilter): Promise<DocumentPage> {
    const q = this.knex('documents').select('*', this.knex.raw('created_at::text AS created_at_text'));
    const side = (qb: Knex.QueryBuilder, direction: Direction, tenants: readonly string[] | 'all') => {
      if (tenants === 'all') qb.orWhere({ direction });
      else if (tenants.length > 0) qb.orWhere((w) => w.where({ direction }).whereIn('tenant_id', [...tenants]));
    };
    q.where((w) => {
      side(w, 'outbound', scope.outbound);
      side(w, 'inbound', scope.inbound);
      // No tenant and direction allowed: nothing (a bare WHERE () would be a syntax error).
      w.orWhereRaw('false');
    });
    if (f.direction) q.where({ direction: f.direction });
    if (f.status) q.where({ status: f.status });
    const participant = f.participant;
    if (participant) q.where((w) => w.whereRaw('lower(sender_id) = lower(?)', [participant]).orWhereRaw('lower(receiver_id) = lower(?)', [participant]));
    if (f.documentType) q.where({ document_type: f.documentType });
    if (f.invoiceNumber) q.where({ invoice_number: f.invoiceNumber });
    if (f.businessStatus) q.where({ business_status: f.businessStatus });
    if (f.from) q.where('created_at', '>=', f.from);
    if (f.to) q.where('created_at', '<', f.to);
    if (f.before) q.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [f.before.createdAt, f.before.id]);
    // One more than the page tells whether another page follows.
    const rows = (await q.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(f.limit + 1)) as Array<DocumentRow & { created_at_text: string }>;
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    return { documents: page.map(toRecord), next: rows.length > f.limit && last ? { createdAt: last.created_at_text, id: last.id } : null };
  }

  async get(id: string): Promise<DocumentRecord | null> {
    if (!isUuid(id)) return null;
    const row = (await this.knex('documents').where({ id }).first()) as DocumentRow | undefined;
    return row ? toRecord(row) : null;
  }

  async events(id: string): Promise<DocumentEvent[]> {
    if (!isUuid(id)) return [];
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
    return isUuid(id) ? this.payloads.get(id) : Promise.resolve(null);
  }

  payloadStream(id: string): Promise<PayloadChunks | null> {
    return isUuid(id) ? this.payloads.getStream(id) : Promise.resolve(null);
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn);
  }

  async payloadsUpTo(ids: readonly string[], maxBytes: number): Promise<Map<string, Buffer>> {
    const wanted = ids.filter(isUuid);
    if (wanted.length === 0) return new Map();
    const rows = (await this.knex('documents').whereIn('id', wanted).select('id', 'payload_size')) as Array<{ id: string; payload_size: number | string }>;
    const size = new Map(rows.map((r) => [r.id, Number(r.payload_size)]));
    const chosen: string[] = [];
    let bytes = 0;
    for (const id of wanted) {
      const s = size.get(id);
      if (s === undefined || bytes + s > maxBytes) break;
      bytes += s;
      chosen.push(id);
    }
    return chosen.length ? this.payloads.getMany(chosen) : new Map();
  }

  async receivedInboundIds(): Promise<string[]> {
    const rows = await this.knex('documents').where({ direction: 'inbound', status: 'received' }).orderBy([{ column: 'created_at' }, { column: 'id' }]).select('id');
    return rows.map((r) => r.id as string);
  }

  async lockReceivedInbound(candidates: BatchCandidate[], tx: Tx): Promise<Map<string, LockedInbound>> {
    // Another process may be handing over a copy of the same invoice right now: a transaction-scoped lock per
    // invoice number and issue date, taken before the duplicate lookup (whose statement then sees the other
    // copy once that transaction has committed), serialises them across processes as the batch loop does
    // within one.
    const keys = [...new Set(candidates.filter((c) => c.checkDuplicate && c.invoiceNumber && c.issueDate).map((c) => `${c.invoiceNumber}\n${c.issueDate}`))];
    if (keys.length > 0) await namedQuery(tx, 'documents-lock-business-keys', LOCK_BUSINESS_KEYS, [keys]);
    const input = candidates.map((c) => ({ id: c.id, invoice_number: c.invoiceNumber, issue_date: c.issueDate, check_duplicate: c.checkDuplicate }));
    const rows = await namedQuery<{ id: string; invoice_number: string | null; issue_date: string | null; duplicate_of: string | null }>(
      tx,
      null, // planned each batch: the duplicate lookup's plan depends on the size of documents (see namedQuery)
      LOCK_RECEIVED_INBOUND,
      [JSON.stringify(input)],
    );
    return new Map(rows.map((r) => [r.id, { id: r.id, invoiceNumber: r.invoice_number, issueDate: r.issue_date, duplicateOf: r.duplicate_of }]));
  }

  async setBatchStatuses(changes: BatchStatusChange[], tx: Tx): Promise<Set<string>> {
    if (changes.length === 0) return new Set();
    const moves = changes.map((c) => ({
      id: c.id,
      from_status: c.move.from,
      to_status: c.move.to,
      validation_report: c.validationReport,
      invoice_number: c.invoiceNumber,
      issue_date: c.issueDate,
      duplicate_of: c.duplicateOf,
    }));
    const events = changes.flatMap((c) =>
      c.events.map((e) => ({
        document_id: c.id,
        type: e.type,
        from_status: e.from ?? null,
        to_status: e.to ?? null,
        reason: e.reason ?? null,
        actor: e.actor,
        details: e.details ?? null,
      })),
    );
    const rows = await namedQuery<{ id: string }>(tx, 'documents-set-batch-statuses', SET_ROUTED_STATUSES, [JSON.stringify(moves), JSON.stringify(events)]);
    return new Set(rows.map((r) => r.id));
  }

  async countRejectedPayload(bytes: number, perDay: number): Promise<boolean> {
    const rows = await namedQuery(this.knex, 'documents-count-rejected-payload', COUNT_REJECTED_PAYLOAD, [bytes, perDay]);
    return rows.length === 1;
  }

  async setStatus(id: string, move: CheckedMove, event: EventInput, tx?: Tx): Promise<boolean> {
    return this.inTransaction(tx, async (trx) => {
      const n = await trx('documents').where({ id, direction: move.direction, status: move.from }).update({ status: move.to, updated_at: trx.fn.now() });
      if (n === 0) return false;
      await trx('document_events').insert(eventRow(id, move.from, move.to, event));
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
