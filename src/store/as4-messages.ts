/**
 * AS4 message records (migration 20261128_0200) for both directions, and the one-statement commit of a
 * received message: document, payload, creation event, message record and the receipt about to be sent
 * go to Postgres in a single INSERT ... WITH statement, so one round trip commits all of them or none
 * (the payload as the payload store contributes it: src/store/payloads.ts).
 *
 * The hot-path statements are named (prepared once per connection by node-pg, see named-query.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type pg from 'pg';
import type { NrReference } from '../as4/signature.js';
import type { CheckedCreate, Direction } from '../core/state-machine.js';
import { documentColumns, documentInsertValues, type DocumentMetadata } from './documents.js';
import { namedQuery } from './named-query.js';
import { type ReportingItemRow, reportingItemInsert, reportingItemJson } from './reporting.js';
import { PostgresPayloadStore, type PayloadFile, type PayloadSql, type PayloadStore } from './payloads.js';

interface NamedStatement {
  name: string;
  text: string;
}

/** The headers of a message, as stored. */
export interface As4MessageHeaders {
  messageId: string;
  conversationId: string | null;
  fromPartyId: string | null;
  toPartyId: string | null;
  originalSender: string | null;
  finalRecipient: string | null;
  sbdhInstanceId: string | null;
  countryC1: string | null;
  service: string | null;
  action: string | null;
  signatureReferences: NrReference[] | null;
  /** SBDH MLS_TO and MLS_TYPE of a received message: where its MLS goes, and whether a positive one is wanted. */
  mlsTo: string | null;
  mlsType: string | null;
}

export interface As4MessageRecord extends As4MessageHeaders {
  id: string;
  direction: Direction;
  documentId: string | null;
  receiptMessageId: string | null;
  receipt: Buffer | null;
  receiptAt: Date | null;
  duplicateOf: string | null;
  createdAt: Date;
}

export interface ReceivedDocument extends DocumentMetadata {
  /** The initial status, as the state machine allowed it. */
  initial: CheckedCreate;
  /** The exchange's reporting item (stored with our receipt, it counts), null when it does not count. */
  reporting: ReportingItemRow | null;
  /** A file: a large document, stored in chunks by its own transaction (storeReceived). */
  payload: Buffer | PayloadFile;
  payloadSha256: string;
  event: { reason: string; actor: string; details: Record<string, unknown> | null };
}

export interface ReceivedMessage {
  headers: As4MessageHeaders;
  receipt: { messageId: string; soap: Buffer };
  /** The record of the first message with this SBDH InstanceIdentifier, when this one repeats it. */
  duplicateOf: string | null;
}

/**
 * What a store of a received message came to: stored, or refused by a unique key because a concurrent
 * request stored the same MessageId (`message`) or InstanceIdentifier (`instance`) first. An outcome, not
 * an error: duplicates are a normal part of AS4 (senders retry after a lost receipt).
 */
export type StoreOutcome<T> = { stored: T; duplicate?: undefined } | { stored?: undefined; duplicate: 'message' | 'instance' };

/** What answering a repeated MessageId needs about the stored message. */
export interface StoredReceipt {
  id: string;
  documentId: string | null;
  receipt: Buffer | null;
  receiptMessageId: string | null;
}

/** What duplicate detection needs about a stored message: also its document's SHA-256. */
export interface StoredMessage extends StoredReceipt {
  payloadSha256: string | null;
}

interface MessageRow {
  id: string;
  direction: Direction;
  message_id: string;
  conversation_id: string | null;
  document_id: string | null;
  from_party_id: string | null;
  to_party_id: string | null;
  original_sender: string | null;
  final_recipient: string | null;
  sbdh_instance_id: string | null;
  country_c1: string | null;
  service: string | null;
  action: string | null;
  signature_references: NrReference[] | null;
  mls_to: string | null;
  mls_type: string | null;
  receipt_message_id: string | null;
  receipt: Buffer | null;
  receipt_at: Date | null;
  duplicate_of: string | null;
  created_at: Date;
}

function toRecord(r: MessageRow): As4MessageRecord {
  return {
    id: String(r.id),
    direction: r.direction,
    messageId: r.message_id,
    conversationId: r.conversation_id,
    documentId: r.document_id,
    fromPartyId: r.from_party_id,
    toPartyId: r.to_party_id,
    originalSender: r.original_sender,
    finalRecipient: r.final_recipient,
    sbdhInstanceId: r.sbdh_instance_id,
    countryC1: r.country_c1,
    service: r.service,
    action: r.action,
    signatureReferences: r.signature_references,
    mlsTo: r.mls_to,
    mlsType: r.mls_type,
    receiptMessageId: r.receipt_message_id,
    receipt: r.receipt,
    receiptAt: r.receipt_at,
    duplicateOf: r.duplicate_of === null ? null : String(r.duplicate_of),
    createdAt: r.created_at,
  };
}

