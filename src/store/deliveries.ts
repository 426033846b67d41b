/**
 * Outbound delivery rows (the delivery evidence) and the attempt log; the schedule is the document's
 * `outbound` job (src/store/jobs.ts). Status changes are decided by the state machine: the outbound
 * pipeline either calls changeStatus with the same transaction, or, on the success path, checks the move
 * with it and runs one of the statements below, which compare-and-set the document on its expected status
 * and append the status event together with the delivery and job writes. One statement commits alone (no
 * BEGIN/COMMIT round trips) and is named, so it is planned once per connection (named-query.ts): a
 * submission, a claim and a delivery cost one round trip each instead of five to seven knex statements.
 * Statements that write both lock the document row before the job row, as the pipeline's transactions do.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { CheckedMove } from '../core/state-machine.js';
import { documentInsertValues, documentRecord, type DocumentRecord, type EventInput, type NewDocument, type Tx } from './documents.js';
import { newJobState, type JobLease } from './jobs.js';
import { namedQuery } from './named-query.js';
import { PostgresPayloadStore, type PayloadChunks, type PayloadFile, type PayloadSql, type PayloadStore } from './payloads.js';
import { type ReportingItemRow, reportingItemInsert, reportingItemJson } from './reporting.js';

/** The job kind of outbound delivery: one job per outbound document (unique key: the document id). */
export const OUTBOUND_JOB = 'outbound';

export interface DeliveryRecord {
  documentId: string;
  attempts: number;
  /** From the job: when the next attempt is due (null while one runs and once the delivery is final). */
  nextAttemptAt: Date | null;
  /** From the job: while an attempt runs, until when it holds the document. */
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

export type AttemptOutcome = 'delivered' | 'transient' | 'permanent' | 'internal' | 'deferred' | 'interrupted';

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
    nextAttemptAt: r.job_status === 'queued' ? r.job_run_at : null,
    leaseUntil: r.job_status === 'running' ? r.job_lease_until : null,
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
  'document_id', 'attempts', 'as4_message_id', 'conversation_id', 'sbdh_instance_id',
  'country_c1', 'endpoint_url', 'receiver_seat_id', 'last_error_kind', 'last_error', 'delivered_at', 'local_document_id',
];

/**
 * A queued outbound document: document (id $22, drawn by the caller, tenant $24), payload (the payload
 * store's CTE, bytes $27, the last parameter: absent when the bytes live outside the database), creation
 * event, delivery row and job. With a business key ($25) the document is queued only if it takes the key:
 * the key is free, or its document failed or is undeliverable (never arrived), or $26 (a deliberate
 * resend); otherwise nothing is written and the answer's one row has a null id and the holder of the key
 * in duplicate_of (null when that holder committed after this statement began: read it again). Two
 * concurrent submissions of one invoice meet on the key's row, so only one is queued.
 */
function createQueuedSql(payloads: PayloadSql | null): string {
  return `
WITH k AS (
  INSERT INTO business_keys AS b (key, document_id) SELECT $25::text, $22::uuid WHERE $25::text IS NOT NULL
  ON CONFLICT (key) DO UPDATE SET document_id = excluded.document_id
  WHERE $26::boolean OR (SELECT status FROM documents WHERE id = b.document_id) IN ('failed', 'undeliverable')
  RETURNING document_id
), d AS (
  INSERT INTO documents (id, direction, sender_id, receiver_id, document_kind, document_type, process, invoice_number,
    issue_date, status, payload_sha256, payload_size, validation_report, tenant_id)
  SELECT $22::uuid, 'outbound', $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::date, $8::text, $9::text, $10::int, $11::jsonb, $24::uuid
  WHERE $25::text IS NULL OR EXISTS (SELECT 1 FROM k)
  RETURNING *
),${payloads ? ` ${payloads.insert('p', 'd', 'd.id', '$27::bytea')},` : ''} e AS (
  INSERT INTO document_events (document_id, type, from_status, to_status, reason, actor, details)
  SELECT d.id, 'status', NULL, $8::text, $12::text, $13::text, $14::jsonb FROM d
), q AS (
  INSERT INTO outbound_deliveries (document_id, as4_message_id, conversation_id, sbdh_instance_id, country_c1)
  SELECT d.id, $15::text, $16::text, $17::text, $23::text FROM d
), j AS (
  INSERT INTO jobs (kind, payload, unique_key, max_attempts, run_at, status, attempts, leased_by, lease_until)
  SELECT '${OUTBOUND_JOB}', jsonb_build_object('documentId', d.id), d.id::text, $18::int, $19::timestamptz, ${newJobState('$20', '$21')} FROM d
  RETURNING id
)
SELECT d.*, (SELECT id FROM j) AS job_id,
  (SELECT document_id FROM business_keys WHERE key = $25::text AND NOT EXISTS (SELECT 1 FROM k)) AS duplicate_of
FROM (VALUES (1)) one LEFT JOIN d ON true`;
}

