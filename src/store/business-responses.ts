/**
 * Business responses (Invoice Responses, MLS) and what they change on the document they answer: the link
 * (business_responses), the business status (a compare-and-set from a checked move of
 * src/core/business-status.ts) and the MLS code, each with its timeline entry in the caller's transaction.
 * Also the lookups that find what a response answers, and the MLS service-level figures.
 */
import type { Knex } from 'knex';
import type { BusinessStatus, CheckedBusinessMove } from '../core/business-status.js';
import type { Direction } from '../core/state-machine.js';
import type { MlsCode } from '../responses/codes.js';
import type { EventInput, Tx } from './documents.js';
import { isUuid } from './uuid.js';

export type ResponseKind = 'invoice-response' | 'mls';

export interface BusinessResponseRecord {
  responseDocumentId: string;
  kind: ResponseKind;
  /** Null: it names nothing of ours (kept, flagged on its own timeline). */
  answersDocumentId: string | null;
  responseCode: string;
  details: Record<string, unknown>;
  /** The response document's direction: sent by us (outbound) or received (inbound). */
  direction: Direction;
  status: string;
  createdAt: Date;
}

/** The business document an Invoice Response refers to, by its parties and number. */
export interface InvoiceReference {
  direction: Direction;
  supplierId: string;
  buyerId: string;
  invoiceNumber: string;
  /** When the response gives it. */
  issueDate: string | null;
}

/** Where a received business document's MLS goes, as its AS4 message and SBDH said. */
export interface MlsAddressing {
  documentId: string;
  instanceIdentifier: string;
  /** The sending access point's seat id (C2). */
  fromPartyId: string;
  mlsTo: string | null;
  mlsType: string | null;
  receivedAt: Date;
  /** The received document's tenant, whose evidence the MLS is too. */
  tenantId: string | null;
}

/** One month of one MLS service level: how many MLS, how many within the target, and the slowest. */
export interface MlsServiceLevel {
  count: number;
  withinTarget: number;
  maxSeconds: number | null;
}

const eventRow = (documentId: string, e: EventInput & { type: string }) => ({
  document_id: documentId,
  type: e.type,
  reason: e.reason ?? null,
  actor: e.actor,
  details: e.details ? JSON.stringify(e.details) : null,
});

export class PostgresBusinessResponseStore {
  constructor(private readonly knex: Knex) {}

  /** Links a response to what it answers; false (nothing written) when that document has its MLS already. */
  async record(r: Omit<BusinessResponseRecord, 'direction' | 'status' | 'createdAt'>, tx: Tx): Promise<boolean> {
    const rows = await tx('business_responses')
      .insert({
        response_document_id: r.responseDocumentId,
        kind: r.kind,
        answers_document_id: r.answersDocumentId,
        response_code: r.responseCode,
        details: JSON.stringify(r.details),
      })
      .onConflict(tx.raw(`(answers_document_id) WHERE kind = 'mls'`))
      .ignore()
      .returning('response_document_id');
    return rows.length === 1;
  }

  /** Appends a timeline entry that moves no status. */
  async event(documentId: string, e: EventInput & { type: string }, tx: Tx): Promise<void> {
    await tx('document_events').insert(eventRow(documentId, e));
  }

  /** Moves the business status of `id` from `move.from` (compare-and-set), with its event; false when it was not there. */
  async setBusinessStatus(id: string, move: CheckedBusinessMove, e: EventInput & { type: string }, tx: Tx): Promise<boolean> {
    const n = await tx('documents')
      .where({ id })
      .whereRaw('business_status IS NOT DISTINCT FROM ?', [move.from])
      .update({ business_status: move.to, business_status_at: tx.fn.now(), updated_at: tx.fn.now() });
    if (n === 0) return false;
    await tx('document_events').insert({ ...eventRow(id, e), details: JSON.stringify({ ...e.details, businessStatus: move.to, previousBusinessStatus: move.from }) });
    return true;
  }

  /** The MLS code of `id`'s exchange, with its event; false when it has one already (at most one MLS). */
  async setMlsCode(id: string, code: MlsCode, e: EventInput & { type: string }, tx: Tx): Promise<boolean> {
    const n = await tx('documents').where({ id }).whereNull('mls_code').update({ mls_code: code, updated_at: tx.fn.now() });
    if (n === 0) return false;
    await tx('document_events').insert(eventRow(id, e));
    return true;
  }

  /** The business status of `id`, locked until `tx` ends (moves of one document are serialised). */
  async businessStatusOf(id: string, tx: Tx): Promise<BusinessStatus | null> {
    const row = await tx('documents').where({ id }).forUpdate().first('business_status');
    return row?.business_status ?? null;
  }

  /**
   * The newest invoice or credit note (not an ApplicationResponse) of `direction` from `supplierId` to
   * `buyerId` with this number (and issue date when given), not rejected at submission.
   */
  async findInvoice(ref: InvoiceReference, tx?: Tx): Promise<string | null> {
    const q = (tx ?? this.knex)('documents')
      .where({ direction: ref.direction, invoice_number: ref.invoiceNumber })
      .whereRaw('lower(sender_id) = lower(?) AND lower(receiver_id) = lower(?)', [ref.supplierId, ref.buyerId])
      .whereIn('document_kind', ['Invoice', 'CreditNote'])
      .whereNot({ status: 'rejected' })
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .first('id');
    if (ref.issueDate) q.where({ issue_date: ref.issueDate });
    return (await q)?.id ?? null;
  }

  /** Whether any invoice of `direction` carries this number (from anyone): a response naming it with other parties is inconsistent. */
  async invoiceNumberKnown(direction: Direction, invoiceNumber: string, tx?: Tx): Promise<boolean> {
    const row = await (tx ?? this.knex)('documents').where({ direction, invoice_number: invoiceNumber }).whereIn('document_kind', ['Invoice', 'CreditNote']).first('id');
    return row !== undefined;
  }

