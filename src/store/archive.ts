/**
 * The archive's tables (migration 20261203_0400_archive): the entry log and its checkpoints, the
 * archiver's cursor over document_events, what retention purged, and legal holds. The archive's copies
 * of bytes are the archive payload store's (src/store/payloads.ts).
 */
import type { Knex } from 'knex';
import type { ArchivedEvent, ChainedEntry } from '../archive/chain.js';
import type { Checkpoint } from '../archive/checkpoint.js';
import type { ExportDocument } from '../archive/export.js';
import type { Tx } from './documents.js';
import type { EventCursor } from './events.js';

/** An event read in commit order, with what the archiver needs of its document. */
export interface ArchiverEvent {
  cursor: EventCursor;
  event: ArchivedEvent;
  tenantId: string | null;
  payloadSize: number;
  payloadSha256: string;
  issueDate: string | null;
  createdAt: Date;
}

export interface StoredEntry extends ChainedEntry {
  tenantId: string | null;
  archivedAt: Date;
}

export interface NewEntry extends ChainedEntry {
  tenantId: string | null;
}

const ORDER = `COALESCE(e.xid, '0'::xid8)`;
/** `at` to the microsecond in UTC: the text the archive hashes. */
export const EVENT_AT = `to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const EVENT_COLUMNS = `e.id::text AS id, e.document_id, ${EVENT_AT} AS at, e.type, e.from_status, e.to_status, e.reason, e.actor, e.details`;

/** Where the archive store keeps its copies: one prefix per kind (the SQL copy below uses the same). */
const PREFIX = { document: 'document/', receipt: 'receipt/' } as const;

export const archiveKey = {
  document: (documentId: string) => PREFIX.document + documentId,
  receipt: (as4MessageId: string) => PREFIX.receipt + as4MessageId,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const archivedEventOf = (r: any): ArchivedEvent => ({
  id: r.id,
  documentId: r.document_id,
  at: r.at,
  type: r.type,
  fromStatus: r.from_status,
  toStatus: r.to_status,
  reason: r.reason,
  actor: r.actor,
  details: r.details ?? null,
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const entryOf = (r: any): StoredEntry => ({
  seq: Number(r.seq),
  kind: r.kind,
  ref: r.ref,
  documentId: r.document_id,
  tenantId: r.tenant_id,
  contentSha256: r.content_sha256,
  kept: r.kept,
  prevHash: r.prev_hash,
  entryHash: r.entry_hash,
  archivedAt: r.archived_at,
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const checkpointOf = (r: any): Checkpoint => ({
  seq: Number(r.seq),
  entryHash: r.entry_hash,
  signedAt: (r.signed_at as Date).toISOString(),
  statement: r.statement,
  signature: r.signature,
  certificate: r.certificate,
});

/** An active hold on the document or on its tenant. */
const HELD = (d: string) => `EXISTS (SELECT 1 FROM legal_holds h WHERE h.released_at IS NULL AND (h.document_id = ${d}.id OR h.tenant_id = ${d}.tenant_id))`;

export interface LegalHold {
  id: string;
  tenantId: string | null;
  documentId: string | null;
  reason: string;
  placedBy: string;
  placedAt: Date;
  releasedBy: string | null;
  releasedAt: Date | null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const holdOf = (r: any): LegalHold => ({
  id: r.id,
  tenantId: r.tenant_id,
  documentId: r.document_id,
  reason: r.reason,
  placedBy: r.placed_by,
  placedAt: r.placed_at,
  releasedBy: r.released_by,
  releasedAt: r.released_at,
});

/** A document whose bytes retention may remove now. */
export interface PurgeCandidate {
  documentId: string;
  /** as4_messages ids whose receipts the archive keeps (archive purge only). */
  receiptRefs: string[];
}

/** A document of a tenant's export, with the size of its payload (the export's bound). */
export interface TenantDocument extends ExportDocument {
  payloadSize: number;
}

/** What verification compares a document's entries with. */
export interface CurrentDocument {
  payloadSha256: string;
  validationReport: unknown;
  archivePurgedAt: Date | null;
  archiveUntil: string | null;
  payloadPurgedAt: Date | null;
}

export class PostgresArchiveStore {
  constructor(private readonly knex: Knex) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn);
  }

  /** The archiver's cursor, locked until `tx` ends: one archiver at a time, across processes. */
  async lockCursor(tx: Tx): Promise<EventCursor> {
    const { rows } = await tx.raw(`SELECT xid::text AS xid, event_id FROM archive_cursor FOR UPDATE`);
    return { xid: rows[0].xid, id: String(rows[0].event_id) };
  }

  async moveCursor(to: EventCursor, tx: Tx): Promise<void> {
    await tx.raw(`UPDATE archive_cursor SET xid = ?::xid8, event_id = ?::bigint`, [to.xid, to.id]);
  }

  /**
   * Every event after `after` in commit order, of transactions older than every one still running (so none
   * can later commit behind the cursor: see src/store/events.ts), at most `limit`.
   */
  async committedAfter(after: EventCursor, limit: number, tx: Tx): Promise<ArchiverEvent[]> {
    const { rows } = await tx.raw(
      `SELECT ${EVENT_COLUMNS}, ${ORDER}::text AS xid, d.tenant_id, d.payload_size, d.payload_sha256, d.issue_date::text AS issue_date, d.created_at
       FROM document_events e JOIN documents d ON d.id = e.document_id
       WHERE (${ORDER}, e.id) > (?::xid8, ?::bigint) AND ${ORDER} < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY ${ORDER}, e.id LIMIT ?`,
      [after.xid, after.id, limit],
    );
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return rows.map((r: any) => ({
      cursor: { xid: r.xid, id: r.id },
      event: archivedEventOf(r),
      tenantId: r.tenant_id,
      payloadSize: r.payload_size,
      payloadSha256: r.payload_sha256,
      issueDate: r.issue_date,
      createdAt: r.created_at,
    }));
  }

  /** Of `documentIds`, those with a document entry. */
  async archivedDocuments(documentIds: readonly string[], tx: Tx): Promise<Set<string>> {
    const { rows } = await tx.raw(`SELECT ref FROM archive_entries WHERE kind = 'document' AND ref = ANY (?::text[])`, [[...documentIds]]);
    return new Set(rows.map((r: { ref: string }) => r.ref));
  }

  /**
   * The receipts of these documents not yet in the archive, oldest first, with their SHA-256 (computed by
   * Postgres) and, with `bytes`, the receipts themselves (for an archive store outside the database).
   */
  async unarchivedReceipts(documentIds: readonly string[], bytes: boolean, tx: Tx): Promise<Array<{ id: string; documentId: string; sha256: string; receipt: Buffer | null }>> {
    const { rows } = await tx.raw(
      `SELECT m.id::text AS id, m.document_id, encode(sha256(m.receipt), 'hex') AS sha256, ${bytes ? 'm.receipt' : 'NULL::bytea AS receipt'} FROM as4_messages m
       WHERE m.document_id = ANY (?::uuid[]) AND m.receipt IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM archive_entries a WHERE a.kind = 'receipt' AND a.ref = m.id::text)
       ORDER BY m.id`,
      [[...documentIds]],
    );
    return rows.map((r: { id: string; document_id: string; sha256: string; receipt: Buffer | null }) => ({ id: r.id, documentId: r.document_id, sha256: r.sha256, receipt: r.receipt }));
  }

  /** The SHA-256 of the transit payloads (the `payloads` table) of these documents, computed by Postgres. */
  async payloadHashes(documentIds: readonly string[], tx: Tx): Promise<Map<string, string>> {
    const { rows } = await tx.raw(`SELECT document_id::text AS id, encode(sha256(content), 'hex') AS sha256 FROM payloads WHERE document_id = ANY (?::uuid[])`, [[...documentIds]]);
    return new Map(rows.map((r: { id: string; sha256: string }) => [r.id, r.sha256]));
  }

  /**
   * Copies payloads and receipts into `archive_objects` inside Postgres (both stores in the database: the
   * bytes never travel to the process and back), under the keys of archiveKey.
   */
  async copyInDatabase(documentIds: readonly string[], receiptIds: readonly string[], tx: Tx): Promise<void> {
    if (documentIds.length === 0 && receiptIds.length === 0) return;
    await tx.raw(
      `INSERT INTO archive_objects (key, content)
       SELECT ? || document_id, content FROM payloads WHERE document_id = ANY (?::uuid[])
       UNION ALL SELECT ? || id, receipt FROM as4_messages WHERE id = ANY (?::bigint[]) AND receipt IS NOT NULL
       ON CONFLICT (key) DO UPDATE SET content = excluded.content`,
      [PREFIX.document, [...documentIds], PREFIX.receipt, [...receiptIds]],
    );
  }

  /** The validation reports of these documents not yet in the archive. */
  async unarchivedReports(documentIds: readonly string[], tx: Tx): Promise<Map<string, unknown>> {
    const { rows } = await tx.raw(
      `SELECT d.id, d.validation_report FROM documents d
       WHERE d.id = ANY (?::uuid[]) AND d.validation_report IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM archive_entries a WHERE a.kind = 'report' AND a.ref = d.id::text)`,
      [[...documentIds]],
    );
    return new Map(rows.map((r: { id: string; validation_report: unknown }) => [r.id, r.validation_report]));
  }

  /** The last entry (null: an empty archive). */
  async head(tx?: Tx): Promise<StoredEntry | null> {
    const row = await (tx ?? this.knex)('archive_entries').orderBy('seq', 'desc').first();
    return row ? entryOf(row) : null;
  }

  async append(entries: readonly NewEntry[], tx: Tx): Promise<void> {
    if (entries.length === 0) return;
    await tx('archive_entries').insert(
      entries.map((e) => ({
        seq: e.seq,
        kind: e.kind,
        ref: e.ref,
        document_id: e.documentId,
        tenant_id: e.tenantId,
        content_sha256: e.contentSha256,
        kept: e.kept,
        prev_hash: e.prevHash,
        entry_hash: e.entryHash,
      })),
    );
  }

  async addRetention(rows: ReadonlyArray<{ documentId: string; archiveUntil: string }>, tx: Tx): Promise<void> {
    if (rows.length === 0) return;
    await tx('document_retention')
      .insert(rows.map((r) => ({ document_id: r.documentId, archive_until: r.archiveUntil })))
      .onConflict('document_id')
      .ignore();
  }

  async lastCheckpoint(tx?: Tx): Promise<Checkpoint | null> {
    const row = await (tx ?? this.knex)('archive_checkpoints').orderBy('seq', 'desc').first();
    return row ? checkpointOf(row) : null;
  }

  async addCheckpoint(c: Checkpoint, tx: Tx): Promise<void> {
    await tx('archive_checkpoints')
      .insert({ seq: c.seq, entry_hash: c.entryHash, signed_at: c.signedAt, statement: c.statement, signature: c.signature, certificate: c.certificate })
      .onConflict('seq')
      .ignore();
  }

  /** Checkpoints with seq in [from, to]. */
  async checkpoints(from: number, to: number): Promise<Checkpoint[]> {
    return (await this.knex('archive_checkpoints').whereBetween('seq', [from, to]).orderBy('seq')).map(checkpointOf);
  }

  /** The first checkpoint at or after `seq`. */
  async checkpointFrom(seq: number): Promise<Checkpoint | null> {
    const row = await this.knex('archive_checkpoints').where('seq', '>=', seq).orderBy('seq').first();
    return row ? checkpointOf(row) : null;
  }

  async entry(seq: number): Promise<StoredEntry | null> {
    const row = await this.knex('archive_entries').where({ seq }).first();
    return row ? entryOf(row) : null;
  }

  /** Entries with seq in [from, to], in order, at most `limit`. */
  async entries(from: number, to: number, limit: number): Promise<StoredEntry[]> {
    return (await this.knex('archive_entries').whereBetween('seq', [from, to]).orderBy('seq').limit(limit)).map(entryOf);
  }

  /** The seq range of entries archived in [from, to). */
  async seqRange(from: Date, to: Date): Promise<{ first: number; last: number } | null> {
    const { rows } = await this.knex.raw(`SELECT min(seq) AS first, max(seq) AS last FROM archive_entries WHERE archived_at >= ? AND archived_at < ?`, [from, to]);
    return rows[0].first === null ? null : { first: Number(rows[0].first), last: Number(rows[0].last) };
  }

  /** The current rows the entries of one page are about (null where a row is gone). */
  async currentEvents(ids: readonly string[]): Promise<Map<string, ArchivedEvent>> {
    const { rows } = await this.knex.raw(`SELECT ${EVENT_COLUMNS} FROM document_events e WHERE e.id = ANY (?::bigint[])`, [[...ids]]);
    return new Map(rows.map((r: { id: string }) => [r.id, archivedEventOf(r)]));
  }

  async currentReceipts(ids: readonly string[]): Promise<Map<string, Buffer | null>> {
    const { rows } = await this.knex.raw(`SELECT id::text AS id, receipt FROM as4_messages WHERE id = ANY (?::bigint[])`, [[...ids]]);
    return new Map(rows.map((r: { id: string; receipt: Buffer | null }) => [r.id, r.receipt]));
  }

  async currentDocuments(ids: readonly string[]): Promise<Map<string, CurrentDocument>> {
    const { rows } = await this.knex.raw(
      `SELECT d.id, d.payload_sha256, d.validation_report, r.archive_purged_at, r.archive_until::text AS archive_until, r.payload_purged_at
       FROM documents d LEFT JOIN document_retention r ON r.document_id = d.id WHERE d.id = ANY (?::uuid[])`,
      [[...ids]],
    );
    return new Map(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      rows.map((r: any) => [r.id, { payloadSha256: r.payload_sha256, validationReport: r.validation_report, archivePurgedAt: r.archive_purged_at, archiveUntil: r.archive_until, payloadPurgedAt: r.payload_purged_at }]),
    );
  }

  /** The tenant's documents of these directions stored in [from, to). */
  async tenantDocuments(tenantId: string, directions: readonly ('outbound' | 'inbound')[], from: Date, to: Date): Promise<TenantDocument[]> {
    const { rows } = await this.knex.raw(
      `SELECT id, direction, document_kind, invoice_number, issue_date::text AS issue_date, sender_id, receiver_id, payload_size FROM documents
       WHERE tenant_id = ?::uuid AND direction = ANY (?::text[]) AND created_at >= ? AND created_at < ?
       ORDER BY created_at, id`,
      [tenantId, [...directions], from, to],
    );
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return rows.map((r: any) => ({
      documentId: r.id,
      direction: r.direction,
      documentKind: r.document_kind,
      invoiceNumber: r.invoice_number,
      issueDate: r.issue_date,
      senderId: r.sender_id,
      receiverId: r.receiver_id,
      payloadSize: r.payload_size,
    }));
  }

  /** Every entry about these documents, in chain order. */
  async entriesOfDocuments(documentIds: readonly string[]): Promise<StoredEntry[]> {
    const { rows } = await this.knex.raw(`SELECT * FROM archive_entries WHERE document_id = ANY (?::uuid[]) ORDER BY seq`, [[...documentIds]]);
    return rows.map(entryOf);
  }

  /** The leaves' inputs of every entry in [from, to], in order, by pages (for an export's proof). */
  async *span(from: number, to: number, page = 5000): AsyncGenerator<StoredEntry> {
    for (let at = from; at <= to; ) {
      const rows = await this.entries(at, to, page);
      if (rows.length === 0) return;
      yield* rows;
      at = rows[rows.length - 1]!.seq + 1;
    }
  }

  async validationReports(documentIds: readonly string[]): Promise<Map<string, unknown>> {
    const { rows } = await this.knex.raw(`SELECT id, validation_report FROM documents WHERE id = ANY (?::uuid[]) AND validation_report IS NOT NULL`, [[...documentIds]]);
    return new Map(rows.map((r: { id: string; validation_report: unknown }) => [r.id, r.validation_report]));
  }

  // Retention.

  /**
   * Documents whose transit payload may go at `now`: stored before `storedBefore`, archived, in a final
   * status (`finals`: direction:status pairs), not purged yet, under no hold.
   */
  async payloadPurgeCandidates(storedBefore: Date, finals: readonly string[], limit: number): Promise<string[]> {
    const { rows } = await this.knex.raw(
      `SELECT d.id FROM document_retention r JOIN documents d ON d.id = r.document_id
       WHERE r.payload_purged_at IS NULL AND d.created_at < ? AND (d.direction || ':' || d.status) = ANY (?::text[]) AND NOT ${HELD('d')}
       ORDER BY d.created_at LIMIT ?`,
      [storedBefore, [...finals], limit],
    );
    return rows.map((r: { id: string }) => r.id);
  }

  /** Documents whose archive copies may go on `today` (YYYY-MM-DD): kept until then, under no hold. */
  async archivePurgeCandidates(today: string, limit: number): Promise<PurgeCandidate[]> {
    const { rows } = await this.knex.raw(
      `SELECT d.id, ARRAY(SELECT a.ref FROM archive_entries a WHERE a.document_id = d.id AND a.kind = 'receipt' AND a.kept) AS receipts
       FROM document_retention r JOIN documents d ON d.id = r.document_id
       WHERE r.archive_purged_at IS NULL AND r.archive_until <= ?::date AND NOT ${HELD('d')}
       ORDER BY r.archive_until LIMIT ?`,
      [today, limit],
    );
    return rows.map((r: { id: string; receipts: string[] }) => ({ documentId: r.id, receiptRefs: r.receipts }));
  }

  /**
   * Marks a purge done with its timeline event, in `tx`, if the document is still eligible (not purged by
   * another runner meanwhile, no hold placed since); false when it is not.
   */
  async markPurged(documentId: string, what: 'payload' | 'archive', at: Date, event: { reason: string; actor: string; details: Record<string, unknown> }, tx: Tx): Promise<boolean> {
    // An archive purge removes the transit payload too, when it is still there.
    const set = what === 'payload' ? 'payload_purged_at = ?' : 'archive_purged_at = ?, payload_purged_at = COALESCE(r.payload_purged_at, ?)';
    const column = what === 'payload' ? 'payload_purged_at' : 'archive_purged_at';
    const { rowCount } = await tx.raw(
      `UPDATE document_retention r SET ${set}
       FROM documents d WHERE d.id = r.document_id AND r.document_id = ?::uuid AND r.${column} IS NULL AND NOT ${HELD('d')}`,
      [...(what === 'payload' ? [at] : [at, at]), documentId],
    );
    if (rowCount !== 1) return false;
    await tx('document_events').insert({ document_id: documentId, type: `${what}-purged`, actor: event.actor, reason: event.reason, details: JSON.stringify(event.details) });
    return true;
  }

  // Legal holds.

  async placeHold(h: { tenantId: string | null; documentId: string | null; reason: string; placedBy: string }): Promise<LegalHold> {
    const [row] = await this.knex('legal_holds').insert({ tenant_id: h.tenantId, document_id: h.documentId, reason: h.reason, placed_by: h.placedBy }).returning('*');
    return holdOf(row);
  }

  async releaseHold(id: string, by: string): Promise<LegalHold | null> {
    const [row] = await this.knex('legal_holds').where({ id }).whereNull('released_at').update({ released_at: this.knex.fn.now(), released_by: by }).returning('*');
    return row ? holdOf(row) : null;
  }

  async holds(activeOnly: boolean): Promise<LegalHold[]> {
    const q = this.knex('legal_holds').orderBy('placed_at');
    if (activeOnly) q.whereNull('released_at');
    return (await q).map(holdOf);
  }

  async exists(table: 'tenants' | 'documents', id: string): Promise<boolean> {
    return (await this.knex(table).select('id').where({ id }).first()) !== undefined;
  }
}

