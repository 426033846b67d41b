/**
 * Outbound delivery rows (the retry queue and the delivery evidence) and the attempt log. Status changes
 * are not made here: the outbound pipeline calls the state machine with the same transaction.
 */
import type { Knex } from 'knex';
import type { Tx } from './documents.js';

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

  /**
   * The AS4 message record of a delivered message (as4_messages, direction outbound): headers, the
   * references we signed and the verified receipt, as non-repudiation evidence.
   */
  async recordSentMessage(m: SentMessage, tx?: Tx): Promise<void> {
    await (tx ?? this.knex)('as4_messages').insert({
      direction: 'outbound',
      message_id: m.messageId,
      conversation_id: m.conversationId,
      document_id: m.documentId,
      from_party_id: m.fromPartyId,
      to_party_id: m.toPartyId,
      original_sender: m.originalSender,
      final_recipient: m.finalRecipient,
      sbdh_instance_id: m.sbdhInstanceId,
      country_c1: m.countryC1,
      service: m.service,
      action: m.action,
      signature_references: JSON.stringify(m.signatureReferences),
      receipt_message_id: m.receiptMessageId,
      receipt: m.receipt,
      receipt_at: m.receiptAt,
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
