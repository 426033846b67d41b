/**
 * First outbound flow: a document handed in through the API is validated, then stored with its payload and
 * the creation event, `accepted` or `rejected` (a rejected document is kept so an operator can see it).
 * Input that is not a usable XML document (empty, too large, DTD, malformed) is refused before anything
 * is stored.
 */
import { createHash } from 'node:crypto';
import { ApError } from '../errors.js';
import type { DocumentRecord, DocumentStore } from '../store/documents.js';
import type { DocumentValidator, ValidationReport } from '../validation/types.js';
import type { XmlLimits } from '../xml/safe.js';
import { createDocument } from './status.js';
import { readUblMetadata } from './ubl-metadata.js';

export interface SubmitDeps {
  validator: DocumentValidator;
  documents: DocumentStore;
  limits: XmlLimits;
}

export interface SubmitResult {
  document: DocumentRecord;
  report: ValidationReport;
}

export async function submitOutbound(deps: SubmitDeps, payload: Buffer, actor: string): Promise<SubmitResult> {
  const report = deps.validator.validate(payload);
  const parseIssues = report.issues.filter((i) => i.layer === 'PARSE' && i.flag === 'fatal');
  if (parseIssues.length > 0) {
    const first = parseIssues[0]!;
    throw new ApError('xml.malformed', `The XML is not well-formed: ${first.message}`, {
      ...(first.line ? { line: first.line } : {}),
      ...(first.column ? { column: first.column } : {}),
    });
  }
  const metadata = report.documentKind
    ? readUblMetadata(payload, deps.limits)
    : { senderId: null, receiverId: null, documentKind: null, documentType: null, process: null, invoiceNumber: null, issueDate: null };
  const status = report.valid ? 'accepted' : 'rejected';
  const document = await createDocument(
    deps.documents,
    {
      ...metadata,
      direction: 'outbound',
      status,
      payloadSha256: createHash('sha256').update(payload).digest('hex'),
      validationReport: report,
    },
    payload,
    {
      actor,
      reason: report.valid ? 'validation passed' : `validation failed (${report.issues.filter((i) => i.flag === 'fatal').length} fatal issues)`,
    },
  );
  return { document, report };
}
