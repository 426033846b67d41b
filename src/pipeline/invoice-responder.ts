/**
 * Invoice Responses (BIS 63) we send as the buyer's access point (C3/C4 side): a buyer's answer over the
 * API, or an automatic RE on its behalf (a business duplicate, a document failing validation), as
 * Mercurius does. Each is checked for consistency first (its buyer and seller must be those of the
 * invoice it names, else it is stopped: "original document not found"), built, validated against T111,
 * queued on the outbound path and linked to the invoice, whose business status follows it.
 */
import { randomUUID } from 'node:crypto';
import { BUSINESS_STATUS_OF, businessMove } from '../core/business-status.js';
import { ApError } from '../errors.js';
import { applicationResponseKind, buildInvoiceResponse, readInvoiceResponse, type InvoiceResponse, type StatusClarification } from '../responses/index.js';
import type { ResponseCode } from '../responses/codes.js';
import type { PostgresBusinessResponseStore } from '../store/business-responses.js';
import type { DocumentRecord, DocumentStore, PostgresDocumentStore, Tx } from '../store/documents.js';
import { parseDocument } from '../validation/dom.js';
import type { ValidatedDocument, ValidationRunner } from './inbound-validation.js';
import { answeredFieldsOf } from './ubl-metadata.js';
import type { ResponseOutbox } from './response-outbox.js';
import type { ResponseSubmission } from './submit.js';

/** What a buyer says about an invoice. */
export interface InvoiceAnswer {
  code: ResponseCode;
  clarifications: StatusClarification[];
  note?: string;
  effectiveDate?: string;
}

export interface InvoiceResponderDeps {
  documents: DocumentStore & Pick<PostgresDocumentStore, 'transaction'>;
  responses: PostgresBusinessResponseStore;
  outbox: ResponseOutbox;
  validation: ValidationRunner;
}

/** The invoice a response answers, as the response must name it. */
export interface AnsweredInvoice {
  id: string;
  supplierId: string;
  buyerId: string;
  /** The parties' names, which an Invoice Response repeats (T111: the legal name of each party is required). */
  supplierName: string;
  buyerName: string;
  invoiceNumber: string;
  issueDate: string | null;
  /** UNTDID 1001: 380, 381, 384... */
  typeCode: string;
  tenantId: string | null;
}

/** The invoice record as a response names it, read from its stored payload; null when it lacks what a response needs. */
export async function answeredInvoice(documents: DocumentStore, doc: DocumentRecord): Promise<AnsweredInvoice | null> {
  if (!doc.senderId || !doc.receiverId || !doc.invoiceNumber || (doc.documentKind !== 'Invoice' && doc.documentKind !== 'CreditNote')) return null;
  const payload = await documents.payload(doc.id);
  if (!payload) return null;
  const fields = answeredFieldsOf(parseDocument(payload, { maxBytes: payload.length }).root);
  return {
    id: doc.id,
    supplierId: doc.senderId,
    buyerId: doc.receiverId,
    // A name-less party (an invoice failing validation) is named by its identifier rather than not answered.
    supplierName: fields.supplierName ?? doc.senderId,
    buyerName: fields.buyerName ?? doc.receiverId,
    invoiceNumber: doc.invoiceNumber,
    issueDate: doc.issueDate,
    typeCode: fields.typeCode && /^\d{3}$/.test(fields.typeCode) ? fields.typeCode : doc.documentKind === 'CreditNote' ? '381' : '380',
    tenantId: doc.tenantId,
  };
}

export class InvoiceResponder implements ResponseSubmission {
  constructor(private readonly deps: InvoiceResponderDeps) {}

  /**
   * An Invoice Response submitted whole by the buyer's software (POST /documents, already validated):
   * stopped with response.original-not-found unless its seller and buyer sent and received the invoice it
   * names here; then queued and linked as an answer given over the API is. An MLS is never submitted: the
   * access point sends its own.
   */
  async submit(xml: Buffer, validated: ValidatedDocument, by: { tenantId: string | null; actor: string }): Promise<DocumentRecord> {
    const root = parseDocument(xml, { maxBytes: xml.length }).root;
    if (applicationResponseKind(root) !== 'invoice-response') throw new ApError('api.forbidden', 'An MLS is sent by the access point itself; only Invoice Responses are submitted');
    const r = readInvoiceResponse(root);
    const invoiceId = await this.consistent({ supplierId: r.receiver.id, buyerId: r.sender.id, invoiceNumber: r.document.id, issueDate: r.document.issueDate ?? null });
    const record = await this.deps.documents.get(invoiceId);
    const invoice = record && (await answeredInvoice(this.deps.documents, record));
    if (!invoice || invoice.tenantId !== by.tenantId) throw new ApError('response.original-not-found', `Original document not found: invoice ${r.document.id} was not received for this tenant`);
    const details = { clarifications: r.clarifications, ...(r.note ? { note: r.note } : {}) };
    const id = await this.deps.documents.transaction((tx) =>
      this.sendValidated(invoice, xml, validated, r.responseCode, details, { actor: by.actor, reason: `Invoice Response ${r.responseCode} submitted by the buyer ${r.sender.id}` }, tx),
    );
    this.deps.outbox.wake();
    return (await this.deps.documents.get(id))!;
  }