const UNIQUE_VIOLATION = '23505';

const MESSAGE_COLUMNS = `direction, message_id, conversation_id, document_id, from_party_id, to_party_id, original_sender,
  final_recipient, sbdh_instance_id, country_c1, service, action, signature_references, receipt_message_id, receipt,
  receipt_at, duplicate_of, dedup_message_id, dedup_instance_id, mls_to, mls_type`;

/** $1..$17: headers and receipt; the document id comes from the statement's first CTE. */
const MESSAGE_VALUES = `'inbound', $1, $2, d.id, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, now(), $14::bigint, $1, $15, $16, $17`;

/**
 * $18: the document id (drawn by the caller), $19..$31: document and event, $32: the reporting item,
 * $33: the bytes, for a payload store that contributes SQL (the last parameter: absent otherwise).
 */
function storeReceivedSql(payloads: PayloadSql | null): string {
  return `
WITH d AS (
  INSERT INTO documents (id, direction, sender_id, receiver_id, document_kind, document_type, process, invoice_number,
    issue_date, status, payload_sha256, payload_size)
  VALUES ($18::uuid, 'inbound', $19, $20, $21, $22, $23, $24, $25::date, $26, $27, $28)
  RETURNING id, created_at
),${payloads ? ` ${payloads.insert('p', 'd', 'd.id', '$33::bytea')},` : ''} e AS (
  INSERT INTO document_events (document_id, type, from_status, to_status, reason, actor, details)
  SELECT d.id, 'status', NULL, $26, $29, $30, $31::jsonb FROM d
), m AS (
  INSERT INTO as4_messages (${MESSAGE_COLUMNS}) SELECT ${MESSAGE_VALUES} FROM d RETURNING id
), ${reportingItemInsert('r', 'd', 'd.id', '$32::jsonb')}
SELECT d.id AS document_id, d.created_at, (SELECT id FROM m) AS record_id FROM d`;
}

/**
 * storeReceivedSql for several messages at once (group commit): $1 is a JSON array of the rows (document
 * ids drawn by the caller), $2 the receipts and $3 the payloads (for a payload store that contributes SQL)
 * in the same order; the answer says which ordinal got which document and record.
 */
function storeReceivedGroupSql(payloads: PayloadSql | null): string {
  return `
WITH i AS MATERIALIZED (
  SELECT r.*
  FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (doc_id uuid, message_id text, conversation_id text, from_party_id text, to_party_id text,
    original_sender text, final_recipient text, sbdh_instance_id text, country_c1 text, service text, action text,
    signature_references jsonb, receipt_message_id text, duplicate_of bigint, dedup_instance_id text, mls_to text, mls_type text, sender_id text,
    receiver_id text, document_kind text, document_type text, process text, invoice_number text, issue_date date,
    status text, payload_sha256 text, payload_size integer, reason text, actor text, details jsonb, reporting jsonb)) WITH ORDINALITY AS r(
    doc_id, message_id, conversation_id, from_party_id, to_party_id, original_sender, final_recipient, sbdh_instance_id, country_c1,
    service, action, signature_references, receipt_message_id, duplicate_of, dedup_instance_id, mls_to, mls_type, sender_id, receiver_id,
    document_kind, document_type, process, invoice_number, issue_date, status, payload_sha256, payload_size, reason, actor,
    details, reporting, n)
), d AS (
  INSERT INTO documents (id, direction, sender_id, receiver_id, document_kind, document_type, process, invoice_number,
    issue_date, status, payload_sha256, payload_size)
  SELECT doc_id, 'inbound', sender_id, receiver_id, document_kind, document_type, process, invoice_number, issue_date, status,
    payload_sha256, payload_size FROM i
  RETURNING id, created_at
),${payloads ? ` ${payloads.insert('p', 'i', 'doc_id', '($3::bytea[])[n]')},` : ''} e AS (
  INSERT INTO document_events (document_id, type, from_status, to_status, reason, actor, details)
  SELECT doc_id, 'status', NULL, status, reason, actor, details FROM i ORDER BY n
), m AS (
  INSERT INTO as4_messages (${MESSAGE_COLUMNS})
  SELECT 'inbound', message_id, conversation_id, doc_id, from_party_id, to_party_id, original_sender, final_recipient,
    sbdh_instance_id, country_c1, service, action, signature_references, receipt_message_id, ($2::bytea[])[n], now(),
    duplicate_of, message_id, dedup_instance_id, mls_to, mls_type FROM i
  RETURNING id, document_id
), ${reportingItemInsert('r', 'i', 'i.doc_id', 'i.reporting')}
SELECT i.n, d.id AS document_id, d.created_at, m.id AS record_id FROM i JOIN d ON d.id = i.doc_id JOIN m ON m.document_id = i.doc_id`;
}

