/**
 * Outbound delivery rows (the retry queue and the delivery evidence) and the attempt log. Status changes
 * are decided by the state machine: the outbound pipeline either calls changeStatus with the same
 * transaction, or, on the success path, checks the move with it and runs one of the statements below,
 * which compare-and-set the document on its expected status and append the status event together with
 * the delivery writes. One statement commits alone (no BEGIN/COMMIT round trips) and is named, so it is
 * planned once per connection (named-query.ts): a submission, a claim and a delivery cost one round trip
 * each instead of five to seven knex statements.
 */
import type { Knex } from 'knex';
import type { CheckedMove } from '../core/state-machine.js';
import { documentInsertValues, documentRecord, type DocumentRecord, type EventInput, type NewDocument, type Tx } from './documents.js';
import { namedQuery } from './named-query.js';

export interface DeliveryRecord {
  documentId: string;
  attempts: number;
  nextAttemptAt: Date | null;
  leaseUntil: Date | null;
  as4MessageId: string | null;
  conversationId: string | null;
  sbdhInstanceId: string | null;
  countryC1: string | null;
  endpointUrl: string | null;
  receiverSeatId: string | null;
  lastErrorKind: string | null;
  lastError: string | null;
  deliveredAt: Date | null;
  localDocumentId: string | null;
}

export type AttemptOutcome = 'delivered' | 'transient' | 'permanent' | 'deferred' | 'interrupted';

export interface AttemptRecord {
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
  outcome: AttemptOutcome;
  endpointUrl: string | null;
  httpStatus: number | null;
  errorKind: string | null;
  error: string | null;
}

/** A due delivery with the status its document is in (queued, retrying, or sending with an expired lease). */
export interface DueDelivery {
  documentId: string;
  status: string;
}

export interface SentMessage {
  documentId: string;
  messageId: string;
  conversationId: string;
  fromPartyId: string;
  toPartyId: string;
  originalSender: string;
  finalRecipient: string;
  sbdhInstanceId: string;
  countryC1: string;
  service: string;
  action: string;
  signatureReferences: unknown[];
  receiptMessageId: string;
  receipt: Buffer;
  receiptAt: Date;
}

export interface DeliveryFields {
  as4MessageId?: string;
  conversationId?: string;
  sbdhInstanceId?: string;
  countryC1?: string;
  endpointUrl?: string | null;
  receiverSeatId?: string | null;
  lastErrorKind?: string | null;
  lastError?: string | null;
  deliveredAt?: Date;
  localDocumentId?: string;
}

const COLUMNS: Record<keyof DeliveryFields, string> = {
  as4MessageId: 'as4_message_id',
  conversationId: 'conversation_id',
  sbdhInstanceId: 'sbdh_instance_id',
  countryC1: 'country_c1',
  endpointUrl: 'endpoint_url',
  receiverSeatId: 'receiver_seat_id',
  lastErrorKind: 'last_error_kind',
  lastError: 'last_error',
  deliveredAt: 'delivered_at',
  localDocumentId: 'local_document_id',
};

