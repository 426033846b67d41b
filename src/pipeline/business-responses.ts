/**
 * The after-stored handler for business responses, after inbox filing and in the batch's transaction:
 * - a received MLS (we are C2) is linked to the document we sent by its SBDH InstanceIdentifier and gives
 *   it its MLS code; it is consumed here (acknowledged) and never answered with an MLS;
 * - a received Invoice Response (we are the supplier's access point) is linked to the invoice we sent by
 *   its number and parties and moves its business status; one naming nothing we sent is kept and flagged;
 * - a received invoice that is a business duplicate or fails validation is answered RE on the buyer's
 *   behalf (Invoice Response, when its parties and number can be read);
 * - every received business document gets its MLS as C3: RE at once when rejected, and for a sender asking
 *   ALWAYS_SEND a positive one on acknowledgement or when the confirmation wait ends (the job).
 */
import { businessMove, BUSINESS_STATUS_OF } from '../core/business-status.js';
import { parseDocument, type XNode } from '../validation/dom.js';
import { MLS_CUSTOMIZATION } from '../responses/codes.js';
import { applicationResponseKind, readInvoiceResponse, readMessageLevelStatus, type StatusClarification } from '../responses/index.js';
import type { PostgresBusinessResponseStore } from '../store/business-responses.js';
import type { DocumentStore, Tx } from '../store/documents.js';
import type { AfterStoredHandler, StoredDocument } from './after-stored.js';
import { answeredInvoice, describe, type InvoiceResponder } from './invoice-responder.js';
import { mlsLinesOf } from './mls.js';
import type { MlsResponder } from './mls-responder.js';
import { changeStatus } from './state-machine.js';

const ACTOR = 'inbound';

export interface BusinessResponsesDeps {
  documents: DocumentStore;
  responses: PostgresBusinessResponseStore;
  invoices: InvoiceResponder;
  mls: MlsResponder;
  /** Schedules the positive MLS of a document whose sender asked ALWAYS_SEND, for when the wait ends. */
  scheduleConfirmation(documentId: string, tx: Tx): Promise<void>;
  maxBytes: number;
}

function fatalIds(d: StoredDocument): string[] {
  return [...new Set(d.report.issues.filter((i) => i.flag === 'fatal').map((i) => i.id))];
}