/** A repeat of a stored document (same InstanceIdentifier, same bytes): a record and an event, no new document. */
const STORE_REPEAT = `
WITH d AS (SELECT $18::uuid AS id), m AS (
  INSERT INTO as4_messages (${MESSAGE_COLUMNS}) SELECT ${MESSAGE_VALUES} FROM d RETURNING id
), e AS (
  INSERT INTO document_events (document_id, type, reason, actor, details)
  SELECT d.id, 'duplicate', $19, $20, $21::jsonb FROM d WHERE d.id IS NOT NULL
)
SELECT (SELECT id FROM m) AS record_id`;

/** Run for every received message: one table, so that planning it each time stays cheap. */
const FIND_BY_MESSAGE_ID = `
SELECT m.id, m.document_id, m.receipt, m.receipt_message_id
FROM as4_messages m
WHERE m.direction = $1 AND m.dedup_message_id = $2`;

const FIND_BY_INSTANCE_ID = `
SELECT m.id, m.document_id, m.receipt, m.receipt_message_id, d.payload_sha256
FROM as4_messages m LEFT JOIN documents d ON d.id = m.document_id
WHERE m.direction = $1 AND m.dedup_instance_id = $2`;

const DUPLICATE_EVENT = `
INSERT INTO document_events (document_id, type, reason, actor, details) VALUES ($1, 'duplicate', $2, $3, $4::jsonb)`;

function headerValues(m: ReceivedMessage): unknown[] {
  const h = m.headers;
  return [
    h.messageId,
    h.conversationId,
    h.fromPartyId,
    h.toPartyId,
    h.originalSender,
    h.finalRecipient,
    h.sbdhInstanceId,
    h.countryC1,
    h.service,
    h.action,
    h.signatureReferences === null ? null : JSON.stringify(h.signatureReferences),
    m.receipt.messageId,
    m.receipt.soap,
    m.duplicateOf,
    m.duplicateOf === null ? h.sbdhInstanceId : null,
    h.mlsTo,
    h.mlsType,
  ];
}

/** Most messages in one group commit, and groups committing at once (each holds a pooled connection). */
const MAX_GROUP = 32;
const MAX_GROUPS_IN_FLIGHT = 4;

export interface StoredReceived {
  documentId: string;
  recordId: string;
  createdAt: Date;
}

interface PendingStore {
  documentId: string;
  message: ReceivedMessage;
  doc: InMemoryDocument;
  resolve(r: StoreOutcome<StoredReceived>): void;
  reject(e: unknown): void;
}

/** One message of a group commit, as the JSON row STORE_RECEIVED_GROUP reads (payload and receipt travel apart). */
function groupRow(documentId: string, m: ReceivedMessage, doc: InMemoryDocument): Record<string, unknown> {
  const h = m.headers;
  return {
    doc_id: documentId,
    message_id: h.messageId,
    conversation_id: h.conversationId,
    from_party_id: h.fromPartyId,
    to_party_id: h.toPartyId,
    original_sender: h.originalSender,
    final_recipient: h.finalRecipient,
    sbdh_instance_id: h.sbdhInstanceId,
    country_c1: h.countryC1,
    service: h.service,
    action: h.action,
    signature_references: h.signatureReferences,
    receipt_message_id: m.receipt.messageId,
    duplicate_of: m.duplicateOf,
    dedup_instance_id: m.duplicateOf === null ? h.sbdhInstanceId : null,
    mls_to: h.mlsTo,
    mls_type: h.mlsType,
    ...documentColumns(doc, doc.payload.length),
    reason: doc.event.reason,
    actor: doc.event.actor,
    details: doc.event.details,
    reporting: doc.reporting ? JSON.parse(reportingItemJson(doc.reporting)!) : null,
  };
}

/** The statement of a message whose bytes the payload store writes itself. */
const STORE_RECEIVED_WITHOUT_PAYLOAD = storeReceivedSql(null);

type InMemoryDocument = ReceivedDocument & { payload: Buffer };

