/**
 * Business responses as use cases: a buyer answers an invoice of its inbox (Invoice Response, `respond`
 * scope), the responses about a document, and the MLS service levels of a month (operators).
 */
import type { Principal } from '../auth/principal.js';
import { ApError } from '../errors.js';
import { parseParticipantId, type ParticipantIdentifier } from '../peppol/identifiers.js';
import { answeredInvoice, type InvoiceAnswer, type InvoiceResponder } from '../pipeline/invoice-responder.js';
import type { MlsResponder } from '../pipeline/mls-responder.js';
import { RESPONSE_CODES, STATUS_ACTIONS, STATUS_REASONS, type ResponseCode } from '../responses/codes.js';
import type { StatusClarification } from '../responses/index.js';
import type { BusinessResponseRecord, MlsServiceLevel, PostgresBusinessResponseStore } from '../store/business-responses.js';
import type { PostgresDocumentStore, Tx } from '../store/documents.js';
import type { PostgresInbox } from '../store/inbox.js';
import type { PostgresTenantStore } from '../store/tenants.js';

/** MLS-1 (receipt → MLS sent) and MLS-2 (sent → MLS received) targets, as phoss-ap reports them. */
export const MLS_TARGETS = { sentSeconds: 20 * 60, receivedSeconds: 25 * 60 } as const;

export interface ServiceLevel extends MlsServiceLevel {
  targetSeconds: number;
  /** Share of the MLS within the target, 0 to 1; null in a month without any. */
  share: number | null;
}

const MAX_TEXT = 1024;

/** The answer as the API gives it, checked against the code lists before anything is built. */
export function answerOf(body: unknown): InvoiceAnswer {
  const b = (body ?? {}) as Record<string, unknown>;
  const code = b['code'];
  if (typeof code !== 'string' || !(RESPONSE_CODES as readonly string[]).includes(code)) throw new ApError('api.bad-request', `code must be one of ${RESPONSE_CODES.join(', ')}`);
  const text = (v: unknown, name: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT) throw new ApError('api.bad-request', `${name} must be a text of 1 to ${MAX_TEXT} characters`);
    return v;
  };
  const list = (v: unknown, listId: StatusClarification['listId'], allowed: readonly string[], name: string): StatusClarification[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.length > 20) throw new ApError('api.bad-request', `${name} must be a list of at most 20 entries`);
    return v.map((e, i) => {
      const c = (e ?? {}) as Record<string, unknown>;
      if (typeof c['code'] !== 'string' || !allowed.includes(c['code'])) throw new ApError('api.bad-request', `${name}[${i}].code must be one of ${allowed.join(', ')}`);
      const t = text(c['text'], `${name}[${i}].text`);
      return { listId, code: c['code'], ...(t ? { text: t } : {}) };
    });
  };
  // BIS 63 answers at document level only: a clarification about a line is a reason whose text names it.
  const lines = b['lines'];
  if (lines !== undefined && (!Array.isArray(lines) || lines.length > 100)) throw new ApError('api.bad-request', 'lines must be a list of at most 100 entries');
  const perLine = ((lines ?? []) as unknown[]).map((e, i): StatusClarification => {
    const l = (e ?? {}) as Record<string, unknown>;
    const lineId = text(l['lineId'], `lines[${i}].lineId`);
    const t = text(l['text'], `lines[${i}].text`);
    const reason = l['reason'] ?? 'OTH';
    if (!lineId || !t) throw new ApError('api.bad-request', `lines[${i}] needs a lineId and a text`);
    if (typeof reason !== 'string' || !(STATUS_REASONS as readonly string[]).includes(reason)) throw new ApError('api.bad-request', `lines[${i}].reason must be one of ${STATUS_REASONS.join(', ')}`);
    return { listId: 'OPStatusReason', code: reason, text: `Line ${lineId}: ${t}` };
  });
  const effectiveDate = b['effectiveDate'];
  if (effectiveDate !== undefined && (typeof effectiveDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(effectiveDate))) throw new ApError('api.bad-request', 'effectiveDate must be a date (YYYY-MM-DD)');
  const note = text(b['note'], 'note');
  return {
    code: code as ResponseCode,
    clarifications: [...list(b['reasons'], 'OPStatusReason', STATUS_REASONS, 'reasons'), ...perLine, ...list(b['actions'], 'OPStatusAction', STATUS_ACTIONS, 'actions')],
    ...(note ? { note } : {}),
    ...(effectiveDate ? { effectiveDate } : {}),
  };
}

export class ResponsesService {
  constructor(
    private readonly deps: {
      documents: PostgresDocumentStore;
      inbox: Pick<PostgresInbox, 'find'>;
      tenants: Pick<PostgresTenantStore, 'tenantOfParticipant'>;
      store: PostgresBusinessResponseStore;
      invoices: InvoiceResponder;
      mls: MlsResponder;
    },
  ) {}