/**
 * Claim of an attempt by the holder of the document's job ($2-$4: job id, holder, attempt): the document
 * moves from one of $6 to $7 if it is still in it and has a delivery row (its row locked first), the
 * delivery's attempt count becomes the job's, the job's lease is extended to the attempt's ($5 seconds)
 * and the event is appended; nothing is written to the document when it was in none of $6. One row when
 * the lease holds the job (document columns null when the document did not move), none when it does not.
 * The payload comes with it when the payload store is Postgres and holds it whole (not in chunks).
 */
function claimSql(payloads: PayloadSql | null): string {
  return `
WITH h AS (
  SELECT attempts FROM jobs WHERE id = $2::bigint AND status = 'running' AND leased_by = $3::text AND attempts = $4::int
), o AS (
  SELECT id, status FROM documents
  WHERE id = $1::uuid AND direction = 'outbound' AND status = ANY($6::text[]) AND EXISTS (SELECT 1 FROM h)
    AND EXISTS (SELECT 1 FROM outbound_deliveries WHERE document_id = $1::uuid)
  FOR UPDATE
), u AS (
  UPDATE documents d SET status = $7::text, updated_at = now() FROM o WHERE d.id = o.id
  RETURNING d.*, o.status AS from_status
), l AS (
  UPDATE jobs SET lease_until = now() + make_interval(secs => $5::double precision), updated_at = now()
  WHERE id = $2::bigint AND EXISTS (SELECT 1 FROM u)
  RETURNING status AS job_status, run_at AS job_run_at, lease_until AS job_lease_until
), c AS (
  UPDATE outbound_deliveries SET attempts = $4::int, updated_at = now()
  WHERE document_id = (SELECT id FROM u)
  RETURNING ${RECORD_COLUMNS.join(', ')}
), e AS (
  INSERT INTO document_events (document_id, type, from_status, to_status, reason, actor, details)
  SELECT c.document_id, 'status', u.from_status, $7::text, 'attempt ' || c.attempts, $8::text, jsonb_build_object('attempt', c.attempts)
  FROM c JOIN u ON u.id = c.document_id
)
SELECT u.*, c.*, l.*${payloads ? `, ${payloads.selectWhole('u.id')} AS payload` : ''}
FROM h LEFT JOIN u ON true LEFT JOIN c ON c.document_id = u.id LEFT JOIN l ON true`;
}

/**
 * A delivered attempt: the document moves from $2 to $3 if it is still in $2, with its status event, the
 * delivery's final fields, the AS4 message record (receipt as evidence), the attempt row and its job done
 * ($27-$29: job id, holder, attempt) and the exchange's reporting item ($30, null when it does not count); nothing is written when the document had left $2. The receipt
 * decides: should the lease have been lost meanwhile, the document is delivered all the same, and the
 * job's new holder finds it so.
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
  UPDATE outbound_deliveries SET country_c1 = $7::text, endpoint_url = $8::text,
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
), j AS (
  UPDATE jobs SET status = 'done', leased_by = NULL, lease_until = NULL, updated_at = now()
  WHERE id = $27::bigint AND status = 'running' AND leased_by = $28::text AND attempts = $29::int AND EXISTS (SELECT 1 FROM u)
), ${reportingItemInsert('r', 'u', 'u.id', '$30::jsonb')}
SELECT id FROM u`;

/**
 * An operator's resend of a failed or undeliverable document ($2): the document (locked first) moves to $3
 * with its status event, and its outbound job, ended, is queued again, due now, with $7 attempts more
 * than it made; nothing is written when the document had left $2, its job is still running, or another
 * copy of the same invoice (supplier, buyer, kind, number, issue date) was sent since and did not fail:
 * sending this one again would deliver the invoice twice.
 */