/** $1..$32 of storeReceivedSql: headers, document id, document, event and reporting item. */
function receivedValues(documentId: string, message: ReceivedMessage, doc: ReceivedDocument, payloadSize: number): unknown[] {
  return [
    ...headerValues(message),
    documentId,
    ...documentInsertValues(doc, payloadSize),
    doc.event.reason,
    doc.event.actor,
    doc.event.details === null ? null : JSON.stringify(doc.event.details),
    reportingItemJson(doc.reporting),
  ];
}

/** The duplicate outcome of a unique-key violation on a dedup key; anything else is thrown on. */
function duplicateOutcome(err: unknown): { duplicate: 'message' | 'instance' } {
  const e = err as { code?: string; constraint?: string };
  if (e?.code === UNIQUE_VIOLATION && e.constraint === 'as4_messages_dedup_message_uq') return { duplicate: 'message' };
  if (e?.code === UNIQUE_VIOLATION && e.constraint === 'as4_messages_dedup_instance_uq') return { duplicate: 'instance' };
  throw err;
}

export class As4MessageStore {
  private readonly statements: { received: NamedStatement; group: NamedStatement };

  constructor(
    private readonly knex: Knex,
    private readonly payloads: PayloadStore = new PostgresPayloadStore(knex),
  ) {
    // A payload store outside the database gets statements of their own (a name is one text per connection).
    const suffix = payloads.sql ? '' : '-external';
    this.statements = {
      received: { name: `as4-store-received${suffix}`, text: storeReceivedSql(payloads.sql) },
      group: { name: `as4-store-received-group${suffix}`, text: storeReceivedGroupSql(payloads.sql) },
    };
  }

  private query<R extends pg.QueryResultRow>(name: string | null, text: string, values: unknown[]): Promise<R[]> {
    return namedQuery<R>(this.knex, name, text, values);
  }

  /**
   * Commits a received document with its payload, creation event, message record and receipt, atomically;
   * the outcome says `duplicate` when a concurrent request stored the same MessageId or InstanceIdentifier first.
   *
   * Group commit: while MAX_GROUPS_IN_FLIGHT statements are running, further messages wait and then commit
   * together in one statement (one transaction, one WAL flush). Each caller still gets its answer only after
   * the commit that holds its message. A group that fails (a duplicate key among them, usually) is stored
   * again one message at a time, so each caller gets its own outcome.
   */
  async storeReceived(message: ReceivedMessage, doc: ReceivedDocument): Promise<StoreOutcome<StoredReceived>> {
    const documentId = randomUUID();
    const payload = doc.payload;
    if (!Buffer.isBuffer(payload)) return this.storeLarge(documentId, message, doc, payload);
    if (!this.payloads.sql) await this.payloads.put(documentId, payload);
    return new Promise((resolve, reject) => {
      this.waiting.push({ documentId, message, doc: { ...doc, payload }, resolve, reject });
      this.flushGroups();
    });
  }

  private readonly waiting: PendingStore[] = [];
  private groupsInFlight = 0;

  private flushGroups(): void {
    while (this.groupsInFlight < MAX_GROUPS_IN_FLIGHT && this.waiting.length > 0) {
      const group = this.waiting.splice(0, MAX_GROUP);
      this.groupsInFlight++;
      void this.storeGroup(group).finally(() => {
        this.groupsInFlight--;
        this.flushGroups();
      });
    }
  }

  private async storeGroup(group: PendingStore[]): Promise<void> {
    if (group.length > 1) {
      try {
        const { name, text } = this.statements.group;
        const rows = await this.query<{ n: string; document_id: string; record_id: string; created_at: Date }>(name, text, [
          JSON.stringify(group.map(({ documentId, message, doc }) => groupRow(documentId, message, doc))),
          group.map((g) => g.message.receipt.soap),
          ...(this.payloads.sql ? [group.map((g) => g.doc.payload)] : []),
        ]);
        for (const r of rows) group[Number(r.n) - 1]!.resolve({ stored: { documentId: r.document_id, recordId: String(r.record_id), createdAt: r.created_at } });
        return;
      } catch {
        // Stored one by one below: each message gets its own outcome (stored, duplicate, or another error).
      }
    }
    await Promise.all(
      group.map(({ documentId, message, doc, resolve, reject }) =>
        this.storeOne(documentId, message, doc).then(resolve, reject),
      ),
    );
  }