  /** The outbound document sent with this SBDH InstanceIdentifier. */
  async outboundByInstanceId(instanceIdentifier: string, tx?: Tx): Promise<string | null> {
    const row = await (tx ?? this.knex)('outbound_deliveries').where({ sbdh_instance_id: instanceIdentifier }).first('document_id');
    return row?.document_id ?? null;
  }

  /** The MLS addressing of received documents (those that came over AS4; local deliveries have none). */
  async mlsAddressing(documentIds: readonly string[], tx: Tx): Promise<Map<string, MlsAddressing>> {
    if (documentIds.length === 0) return new Map();
    const rows = await tx('as4_messages as m')
      .join('documents as d', 'd.id', 'm.document_id')
      .whereIn('m.document_id', [...documentIds])
      .where({ 'm.direction': 'inbound' })
      .whereNull('m.duplicate_of')
      .select('m.document_id', 'm.sbdh_instance_id', 'm.from_party_id', 'm.mls_to', 'm.mls_type', 'm.created_at', 'd.tenant_id');
    return new Map(
      rows.map((r) => [
        r.document_id,
        { documentId: r.document_id, instanceIdentifier: r.sbdh_instance_id, fromPartyId: r.from_party_id, mlsTo: r.mls_to, mlsType: r.mls_type, receivedAt: r.created_at, tenantId: r.tenant_id },
      ]),
    );
  }

  /**
   * A received MLS goes to our own 0242 participant, of no tenant: once linked, it belongs to the tenant of
   * the document it is about, whose evidence it is.
   */
  async adoptByTenantOf(responseDocumentId: string, answeredDocumentId: string, tx: Tx): Promise<void> {
    await tx('documents')
      .where({ id: responseDocumentId })
      .whereNull('tenant_id')
      .update({ tenant_id: tx('documents').where({ id: answeredDocumentId }).select('tenant_id') });
  }

  /** Whether `documentId` has its MLS already (sent for an inbound document, received for an outbound one). */
  async hasMls(documentId: string, tx: Tx): Promise<boolean> {
    return (await tx('business_responses').where({ answers_document_id: documentId, kind: 'mls' }).first('response_document_id')) !== undefined;
  }

  /** The responses about `documentId`, oldest first. */
  async responsesTo(documentId: string): Promise<BusinessResponseRecord[]> {
    if (!isUuid(documentId)) return [];
    const rows = await this.knex('business_responses as r')
      .join('documents as d', 'd.id', 'r.response_document_id')
      .where('r.answers_document_id', documentId)
      .orderBy([{ column: 'r.created_at' }, { column: 'r.response_document_id' }])
      .select('r.*', 'd.direction', 'd.status');
    return rows.map(responseRecord);
  }

  /** What `responseDocumentId` answers, when it is a response. */
  async responseOf(responseDocumentId: string): Promise<BusinessResponseRecord | null> {
    if (!isUuid(responseDocumentId)) return null;
    const row = await this.knex('business_responses as r')
      .join('documents as d', 'd.id', 'r.response_document_id')
      .where('r.response_document_id', responseDocumentId)
      .first('r.*', 'd.direction', 'd.status');
    return row ? responseRecord(row) : null;
  }

  /**
   * MLS-1 (received business document → its MLS delivered to C2) and MLS-2 (business document delivered
   * → its MLS received from C3) over the month starting at `monthStart` (UTC), against their targets.
   */
  async serviceLevels(monthStart: Date, monthEnd: Date, targets: { sentSeconds: number; receivedSeconds: number }): Promise<{ sent: MlsServiceLevel; received: MlsServiceLevel }> {
    const { rows } = await this.knex.raw(
      `WITH sent AS (
         SELECT extract(epoch FROM (od.delivered_at - b.created_at)) AS s
         FROM business_responses r
         JOIN documents b ON b.id = r.answers_document_id AND b.direction = 'inbound'
         JOIN outbound_deliveries od ON od.document_id = r.response_document_id
         WHERE r.kind = 'mls' AND od.delivered_at IS NOT NULL AND b.created_at >= ? AND b.created_at < ?
       ), received AS (
         SELECT extract(epoch FROM (m.created_at - od.delivered_at)) AS s
         FROM business_responses r
         JOIN documents m ON m.id = r.response_document_id AND m.direction = 'inbound'
         JOIN outbound_deliveries od ON od.document_id = r.answers_document_id
         WHERE r.kind = 'mls' AND od.delivered_at IS NOT NULL AND od.delivered_at >= ? AND od.delivered_at < ?
       )
       SELECT 'sent' AS which, count(*)::int AS count, count(*) FILTER (WHERE s <= ?)::int AS within, max(s) AS max FROM sent
       UNION ALL
       SELECT 'received', count(*)::int, count(*) FILTER (WHERE s <= ?)::int, max(s) FROM received`,
      [monthStart, monthEnd, monthStart, monthEnd, targets.sentSeconds, targets.receivedSeconds],
    );
    const level = (which: string): MlsServiceLevel => {
      const r = rows.find((x: { which: string }) => x.which === which);
      return { count: r.count, withinTarget: r.within, maxSeconds: r.max === null ? null : Number(r.max) };
    };
    return { sent: level('sent'), received: level('received') };
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function responseRecord(r: any): BusinessResponseRecord {
  return {
    responseDocumentId: r.response_document_id,
    kind: r.kind,
    answersDocumentId: r.answers_document_id,
    responseCode: r.response_code,
    details: r.details,
    direction: r.direction,
    status: r.status,
    createdAt: r.created_at,
  };
}