const REQUEUE = `
WITH d AS (
  SELECT x.id FROM documents x WHERE x.id = $1::uuid AND x.direction = 'outbound' AND x.status = $2::text
    AND NOT EXISTS (
      SELECT 1 FROM documents o WHERE o.direction = 'outbound' AND o.id <> x.id AND o.sender_id = x.sender_id
        AND o.invoice_number = x.invoice_number AND o.issue_date = x.issue_date AND o.document_kind = x.document_kind
        AND lower(o.receiver_id) = lower(x.receiver_id) AND o.status NOT IN ('rejected', 'failed', 'undeliverable'))
  FOR UPDATE OF x
), k AS (
  SELECT id FROM jobs WHERE kind = '${OUTBOUND_JOB}' AND unique_key = $1::text AND status IN ('done', 'failed', 'dead')
    AND EXISTS (SELECT 1 FROM d) FOR UPDATE
), u AS (
  UPDATE documents SET status = $3::text, updated_at = now() WHERE id = (SELECT id FROM d) AND EXISTS (SELECT 1 FROM k)
  RETURNING id
), e AS (
  INSERT INTO document_events (document_id, type, from_status, to_status, reason, actor, details)
  SELECT u.id, 'status', $2::text, $3::text, $4::text, $5::text, $6::jsonb FROM u
), j AS (
  UPDATE jobs SET status = 'queued', run_at = now(), max_attempts = attempts + $7::int, leased_by = NULL, lease_until = NULL, updated_at = now()
  WHERE id = (SELECT id FROM k) AND EXISTS (SELECT 1 FROM u)
)
SELECT id FROM u`;

/** Named statements of one payload store: a store outside the database gets statements of its own. */
function statements(payloads: PayloadStore) {
  const suffix = payloads.sql ? '' : '-external';
  return {
    createQueued: { name: `deliveries-create-queued${suffix}`, text: createQueuedSql(payloads.sql) },
    // A large payload is not a parameter: its chunks follow the statement, in its transaction.
    createQueuedWithoutPayload: { name: 'deliveries-create-queued-external', text: createQueuedSql(null) },
    claim: { name: `deliveries-claim${suffix}`, text: claimSql(payloads.sql) },
  };
}

/** What every attempt of a new outbound document reuses: its identifiers, and the supplier's country. */
export interface FixedIds {
  as4MessageId: string;
  conversationId: string;
  sbdhInstanceId: string;
  countryC1: string | null;
}

/** The job of a new outbound document: queued for any runner from `dueAt`, or held by the runner that makes its first attempt. */
export interface FirstJob {
  maxAttempts: number;
  dueAt: Date;
  heldBy: { runnerId: string; leaseMs: number } | null;
}

/** The event columns of a statement's parameters: reason, actor, details. */
const eventValues = (event: EventInput) => [event.reason ?? null, event.actor, event.details ? JSON.stringify(event.details) : null] as const;

/** The head of a status move's parameters: the document, the checked move's from and to, and its event. */
const moveValues = (documentId: string, move: CheckedMove, event: EventInput) => [documentId, move.from, move.to, ...eventValues(event)] as const;

export class PostgresDeliveryStore {
  private readonly statements: ReturnType<typeof statements>;