  /** The Invoice Response document for `answer` about `invoice`, from its buyer to its seller. */
  static compose(invoice: AnsweredInvoice, answer: InvoiceAnswer, now = new Date()): InvoiceResponse {
    return {
      id: randomUUID(),
      issueDate: now.toISOString().slice(0, 10),
      ...(answer.note ? { note: answer.note } : {}),
      sender: { id: invoice.buyerId, name: invoice.buyerName },
      receiver: { id: invoice.supplierId, name: invoice.supplierName },
      responseCode: answer.code,
      ...(answer.effectiveDate ? { effectiveDate: answer.effectiveDate } : {}),
      clarifications: answer.clarifications,
      document: { id: invoice.invoiceNumber, ...(invoice.issueDate ? { issueDate: invoice.issueDate } : {}), typeCode: invoice.typeCode },
    };
  }

  /**
   * Builds, validates and queues the response to `invoice` in `tx`, and moves the invoice's business
   * status; returns the response document's id. Throws response.invalid (with the report) when the
   * response breaks a fatal T111 rule.
   */
  async respond(invoice: AnsweredInvoice, answer: InvoiceAnswer, by: { actor: string; reason: string }, tx: Tx): Promise<string> {
    const xml = Buffer.from(buildInvoiceResponse(InvoiceResponder.compose(invoice, answer)), 'utf8');
    return this.send(invoice, xml, answer.code, { clarifications: answer.clarifications, ...(answer.note ? { note: answer.note } : {}) }, by, tx);
  }

  /**
   * Queues a response document given whole (submitted as XML) about `invoice`, after the consistency check
   * `consistent` made; see respond().
   */
  async send(invoice: AnsweredInvoice, xml: Buffer, code: ResponseCode, details: Record<string, unknown>, by: { actor: string; reason: string }, tx: Tx): Promise<string> {
    return this.sendValidated(invoice, xml, await this.deps.validation.validate(xml), code, details, by, tx);
  }

  private async sendValidated(
    invoice: AnsweredInvoice,
    xml: Buffer,
    validated: ValidatedDocument,
    code: ResponseCode,
    details: Record<string, unknown>,
    by: { actor: string; reason: string },
    tx: Tx,
  ): Promise<string> {
    const id = await this.deps.outbox.queue(
      { kind: 'invoice-response', xml, validated, tenantId: invoice.tenantId, actor: by.actor, reason: by.reason, answers: invoice.id, responseCode: code, details },
      tx,
    );
    const to = BUSINESS_STATUS_OF[code];
    const from = await this.deps.responses.businessStatusOf(invoice.id, tx);
    const move = businessMove(from, to);
    const event = { type: 'response-sent', actor: by.actor, reason: `Invoice Response ${code} sent to ${invoice.supplierId}${describe(details)}`, details: { responseDocumentId: id, responseCode: code, ...details } };
    if (move) await this.deps.responses.setBusinessStatus(invoice.id, move, event, tx);
    else await this.deps.responses.event(invoice.id, { ...event, reason: `${event.reason} (business status stays ${from})` }, tx);
    return id;
  }

  /**
   * Mercurius' consistency check: the inbound invoice, from the response's seller to its buyer, that the
   * response names; throws response.original-not-found otherwise.
   */
  async consistent(ref: { supplierId: string; buyerId: string; invoiceNumber: string; issueDate: string | null }, tx?: Tx): Promise<string> {
    const id = await this.deps.responses.findInvoice({ direction: 'inbound', ...ref }, tx);
    if (!id) {
      throw new ApError(
        'response.original-not-found',
        `Original document not found: no invoice ${ref.invoiceNumber}${ref.issueDate ? ` of ${ref.issueDate}` : ''} from ${ref.supplierId} to ${ref.buyerId} was received here; the response is stopped`,
        { invoiceNumber: ref.invoiceNumber, supplierId: ref.supplierId, buyerId: ref.buyerId },
      );
    }
    return id;
  }
}

/** ": REF the text; …" for an event reason. */
export function describe(details: Record<string, unknown>): string {
  const c = (details['clarifications'] as StatusClarification[] | undefined) ?? [];
  const parts = c.map((x) => `${x.code}${x.text ? ` ${x.text}` : ''}`);
  if (typeof details['note'] === 'string') parts.push(details['note']);
  return parts.length ? `: ${parts.join('; ')}` : '';
}