export function businessResponses(deps: BusinessResponsesDeps): AfterStoredHandler {
  const { responses } = deps;

  async function rootOf(d: StoredDocument): Promise<XNode | null> {
    const payload = d.payload ?? (await deps.documents.payload(d.id));
    return payload ? parseDocument(payload, { maxBytes: deps.maxBytes }).root : null;
  }

  async function receivedMls(d: StoredDocument, root: XNode, tx: Tx): Promise<void> {
    const mls = readMessageLevelStatus(root);
    const target = await responses.outboundByInstanceId(mls.referencedInstanceId, tx);
    const details = { description: mls.description ?? null, lines: mls.lines, from: mls.sender.id };
    const linked = await responses.record({ responseDocumentId: d.id, kind: 'mls', answersDocumentId: target, responseCode: mls.responseCode, details }, tx);
    if (!target) {
      await responses.event(d.id, { type: 'response-unmatched', actor: ACTOR, reason: `MLS about SBDH instance ${mls.referencedInstanceId}, which this access point did not send: kept, not applied`, details }, tx);
    } else if (!linked) {
      await responses.event(d.id, { type: 'response-unmatched', actor: ACTOR, reason: `a second MLS about document ${target}: the first one stands`, details }, tx);
    } else {
      await responses.adoptByTenantOf(d.id, target, tx);
      const lines = mls.lines.map((l) => `${l.reason} ${l.description}`).slice(0, 5).join('; ');
      await responses.setMlsCode(
        target,
        mls.responseCode,
        { type: 'mls-received', actor: ACTOR, reason: `MLS ${mls.responseCode} from ${mls.sender.id}${mls.description ? `: ${mls.description}` : ''}${lines ? ` (${lines})` : ''}`, details: { mlsDocumentId: d.id, code: mls.responseCode, ...details } },
        tx,
      );
    }
    // The MLS is for this access point, not for a tenant's inbox: consumed here.
    await changeStatus(deps.documents, d.id, 'acknowledged', { actor: ACTOR, reason: target ? `MLS applied to document ${target}` : 'MLS kept; it names nothing we sent' }, { expected: { direction: 'inbound', from: 'available' }, tx });
  }

  async function receivedInvoiceResponse(d: StoredDocument, root: XNode, tx: Tx): Promise<void> {
    const ir = readInvoiceResponse(root);
    const ref = { supplierId: ir.receiver.id, buyerId: ir.sender.id, invoiceNumber: ir.document.id, issueDate: ir.document.issueDate ?? null };
    const invoice = await responses.findInvoice({ direction: 'outbound', ...ref }, tx);
    const details: Record<string, unknown> = { clarifications: ir.clarifications, ...(ir.note ? { note: ir.note } : {}), from: ir.sender.id, invoiceNumber: ir.document.id };
    await responses.record({ responseDocumentId: d.id, kind: 'invoice-response', answersDocumentId: invoice, responseCode: ir.responseCode, details }, tx);
    if (!invoice) {
      const known = await responses.invoiceNumberKnown('outbound', ref.invoiceNumber, tx);
      const why = known
        ? `names invoice ${ref.invoiceNumber}, but not between the parties it was sent between (buyer ${ref.buyerId}, seller ${ref.supplierId}): original document not found; not applied`
        : `names invoice ${ref.invoiceNumber}, which this access point did not send for ${ref.supplierId}: kept, not applied`;
      await responses.event(d.id, { type: 'response-unmatched', actor: ACTOR, reason: `Invoice Response ${ir.responseCode} ${why}`, details }, tx);
      return;
    }
    const to = BUSINESS_STATUS_OF[ir.responseCode];
    const from = await responses.businessStatusOf(invoice, tx);
    const move = businessMove(from, to);
    const event = {
      type: 'response-received',
      actor: ACTOR,
      reason: `Invoice Response ${ir.responseCode} from the buyer ${ir.sender.id}${describe(details)}`,
      // The business status this answer left, for the event: it may move again before the event is read.
      details: { responseDocumentId: d.id, responseCode: ir.responseCode, businessStatus: move ? move.to : from, ...details },
    };
    if (move) await responses.setBusinessStatus(invoice, move, event, tx);
    else await responses.event(invoice, { ...event, reason: `${event.reason} (business status stays ${from})` }, tx);
  }

  /** RE on the buyer's behalf for a duplicate or invalid invoice whose parties and number can be read. */
  async function autoReject(d: StoredDocument, tx: Tx): Promise<void> {
    const doc = await deps.documents.get(d.id);
    // The parties and number as the invoice itself gives them: the response must name those.
    const m = d.metadata;
    const invoice = doc && (await answeredInvoice(deps.documents, { ...doc, senderId: m?.senderId ?? doc.senderId, receiverId: m?.receiverId ?? doc.receiverId, invoiceNumber: d.invoiceNumber, issueDate: d.issueDate }));
    if (!invoice) return;
    const clarifications: StatusClarification[] = d.duplicateOf
      ? [{ listId: 'OPStatusReason', code: 'OTH', text: `Duplicate: invoice ${invoice.invoiceNumber} of ${invoice.issueDate} was received before and is being processed` }, { listId: 'OPStatusAction', code: 'NOA' }]
      : [{ listId: 'OPStatusReason', code: 'OTH', text: `The invoice breaks fatal validation rules: ${fatalIds(d).slice(0, 20).join(', ')}` }, { listId: 'OPStatusAction', code: 'NIN' }];
    await deps.invoices.respond(invoice, { code: 'RE', clarifications }, { actor: ACTOR, reason: d.duplicateOf ? 'automatic RE on the buyer\'s behalf: business duplicate' : 'automatic RE on the buyer\'s behalf: fails validation' }, tx);
  }

  return {
    name: 'business-responses',
    async handle(documents, tx) {
      const addressing = await responses.mlsAddressing(documents.map((d) => d.id), tx);
      for (const d of documents) {
        // An MLS never causes another MLS, valid or not (an invalid one is rejected by inbox filing, and stays so).
        if (d.metadata?.documentType?.includes(`##${MLS_CUSTOMIZATION}::`)) {
          const root = d.report.valid ? await rootOf(d) : null;
          if (root && applicationResponseKind(root) === 'mls') await receivedMls(d, root, tx);
          continue;
        }
        if (d.metadata?.documentKind === 'ApplicationResponse' && d.report.valid) {
          const root = await rootOf(d);
          if (root && applicationResponseKind(root) === 'invoice-response') await receivedInvoiceResponse(d, root, tx);
        }
        const kind = d.metadata?.documentKind;
        if ((kind === 'Invoice' || kind === 'CreditNote') && (d.duplicateOf || !d.report.valid)) await autoReject(d, tx);
        if (!d.report.valid) {
          const fatal = fatalIds(d);
          await deps.mls.send(d.id, { code: 'RE', description: `Rejected: ${fatal.length} fatal validation issue(s) (${fatal.slice(0, 5).join(', ')})`, lines: mlsLinesOf(d.report) }, tx);
        } else if (d.duplicateOf) {
          await deps.mls.confirm(d.id, 'AB', tx); // received and answered by the Invoice Response: no confirmation will follow
        } else if (addressing.get(d.id)?.mlsType === 'ALWAYS_SEND') {
          await deps.scheduleConfirmation(d.id, tx);
        }
      }
    },
    committed() {
      deps.mls.wake();
    },
  };
}
