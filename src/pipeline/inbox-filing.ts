/**
 * The first after-stored handler: each document of the batch enters its recipient's inbox (`received` →
 * `available`) or is `rejected` with its report (invalid, or a business duplicate, which Mercurius rejects
 * automatically), all in one statement; the business responses handler after it answers the rejected ones.
 * It must be on the list: it is what moves a document out of `received`, which start-up recovery would
 * otherwise hand over again.
 */
import type { DocumentStore, InboundBatchStore } from '../store/documents.js';
import type { ValidationReport } from '../validation/types.js';
import type { AfterStoredHandler, StoredDocument } from './after-stored.js';
import { changeStatuses, type BatchMove } from './state-machine.js';

const ACTOR = 'inbound';

function summary(report: ValidationReport): string {
  const fatal = report.issues.filter((i) => i.flag === 'fatal');
  return `validation failed (${fatal.length} fatal: ${fatal
    .slice(0, 3)
    .map((i) => i.id)
    .join(', ')}${fatal.length > 3 ? ', ...' : ''})`;
}

/** Whether filing rejects the document rather than putting it in the inbox: invalid, or a business duplicate. */
export const filedAsRejected = (d: Pick<StoredDocument, 'report' | 'duplicateOf'>): boolean => d.duplicateOf !== null || !d.report.valid;

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
          };
        }
        if (!filedAsRejected({ report, duplicateOf })) return { ...filing, to: 'available', event: { actor: ACTOR, reason: 'validation passed; in the recipient inbox' } };
        const reason = summary(report);
        return {
          ...filing,
          to: 'rejected',
          event: { actor: ACTOR, reason, details: { fatalIssues: report.issues.filter((i) => i.flag === 'fatal').length } },
        };
      });
      await changeStatuses(store, changes, tx);
    },
  };
}
