/**
 * The first after-stored handler: each document of the batch enters its recipient's inbox (`received` →
 * `available`) or is `rejected` with its report (invalid, or a business duplicate, which Mercurius rejects
 * automatically), all in one statement. It must be on the list: it is what moves a document out of
 * `received`, which start-up recovery would otherwise hand over again.
 */
import type { DocumentStore, EventInput, InboundBatchStore } from '../store/documents.js';
import type { ValidationReport } from '../validation/types.js';
import type { AfterStoredHandler } from './after-stored.js';
import { changeStatuses, type BatchMove } from './state-machine.js';

const ACTOR = 'inbound';

/**
 * The seam for the negative business response: a rejected inbound document owes its sender an Invoice
 * Response (RE) or MLS. Until that issue lands, the obligation is recorded as an event the response job
 * will pick up; nothing is sent yet.
 */
function negativeResponseDue(reason: string, details: Record<string, unknown>): EventInput & { type: string } {
  return { type: 'negative-response-due', reason, actor: ACTOR, details };
}

function summary(report: ValidationReport): string {
  const fatal = report.issues.filter((i) => i.flag === 'fatal');
  return `validation failed (${fatal.length} fatal: ${fatal
    .slice(0, 3)
    .map((i) => i.id)
    .join(', ')}${fatal.length > 3 ? ', ...' : ''})`;
}

export function inboxFiling(store: DocumentStore & InboundBatchStore): AfterStoredHandler {
  return {
    name: 'inbox',
    async handle(documents, tx) {
      const changes: BatchMove[] = documents.map(({ id, report, invoiceNumber, issueDate, duplicateOf }) => {
        const filing = { id, from: 'received' as const, validationReport: report, invoiceNumber, issueDate, duplicateOf };
        if (duplicateOf) {
          return {
            ...filing,
            to: 'rejected',
            event: { actor: ACTOR, reason: `business duplicate of ${duplicateOf}`, details: { duplicateOf } },
            before: [
              {
                type: 'business-duplicate',
                reason: `same supplier, buyer, invoice number ${invoiceNumber} and issue date ${issueDate} as document ${duplicateOf}`,
                actor: ACTOR,
                details: { duplicateOf },
              },
            ],
            after: [negativeResponseDue('duplicate invoice (Mercurius rejects duplicates automatically)', { duplicateOf })],
          };
        }
        if (report.valid) return { ...filing, to: 'available', event: { actor: ACTOR, reason: 'validation passed; in the recipient inbox' } };
        const reason = summary(report);
        return {
          ...filing,
          to: 'rejected',
          event: { actor: ACTOR, reason },
          after: [negativeResponseDue(reason, { fatalIssues: report.issues.filter((i) => i.flag === 'fatal').length })],
        };
      });
      await changeStatuses(store, changes, tx);
    },
  };
}
