/**
 * Where the business responses we make (Invoice Responses of a buyer or on its behalf, MLS as C3) leave:
 * validated like any submission, then queued on the outbound path (same delivery, retries, receipts and
 * evidence as an invoice) in the caller's transaction, with the link to the document they answer.
 */
import { createHash, randomUUID } from 'node:crypto';
import { newMessageId } from '../as4/index.js';
import { checkCreate } from '../core/state-machine.js';
import { ApError } from '../errors.js';
import type { PostgresBusinessResponseStore, ResponseKind } from '../store/business-responses.js';
import type { Tx } from '../store/documents.js';
import type { ValidationReport } from '../validation/types.js';
import type { ValidatedDocument } from './inbound-validation.js';
import type { OutboundQueue } from './submit.js';

const QUEUED = checkCreate('outbound', 'queued');

export interface OutgoingResponse {
  kind: ResponseKind;
  /** The built document and its validation. */
  xml: Buffer;
  validated: ValidatedDocument;
  tenantId: string | null;
  actor: string;
  reason: string;
  /** The document it answers (null: an answer to something we do not hold, never for what we build). */
  answers: string | null;
  responseCode: string;
  details: Record<string, unknown>;
}

export class ResponseOutbox {
  constructor(
    private readonly deps: { queue: OutboundQueue; responses: PostgresBusinessResponseStore },
  ) {}

  /**
   * Queues `r` in `tx` and links it to what it answers; the caller calls wake() after the commit. Throws
   * response.invalid with the report when the document fails its own rules (a response we built wrong
   * must not leave), and when the document it answers has its MLS already.
   */
  async queue(r: OutgoingResponse, tx: Tx): Promise<string> {
    const { report, metadata } = r.validated;
    if (!report.valid || !metadata) throw invalidResponse(r.kind, report);
    const q = this.deps.queue;
    const { supplierCountry, ...fields } = metadata;
    const queued = await q.deliveries.createQueued(
      { ...fields, initial: QUEUED, tenantId: r.tenantId, payloadSha256: createHash('sha256').update(r.xml).digest('hex'), validationReport: report },
      r.xml,
      { actor: r.actor, reason: r.reason, details: { answers: r.answers, responseCode: r.responseCode } },
      { as4MessageId: newMessageId(q.idDomain), conversationId: randomUUID(), sbdhInstanceId: randomUUID(), countryC1: supplierCountry },
      { maxAttempts: q.maxAttempts, dueAt: new Date(), heldBy: null },
      { key: null, resend: false },
      tx,
    );
    if ('duplicateOf' in queued) throw new ApError('internal', 'A response has no business key'); // key null: never a duplicate
    const linked = await this.deps.responses.record(
      { responseDocumentId: queued.document.id, kind: r.kind, answersDocumentId: r.answers, responseCode: r.responseCode, details: r.details },
      tx,
    );
    if (!linked) throw new ApError('api.conflict', `Document ${r.answers} has its MLS already`);
    return queued.document.id;
  }

  wake(): void {
    this.deps.queue.wake();
  }
}

export function invalidResponse(kind: ResponseKind, report: ValidationReport): ApError {
  const fatal = report.issues.filter((i) => i.flag === 'fatal');
  return new ApError('response.invalid', `The ${kind === 'mls' ? 'MLS' : 'Invoice Response'} breaks ${fatal.length} fatal rule(s): ${fatal.slice(0, 5).map((i) => `${i.id} ${i.message}`).join('; ')}`, { report });
}