  /**
   * The buyer `participant` answers its inbox document `id` with an Invoice Response, sent to the seller
   * over the outbound path. 404 for an inbox the key may not answer for; 409 for a document that is not an
   * invoice or credit note; 422 (response.invalid, with the report) for an answer the T111 rules refuse.
   */
  async respond(by: Principal, participant: ParticipantIdentifier, id: string, body: unknown): Promise<{ responseDocumentId: string; businessStatus: string | null }> {
    const answer = answerOf(body);
    const tenantId = await this.deps.tenants.tenantOfParticipant(participant.value);
    if (!by.can('respond', tenantId)) throw new ApError('api.not-found', `No inbox of ${participant.value} that this API key may answer for`);
    const row = await this.deps.inbox.find(participant, id);
    const doc = row && (await this.deps.documents.get(row.id));
    if (!doc) throw new ApError('api.not-found', `No document ${id} in the inbox of ${participant.value}`);
    const invoice = await answeredInvoice(this.deps.documents, doc);
    if (!invoice) throw new ApError('api.conflict', `Document ${id} is a ${doc.documentKind ?? 'document'} without a readable number or parties: only invoices and credit notes are answered`);
    const responseDocumentId = await this.deps.documents
      .transaction(async (tx) => {
        // The consistency check runs on what will be sent, as for a response submitted whole.
        await this.deps.invoices.consistent({ supplierId: invoice.supplierId, buyerId: invoice.buyerId, invoiceNumber: invoice.invoiceNumber, issueDate: invoice.issueDate }, tx);
        return this.deps.invoices.respond(invoice, answer, { actor: by.actorFor(tenantId), reason: `Invoice Response ${answer.code} by the buyer ${participant.value}` }, tx);
      })
      .catch((e: unknown) => {
        // The builder refuses what the T111 rules would (RE without a reason, PPD outside PD): the caller's answer is wrong.
        throw e instanceof ApError && e.kind === 'validation.invalid' ? new ApError('api.bad-request', e.message) : e;
      });
    this.deps.mls.wake();
    return { responseDocumentId, businessStatus: (await this.deps.documents.get(invoice.id))?.businessStatus ?? null };
  }

  /**
   * The operator console's "notify the sender": a negative Invoice Response (RE, with a reason) about
   * received document `id`, on behalf of its buyer, as respond() does for the buyer's own key.
   */
  async rejectForBuyer(by: Principal, id: string, reason: { code: string; text: string }): Promise<{ responseDocumentId: string; businessStatus: string | null }> {
    const doc = await this.deps.documents.get(id);
    if (!doc || doc.direction !== 'inbound' || !doc.receiverId || !by.can('respond', doc.tenantId)) throw new ApError('api.not-found', `No received document ${id} that this caller may answer for`);
    return this.respond(by, parseParticipantId(doc.receiverId), id, { code: 'RE', reasons: [{ code: reason.code, text: reason.text }] });
  }

  /** The buyer picked the document up: for a sender that asked ALWAYS_SEND, its MLS says AP. */
  async acknowledged(documentId: string, tx: Tx): Promise<void> {
    await this.deps.mls.confirm(documentId, 'AP', tx);
  }

  wake(): void {
    this.deps.mls.wake();
  }

  /** The responses about a document the caller may see (the caller checked that). */
  responsesTo(documentId: string): Promise<BusinessResponseRecord[]> {
    return this.deps.store.responsesTo(documentId);
  }

  /** What a response document answers, when it is one. */
  responseOf(documentId: string): Promise<BusinessResponseRecord | null> {
    return this.deps.store.responseOf(documentId);
  }

  /** MLS-1 and MLS-2 of the month `month` (YYYY-MM, UTC), for operators. */
  async serviceLevels(by: Principal, month: string): Promise<{ month: string; mlsSent: ServiceLevel; mlsReceived: ServiceLevel }> {
    if (!by.operator) throw new ApError('api.forbidden', 'The MLS service levels are for operator keys');
    const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
    if (!m) throw new ApError('api.bad-request', 'month must be YYYY-MM');
    const start = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
    const end = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
    const { sent, received } = await this.deps.store.serviceLevels(start, end, MLS_TARGETS);
    const level = (l: MlsServiceLevel, targetSeconds: number): ServiceLevel => ({ ...l, targetSeconds, share: l.count ? l.withinTarget / l.count : null });
    return { month, mlsSent: level(sent, MLS_TARGETS.sentSeconds), mlsReceived: level(received, MLS_TARGETS.receivedSeconds) };
  }
}