function columns(fields: DeliveryFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[COLUMNS[k as keyof DeliveryFields]] = v;
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toRecord(r: any): DeliveryRecord {
  return {
    documentId: r.document_id,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    as4MessageId: r.as4_message_id,
    conversationId: r.conversation_id,
    sbdhInstanceId: r.sbdh_instance_id,
    countryC1: r.country_c1,
    endpointUrl: r.endpoint_url,
    receiverSeatId: r.receiver_seat_id,
    lastErrorKind: r.last_error_kind,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    localDocumentId: r.local_document_id,
  };
}

const RECORD_COLUMNS = [
  'document_id', 'attempts', 'next_attempt_at', 'lease_until', 'as4_message_id', 'conversation_id', 'sbdh_instance_id',
  'country_c1', 'endpoint_url', 'receiver_seat_id', 'last_error_kind', 'last_error', 'delivered_at', 'local_document_id',
];

/** A queued outbound document: document, payload, creation event and delivery row. */
const CREATE_QUEUED = `
WITH d AS (
  INSERT INTO documents (direction, sender_id, receiver_id, document_kind, document_type, process, invoice_number,
    issue_date, status, payload_sha256, payload_size, validation_report)
  VALUES ('outbound', $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::date, $8::text, $9::text, $10::int, $11::jsonb)
  RETURNING *
), p AS (
  INSERT INTO payloads (document_id, content) SELECT d.id, $12::bytea FROM d
), e AS (
  INSERT INTO document_events (document_id, type, from_status, to_status, reason, actor, details)
  SELECT d.id, 'status', NULL, $8::text, $13::text, $14::text, $15::jsonb FROM d
), q AS (
  INSERT INTO outbound_deliveries (document_id, next_attempt_at, as4_message_id, conversation_id, sbdh_instance_id)
  SELECT d.id, $16::timestamptz, $17::text, $18::text, $19::text FROM d
)
SELECT * FROM d`;

/**
 * Claim of an attempt: the document moves from $2 to $3 if it is still in $2 and has a delivery row (the
 * document row is locked first, as every other outbound transaction does), then the attempt is counted,
 * the lease taken and the event appended; nothing is written when the document was not in $2. Returns
 * the document, the delivery and the payload.
 */
const CLAIM = `
WITH u AS (
  UPDATE documents SET status = $3::text, updated_at = now()
  WHERE id = $1::uuid AND direction = 'outbound' AND status = $2::text
    AND EXISTS (SELECT 1 FROM outbound_deliveries WHERE document_id = $1::uuid)
  RETURNING *
), c AS (
  UPDATE outbound_deliveries SET attempts = attempts + 1, next_attempt_at = NULL,
    lease_until = now() + make_interval(secs => $4::double precision), updated_at = now()
  WHERE document_id = (SELECT id FROM u)
  RETURNING ${RECORD_COLUMNS.join(', ')}
), e AS (
  INSERT INTO document_events (document_id, type, from_status, to_status, reason, actor, details)
  SELECT c.document_id, 'status', $2::text, $3::text, 'attempt ' || c.attempts, $5::text, jsonb_build_object('attempt', c.attempts) FROM c
)
SELECT u.*, c.*, (SELECT content FROM payloads WHERE document_id = u.id) AS payload
FROM u JOIN c ON c.document_id = u.id`;

/**
 * A delivered attempt: the document moves from $2 to $3 if it is still in $2, with its status event, the
 * delivery's final fields, the AS4 message record (receipt as evidence) and the attempt row; nothing is
 * written when the document had left $2.
 */
const DELIVERED = `
WITH u AS (
  UPDATE documents SET status = $3::text, updated_at = now()
  WHERE id = $1::uuid AND direction = 'outbound' AND status = $2::text
  RETURNING id
), e AS (
  INSERT INTO document_events (document_id, type, from_status, to_status, reason, actor, details)
  SELECT u.id, 'status', $2::text, $3::text, $4::text, $5::text, $6::jsonb FROM u
), q AS (
  UPDATE outbound_deliveries SET next_attempt_at = NULL, lease_until = NULL, country_c1 = $7::text, endpoint_url = $8::text,
    receiver_seat_id = $9::text, delivered_at = $10::timestamptz, last_error = NULL, last_error_kind = NULL, updated_at = now()
  WHERE document_id = (SELECT id FROM u)
), m AS (
  INSERT INTO as4_messages (direction, message_id, conversation_id, document_id, from_party_id, to_party_id, original_sender,
    final_recipient, sbdh_instance_id, country_c1, service, action, signature_references, receipt_message_id, receipt, receipt_at)
  SELECT 'outbound', $11::text, $12::text, u.id, $13::text, $14::text, $15::text, $16::text, $17::text, $7::text, $18::text,
    $19::text, $20::jsonb, $21::text, $22::bytea, $23::timestamptz FROM u
), a AS (
  INSERT INTO delivery_attempts (document_id, attempt, started_at, outcome, endpoint_url, http_status)
  SELECT u.id, $24::int, $25::timestamptz, 'delivered', $8::text, $26::int FROM u
)
SELECT id FROM u`;

export class PostgresDeliveryStore {
  constructor(private readonly knex: Knex) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn);
  }

  /**
   * Queues a new delivery with the identifiers every attempt reuses; `dueAt` is when the queue may pick it
   * up if no worker took it before.
   */
  async create(documentId: string, ids: { as4MessageId: string; conversationId: string; sbdhInstanceId: string }, dueAt: Date, tx?: Tx): Promise<void> {
    await (tx ?? this.knex)('outbound_deliveries').insert({
      document_id: documentId,
      next_attempt_at: dueAt,
      as4_message_id: ids.as4MessageId,
      conversation_id: ids.conversationId,
      sbdh_instance_id: ids.sbdhInstanceId,
    });
  }

  /**
   * Stores a new outbound document in its checked initial status with its
   * payload, its creation event and its delivery row, in one statement (see create() for the delivery).
   */
  async createQueued(
    doc: NewDocument,
    payload: Buffer,
    event: EventInput,
    ids: { as4MessageId: string; conversationId: string; sbdhInstanceId: string },
    dueAt: Date,
  ): Promise<DocumentRecord> {
    const [row] = await namedQuery(this.knex, 'deliveries-create-queued', CREATE_QUEUED, [
      ...documentInsertValues(doc, payload.length),
      doc.validationReport === null ? null : JSON.stringify(doc.validationReport),
      payload,
      event.reason ?? null,
      event.actor,
      event.details ? JSON.stringify(event.details) : null,
      dueAt,
      ids.as4MessageId,
      ids.conversationId,
      ids.sbdhInstanceId,
    ]);
    return documentRecord(row);
  }

  /**
   * Moves the document (compare-and-set on `move.from`),
   * counts the attempt, takes the lease and appends the status event (reason `attempt <n>`, details
   * `{ attempt: n }`), in one statement. Null when the document was not in `move.from` or has no delivery.
   */
  async claimAttempt(
    documentId: string,
    move: CheckedMove,
    leaseMs: number,
    actor: string,
  ): Promise<{ doc: DocumentRecord; delivery: DeliveryRecord; payload: Buffer | null } | null> {
    const [row] = await namedQuery(this.knex, 'deliveries-claim', CLAIM, [documentId, move.from, move.to, leaseMs / 1000, actor]);
    return row ? { doc: documentRecord(row), delivery: toRecord(row), payload: (row.payload as Buffer | null) ?? null } : null;
  }

  /**
   * A verified receipt: the status move (compare-and-set on `move.from`) with its
   * event, the delivery's final fields, the AS4 message record and the attempt row, in one statement.
   * False when the document had left `move.from` (nothing written).
   */
  async recordDelivered(
    documentId: string,
    move: CheckedMove,
    event: EventInput,
    delivery: { countryC1: string; endpointUrl: string; receiverSeatId: string; deliveredAt: Date },
    m: Omit<SentMessage, 'documentId' | 'countryC1'>,
    a: { attempt: number; startedAt: Date; httpStatus: number },
  ): Promise<boolean> {
    const rows = await namedQuery(this.knex, 'deliveries-delivered', DELIVERED, [
      documentId,
      move.from,
      move.to,
      event.reason ?? null,
      event.actor,
      event.details ? JSON.stringify(event.details) : null,
      delivery.countryC1,
      delivery.endpointUrl,
      delivery.receiverSeatId,
      delivery.deliveredAt,
      m.messageId,
      m.conversationId,
      m.fromPartyId,
      m.toPartyId,
      m.originalSender,
      m.finalRecipient,
      m.sbdhInstanceId,
      m.service,
      m.action,
      JSON.stringify(m.signatureReferences),
      m.receiptMessageId,
      m.receipt,
      m.receiptAt,
      a.attempt,
      a.startedAt,
      a.httpStatus,
    ]);
    return rows.length > 0;
  }

  /** Counts the attempt and takes the lease; null when the row does not exist. */
  async claim(documentId: string, leaseMs: number, tx: Tx): Promise<DeliveryRecord | null> {
    const [row] = await tx('outbound_deliveries')
      .where({ document_id: documentId })
      .update({
        attempts: tx.raw('attempts + 1'),
        next_attempt_at: null,
        lease_until: tx.raw(`now() + make_interval(secs => ?)`, [leaseMs / 1000]),
        updated_at: tx.fn.now(),
      })
      .returning(RECORD_COLUMNS);
    return row ? toRecord(row) : null;
  }

  /** Records fields and the schedule: `next` null ends the queueing (final outcome). */
  async update(documentId: string, fields: DeliveryFields & { nextAttemptAt?: Date | null; uncountAttempt?: boolean }, tx?: Tx): Promise<void> {
    const db = tx ?? this.knex;
    const { nextAttemptAt, uncountAttempt, ...rest } = fields;
    await db('outbound_deliveries')
      .where({ document_id: documentId })
      .update({
        ...columns(rest),
        ...(nextAttemptAt !== undefined ? { next_attempt_at: nextAttemptAt, lease_until: null } : {}),
        ...(uncountAttempt ? { attempts: db.raw('greatest(attempts - 1, 0)') } : {}),
        updated_at: db.fn.now(),
      });
  }

  /** Receipt evidence of a delivered outbound document (its as4_messages record). */
  async evidence(documentId: string): Promise<{ messageId: string; receiptMessageId: string | null; receiptAt: Date | null; toPartyId: string | null } | null> {
    const row = await this.knex('as4_messages')
      .where({ document_id: documentId, direction: 'outbound' })
      .orderBy('id', 'desc')
      .first('message_id', 'receipt_message_id', 'receipt_at', 'to_party_id');
    return row ? { messageId: row.message_id, receiptMessageId: row.receipt_message_id, receiptAt: row.receipt_at, toPartyId: row.to_party_id } : null;
  }

  /** The signed receipt of a delivered outbound document, as received. */
  async receipt(documentId: string): Promise<Buffer | null> {
    if (!/^[0-9a-f-]{36}$/i.test(documentId)) return null;
    const row = await this.knex('as4_messages').where({ document_id: documentId, direction: 'outbound' }).whereNotNull('receipt').orderBy('id', 'desc').first('receipt');
    return row ? (row.receipt as Buffer) : null;
  }

  async recordAttempt(documentId: string, a: Omit<AttemptRecord, 'finishedAt'>, tx?: Tx): Promise<void> {
    await (tx ?? this.knex)('delivery_attempts').insert({
      document_id: documentId,
      attempt: a.attempt,
      started_at: a.startedAt,
      outcome: a.outcome,
      endpoint_url: a.endpointUrl,
      http_status: a.httpStatus,
      error_kind: a.errorKind,
      error: a.error,
    });
  }

  async get(documentId: string, tx?: Tx): Promise<DeliveryRecord | null> {
    const row = await (tx ?? this.knex)('outbound_deliveries').where({ document_id: documentId }).first();
    return row ? toRecord(row) : null;
  }

  async attempts(documentId: string): Promise<AttemptRecord[]> {
    const rows = await this.knex('delivery_attempts').where({ document_id: documentId }).orderBy('id');
    return rows.map((r) => ({
      attempt: r.attempt,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      outcome: r.outcome,
      endpointUrl: r.endpoint_url,
      httpStatus: r.http_status,
      errorKind: r.error_kind,
      error: r.error,
    }));
  }

  /** Deliveries whose next attempt is due, oldest first, and attempts whose lease ran out. */
  async due(limit: number): Promise<DueDelivery[]> {
    const { rows } = await this.knex.raw(
      `(SELECT d.document_id, doc.status FROM outbound_deliveries d JOIN documents doc ON doc.id = d.document_id
          WHERE d.next_attempt_at <= now() ORDER BY d.next_attempt_at LIMIT ?)
       UNION ALL
       (SELECT d.document_id, doc.status FROM outbound_deliveries d JOIN documents doc ON doc.id = d.document_id
          WHERE d.lease_until < now() AND doc.status = 'sending' LIMIT ?)`,
      [limit, limit],
    );
    return (rows as Array<{ document_id: string; status: string }>).map((r) => ({ documentId: r.document_id, status: r.status }));
  }

  /** Every delivery whose document is in `sending` (start-up recovery: attempts cut off by a crash). */
  async sending(): Promise<string[]> {
    const rows = await this.knex('outbound_deliveries as d')
      .join('documents as doc', 'doc.id', 'd.document_id')
      .where('doc.status', 'sending')
      .select('d.document_id');
    return rows.map((r) => r.document_id as string);
  }
}