  constructor(
    private readonly knex: Knex,
    private readonly payloads: PayloadStore = new PostgresPayloadStore(knex),
  ) {
    this.statements = statements(payloads);
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn);
  }

  /**
   * Stores a new outbound document in its checked initial status with its payload, its creation event, its
   * delivery row (with what every attempt reuses: identifiers, and the supplier's country read at
   * submission, null when the document has none) and its job, in one statement. The job is
   * queued for any runner from `job.dueAt`, or, with `job.heldBy`, held by the runner that will make the
   * first attempt (for `heldBy.leaseMs`, after which any runner may take it).
   */
  createQueued(
    doc: NewDocument,
    payload: Buffer,
    event: EventInput,
    fixed: FixedIds,
    job: FirstJob,
  ): Promise<{ document: DocumentRecord; jobId: string }>;
  createQueued(
    doc: NewDocument,
    payload: Buffer | PayloadFile,
    event: EventInput,
    fixed: FixedIds,
    job: FirstJob,
    business: { key: string | null; resend: boolean },
    tx?: Tx,
  ): Promise<{ document: DocumentRecord; jobId: string } | { duplicateOf: string }>;
  async createQueued(
    doc: NewDocument,
    payload: Buffer | PayloadFile,
    event: EventInput,
    fixed: FixedIds,
    job: FirstJob,
    business: { key: string | null; resend: boolean } = { key: null, resend: false },
    tx?: Tx,
  ): Promise<{ document: DocumentRecord; jobId: string } | { duplicateOf: string }> {
    if (!Buffer.isBuffer(payload)) return this.createQueuedFromFile(doc, payload, event, fixed, job, business, tx);
    const id = randomUUID();
    if (!this.payloads.sql) await this.payloads.put(id, payload, tx);
    const { name, text } = this.statements.createQueued;
    return this.queuedOutcome(business, await namedQuery(tx ?? this.knex, name, text, [
      ...this.queuedValues(id, doc, payload.length, event, fixed, job, business),
      ...(this.payloads.sql ? [payload] : []),
    ]));
  }

  /**
   * A large document (spooled to a file): the statement without its bytes, then its chunks from the file
   * in the same transaction (Postgres), or put as a stream before the statement (a store outside the database).
   */
  private async createQueuedFromFile(
    doc: NewDocument,
    file: PayloadFile,
    event: EventInput,
    fixed: FixedIds,
    job: FirstJob,
    business: { key: string | null; resend: boolean },
    tx?: Tx,
  ): Promise<{ document: DocumentRecord; jobId: string } | { duplicateOf: string }> {
    const id = randomUUID();
    if (!this.payloads.sql) await this.payloads.putFile(id, file);
    const { name, text } = this.statements.createQueuedWithoutPayload;
    const write = async (trx: Tx) => {
      const rows = await namedQuery(trx, name, text, this.queuedValues(id, doc, file.bytes, event, fixed, job, business));
      if (rows[0]?.id !== null && this.payloads.sql) await this.payloads.putFile(id, file, trx);
      return rows;
    };
    return this.queuedOutcome(business, await (tx ? write(tx) : this.knex.transaction(write)));
  }

  private queuedValues(id: string, doc: NewDocument, payloadSize: number, event: EventInput, fixed: FixedIds, job: FirstJob, business: { key: string | null; resend: boolean }): unknown[] {
    return [
      ...documentInsertValues(doc, payloadSize),
      doc.validationReport === null ? null : JSON.stringify(doc.validationReport),
      ...eventValues(event),
      fixed.as4MessageId,
      fixed.conversationId,
      fixed.sbdhInstanceId,
      job.maxAttempts,
      job.dueAt,
      job.heldBy?.runnerId ?? null,
      job.heldBy ? job.heldBy.leaseMs / 1000 : null,
      id,
      fixed.countryC1,
      doc.tenantId ?? null,
      business.key,
      business.resend,
    ];
  }

  private async queuedOutcome(business: { key: string | null }, rows: Record<string, unknown>[]): Promise<{ document: DocumentRecord; jobId: string } | { duplicateOf: string }> {
    const row = rows[0]!;
    if (row.id === null) {
      const holder = row.duplicate_of ?? (await this.knex('business_keys').where({ key: business.key }).first('document_id'))?.document_id;
      return { duplicateOf: String(holder) };
    }
    return { document: documentRecord(row), jobId: String(row.job_id) };
  }

  /**
   * For the holder of the document's job (`lease`): moves the document (compare-and-set on the `from` of
   * one of `moves`, which all lead to the same status), sets the delivery's attempt count to the job's,
   * extends the lease to `leaseMs` and appends the status event (reason `attempt <n>`, details
   * `{ attempt: n }`), in one statement. `lost` when the lease no longer holds the job (nothing written);
   * `unmoved` when the document was in none of those statuses or has no delivery.
   */
  async claimAttempt(
    documentId: string,
    moves: readonly CheckedMove[],
    lease: JobLease,
    leaseMs: number,
    actor: string,
  ): Promise<{ doc: DocumentRecord; delivery: DeliveryRecord; payload: Buffer | PayloadChunks | null } | 'lost' | 'unmoved'> {
    const to = moves[0]!.to;
    if (moves.some((m) => m.to !== to)) throw new Error('claimAttempt: every move must lead to the same status');
    const { name, text } = this.statements.claim;
    const [row] = await namedQuery(this.knex, name, text, [documentId, lease.jobId, lease.runnerId, lease.attempts, leaseMs / 1000, moves.map((m) => m.from), to, actor]);
    if (!row) return 'lost';
    if (row.id === null) return 'unmoved';
    // A chunked (large) payload is not in the row: it is read as a stream, one chunk at a time.
    const payload = this.payloads.sql ? ((row.payload as Buffer | null) ?? (await this.payloads.getStream(documentId))) : await this.payloads.get(documentId);
    return { doc: documentRecord(row), delivery: toRecord(row), payload };
  }

  /**
   * A verified receipt: the status move (compare-and-set on `move.from`) with its
   * event, the delivery's final fields, the AS4 message record, the attempt row and the reporting item, in one statement.
   * False when the document had left `move.from` (nothing written).
   */
  async recordDelivered(
    documentId: string,
    move: CheckedMove,
    event: EventInput,
    delivery: { countryC1: string; endpointUrl: string; receiverSeatId: string; deliveredAt: Date },
    m: Omit<SentMessage, 'documentId' | 'countryC1'>,
    a: { attempt: number; startedAt: Date; httpStatus: number },
    lease: JobLease,
    reporting: ReportingItemRow | null,
  ): Promise<boolean> {
    const rows = await namedQuery(this.knex, 'deliveries-delivered', DELIVERED, [
      ...moveValues(documentId, move, event),
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
      lease.jobId,
      lease.runnerId,
      lease.attempts,
      reportingItemJson(reporting),
    ]);
    return rows.length > 0;
  }

  /**
   * Queues an ended delivery again (REQUEUE): `move` from failed or undeliverable to queued, checked by the
   * state machine, with `maxAttempts` new attempts. False when nothing moved.
   */
  async requeue(documentId: string, move: CheckedMove, event: EventInput, maxAttempts: number): Promise<boolean> {
    const rows = await namedQuery(this.knex, 'deliveries-requeue', REQUEUE, [
      ...moveValues(documentId, move, event),
      maxAttempts,
    ]);
    return rows.length > 0;
  }

  /** Records fields; `uncountAttempt`: the attempt did not happen (deferred while the circuit was open). */
  async update(documentId: string, fields: DeliveryFields & { uncountAttempt?: boolean }, tx?: Tx): Promise<void> {
    const db = tx ?? this.knex;
    const { uncountAttempt, ...rest } = fields;
    await db('outbound_deliveries')
      .where({ document_id: documentId })
      .update({
        ...columns(rest),
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

  /** The delivery with its job's schedule. */
  async get(documentId: string, tx?: Tx): Promise<DeliveryRecord | null> {
    const { rows } = await (tx ?? this.knex).raw(
      `SELECT d.*, j.status AS job_status, j.run_at AS job_run_at, j.lease_until AS job_lease_until FROM outbound_deliveries d
       LEFT JOIN jobs j ON j.kind = ? AND j.unique_key = d.document_id::text WHERE d.document_id = ?`,
      [OUTBOUND_JOB, documentId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
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
}