  private async storeOne(documentId: string, message: ReceivedMessage, doc: InMemoryDocument): Promise<StoreOutcome<StoredReceived>> {
    try {
      const { name, text } = this.statements.received;
      const [row] = await this.query<{ document_id: string; record_id: string; created_at: Date }>(name, text, [
        ...receivedValues(documentId, message, doc, doc.payload.length),
        ...(this.payloads.sql ? [doc.payload] : []),
      ]);
      return { stored: { documentId: row!.document_id, recordId: String(row!.record_id), createdAt: row!.created_at } };
    } catch (err) {
      return duplicateOutcome(err);
    }
  }

  /**
   * A large document: the statement without its bytes, then the bytes in chunks from the file, in one
   * transaction (Postgres), or put as a stream before the statement (a store outside the database): the
   * commit that makes the receipt durable holds the whole document either way, and no statement holds it.
   */
  private async storeLarge(documentId: string, message: ReceivedMessage, doc: ReceivedDocument, file: PayloadFile): Promise<StoreOutcome<StoredReceived>> {
    const values = receivedValues(documentId, message, doc, file.bytes);
    try {
      if (!this.payloads.sql) await this.payloads.putFile(documentId, file);
      const row = await this.knex.transaction(async (trx) => {
        const [r] = await namedQuery<{ document_id: string; record_id: string; created_at: Date }>(trx, 'as4-store-received-external', STORE_RECEIVED_WITHOUT_PAYLOAD, values);
        if (this.payloads.sql) await this.payloads.putFile(documentId, file, trx);
        return r!;
      });
      return { stored: { documentId: row.document_id, recordId: String(row.record_id), createdAt: row.created_at } };
    } catch (err) {
      return duplicateOutcome(err);
    }
  }

  /** Stores the record of a message repeating an already stored document, and a `duplicate` event on it. */
  async storeRepeat(message: ReceivedMessage, documentId: string | null, event: { reason: string; actor: string; details: Record<string, unknown> }): Promise<StoreOutcome<string>> {
    try {
      const [row] = await this.query<{ record_id: string }>('as4-store-repeat', STORE_REPEAT, [
        ...headerValues(message),
        documentId,
        event.reason,
        event.actor,
        JSON.stringify(event.details),
      ]);
      return { stored: String(row!.record_id) };
    } catch (err) {
      return duplicateOutcome(err);
    }
  }

  /** The stored message with this MessageId, within the duplicate-detection retention. */
  async findByMessageId(direction: Direction, messageId: string): Promise<StoredReceipt | null> {
    // Unnamed: planned with the table's current size (see namedQuery).
    const [r] = await this.query<Omit<StoredRow, 'payload_sha256'>>(null, FIND_BY_MESSAGE_ID, [direction, messageId]);
    return r ? { id: String(r.id), documentId: r.document_id, receipt: r.receipt, receiptMessageId: r.receipt_message_id } : null;
  }

  /** The first stored message with this SBDH InstanceIdentifier, within the duplicate-detection retention. */
  async findByInstanceId(direction: Direction, instanceId: string): Promise<StoredMessage | null> {
    const [r] = await this.query<StoredRow>(null, FIND_BY_INSTANCE_ID, [direction, instanceId]);
    return r ? storedOf(r) : null;
  }

  /** Appends a `duplicate` event to a document (an AS4 retry answered with the stored receipt). */
  async duplicateEvent(documentId: string, reason: string, actor: string, details: Record<string, unknown>): Promise<void> {
    await this.query('as4-duplicate-event', DUPLICATE_EVENT, [documentId, reason, actor, JSON.stringify(details)]);
  }

  /** Records of a document (its delivery evidence), oldest first. */
  async forDocument(documentId: string): Promise<As4MessageRecord[]> {
    const rows = (await this.knex('as4_messages').where({ document_id: documentId }).orderBy('id')) as MessageRow[];
    return rows.map(toRecord);
  }

  /**
   * Ends duplicate detection for messages older than the retention: their keys are cleared, the records
   * stay as evidence. Returns how many records were released.
   */
  async releaseExpiredKeys(retentionMs: number, now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - retentionMs);
    return this.knex('as4_messages')
      .where('created_at', '<', cutoff)
      .andWhere((q) => q.whereNotNull('dedup_message_id').orWhereNotNull('dedup_instance_id'))
      .update({ dedup_message_id: null, dedup_instance_id: null });
  }
}

interface StoredRow {
  id: string;
  document_id: string | null;
  receipt: Buffer | null;
  receipt_message_id: string | null;
  payload_sha256: string | null;
}

function storedOf(r: StoredRow): StoredMessage {
  return { id: String(r.id), documentId: r.document_id, receipt: r.receipt, receiptMessageId: r.receipt_message_id, payloadSha256: r.payload_sha256 };
}
