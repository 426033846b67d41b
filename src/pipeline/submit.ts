/**
 * Submitting an outbound document means sending it: the document is validated, then stored with its
 * payload and the creation event, either `rejected` (fatal validation issues; kept so an operator can see
 * it) or `queued` together with its delivery row and its job in the same statement, and handed to the
 * job runner of this process for its first attempt. Input that is not a usable XML document (empty, too
 * large, DTD, malformed) is refused before anything is stored.
 *
 * The submitter decides, from the supplier the document names, for which tenant the caller sends (and
 * refuses, before anything is stored, a supplier it may not send for). A valid document that repeats one
 * already sent (same supplier, buyer, kind, number and issue date, see business_keys) is refused with the
 * original's id unless the caller says it is a deliberate resend.
 *
 * The payloads of rejected documents are kept up to a quota of bytes per UTC day
 * (ANONYMOUS_REJECTED_BYTES_PER_DAY); past it a rejected document is still stored, with its report, hash
 * and size, but without its payload, and its creation event says so.
 */
import { createHash, randomUUID } from 'node:crypto';
import { newMessageId } from '../as4/index.js';
import { ApError } from '../errors.js';
import type { PostgresDeliveryStore } from '../store/deliveries.js';
import type { DocumentRecord, DocumentStore, Tx } from '../store/documents.js';
import type { PayloadFile } from '../store/payloads.js';
import type { SubmissionEmailOptions } from '../store/email.js';
import type { ValidationReport } from '../validation/types.js';
import type { ValidatedDocument, ValidationRunner } from './inbound-validation.js';
import { checkCreate } from '../core/state-machine.js';
import type { Metrics } from '../core/metrics.js';
import { createDocument } from './state-machine.js';

/** Where queued documents go: their delivery rows and jobs, and the runner that makes the first attempt. */
export interface OutboundQueue {
  deliveries: PostgresDeliveryStore;
  /** Whether this process sends (false without our AP key: documents wait for an instance that does). */
  sends: boolean;
  /** Attempts of a new document's job. */
  maxAttempts: number;
  /** The runner of this process that takes the new job at once (null: queued for any runner). */
  hold(): { runnerId: string; leaseMs: number } | null;
  /** When any runner may take a new job whose first attempt did not start here. */
  firstAttemptGraceMs: number;
  /** Starts the first attempt of a job inserted with hold(). */
  dispatch(jobId: string, documentId: string): void;
  /** Tells the runner that jobs queued for any runner were committed (documents queued inside a larger transaction). */
  wake(): void;
  /** Right-hand side of AS4 MessageIds. */
  idDomain: string;
}

export interface SubmitDeps {
  /** The validation pool the server shares with inbound (worker threads), or an inline validator. */
  validation: ValidationRunner;
  documents: DocumentStore;
  outbound: OutboundQueue;
  /** Bytes of rejected payloads kept per UTC day, for all callers together. */
  rejectedPayloadBytesPerDay: number;
  /** Where a valid business response submitted whole goes (its own checks and queueing); absent: refused. */
  answers?: ResponseSubmission;
  /** Keeps the e-mail fallback given with a submission, with the document; absent: the e-mail channel is off. */
  emailOptions?: { save(documentId: string, options: SubmissionEmailOptions, tx: Tx): Promise<void> };
  /** Counts the documents rejected (default: none). */
  metrics?: Pick<Metrics, 'documentRejected'>;
}

/**
 * A submitted document too large to hold in memory: spooled to a file while it was read, its SHA-256 taken
 * on the way, and its validation copy made (the document without the base64 of its embedded attachments,
 * src/xml/embedded-binary.ts), as for a large received one. The caller removes the file.
 */
export interface SpooledSubmission {
  file: PayloadFile;
  sha256: string;
  validationCopy: Buffer;
}

/** A submitted document: in memory, or spooled. */
export type SubmittedPayload = Buffer | SpooledSubmission;

/** The SHA-256 (hex) of a submitted document: taken now, or while it was spooled. */
export function submittedSha256(payload: SubmittedPayload): string {
  return Buffer.isBuffer(payload) ? createHash('sha256').update(payload).digest('hex') : payload.sha256;
}

/** Business responses submitted as documents: an Invoice Response is checked against the invoice it answers. */
export interface ResponseSubmission {
  submit(payload: Buffer, validated: ValidatedDocument, by: { tenantId: string | null; actor: string }): Promise<DocumentRecord>;
}

const QUEUED = checkCreate('outbound', 'queued');
const NO_METADATA = { senderId: null, receiverId: null, documentKind: null, documentType: null, process: null, invoiceNumber: null, issueDate: null, supplierCountry: null };

/** Who submits: the tenant it sends for, decided from the supplier the document names. */
export interface Submitter {
  /**
   * The tenant that sends `senderId` (null: the document names no readable supplier) for this caller, and
   * the actor its events record; throws (403) when the caller may not send for that supplier, or when a
   * valid document names none (it could not be sent for anyone).
   */
  authorize(senderId: string | null, valid: boolean): Promise<{ tenantId: string | null; actor: string }>;
  /** A deliberate resend: no business-duplicate check. */
  resend: boolean;
  /** The e-mail fallback of this submission, over its tenant's setting. */
  email?: SubmissionEmailOptions;
}

export interface SubmitResult {
  document: DocumentRecord;
  report: ValidationReport;
  /** False for a rejected document stored without its payload (past the day's quota). */
  payloadKept: boolean;
}

/** The business key of a valid document: who sends what to whom, numbered and dated; null when one is missing. */
function businessKey(m: { senderId: string | null; receiverId: string | null; documentKind: string | null; invoiceNumber: string | null; issueDate: string | null }): string | null {
  const parts = [m.senderId?.toLowerCase(), m.receiverId?.toLowerCase(), m.documentKind, m.invoiceNumber, m.issueDate];
  return parts.every((p) => p) ? JSON.stringify(parts) : null;
}

export async function submitOutbound(deps: SubmitDeps, submitted: SubmittedPayload, submitter: Submitter): Promise<SubmitResult> {
  if (submitter.email && !deps.emailOptions) throw new ApError('api.bad-request', 'The e-mail channel is off on this access point (SMTP_HOST is not set): emailFallback and emailTo cannot be used');
  // A spooled document is validated, and its fields read, on its copy; it is stored from its file.
  const inMemory = Buffer.isBuffer(submitted);
  const payload = inMemory ? submitted : submitted.file;
  const size = inMemory ? submitted.length : submitted.file.bytes;
  const validated = await deps.validation.validate(inMemory ? submitted : submitted.validationCopy);
  const { report, metadata } = validated;
  const parseIssues = report.issues.filter((i) => i.layer === 'PARSE' && i.flag === 'fatal');
  if (parseIssues.length > 0) {
    const first = parseIssues[0]!;
    throw new ApError(first.error ?? 'xml.malformed', first.message, {
      ...(first.line ? { line: first.line } : {}),
      ...(first.column ? { column: first.column } : {}),
    });
  }
  const { supplierCountry, ...fields } = report.documentKind && metadata ? metadata : NO_METADATA;
  const { tenantId, actor } = await submitter.authorize(fields.senderId, report.valid);
  const newDocument = {
    ...fields,
    tenantId,
    payloadSha256: submittedSha256(submitted),
    validationReport: report,
  };
  if (!report.valid) {
    const fatal = report.issues.filter((i) => i.flag === 'fatal').length;
    const reason = `validation failed (${fatal} fatal issues)`;
    const perDay = deps.rejectedPayloadBytesPerDay;
    const rejected = (document: DocumentRecord, payloadKept: boolean): SubmitResult => {
      deps.metrics?.documentRejected('outbound');
      return { document, report, payloadKept };
    };
    // Counted before the document is stored: a store that then fails leaves the quota smaller, never larger.
    if (await deps.documents.countRejectedPayload(size, perDay)) {
      return rejected(await createDocument(deps.documents, { ...newDocument, direction: 'outbound', status: 'rejected' }, payload, { actor, reason }), true);
    }
    const document = await createDocument(deps.documents, { ...newDocument, direction: 'outbound', status: 'rejected' }, { unkeptSize: size }, {
      actor,
      reason: `${reason}; the payload (${size} bytes) is not kept: it would take today's rejected payloads past ANONYMOUS_REJECTED_BYTES_PER_DAY (${perDay} bytes)`,
      details: { payloadKept: false, payloadBytes: size, rejectedPayloadBytesPerDay: perDay },
    });
    return rejected(document, false);
  }
  if (fields.documentKind === 'ApplicationResponse') {
    if (submitter.email) throw new ApError('api.bad-request', 'emailFallback and emailTo apply to invoices and credit notes; a response goes by e-mail to the supplier when it cannot go over Peppol');
    if (!deps.answers) throw new ApError('api.forbidden', 'Business responses are not sent from this access point (no AS4 identity)');
    if (!inMemory) throw new ApError('input.too-large', `A business response of ${size} bytes is past the size of a document read whole; responses carry no attachments`, { size });
    return { document: await deps.answers.submit(submitted, validated, { tenantId, actor }), report, payloadKept: true };
  }
  const q = deps.outbound;
  // Document, payload, creation event, delivery row and job in one statement (one round trip, no BEGIN/COMMIT).
  // The supplier's country is kept from this parse: attempts read it from the delivery row.
  const fixed = { as4MessageId: newMessageId(q.idDomain), conversationId: randomUUID(), sbdhInstanceId: randomUUID(), countryC1: supplierCountry };
  const heldBy = q.hold();
  const create = (tx?: Tx) =>
    q.deliveries.createQueued(
      { ...newDocument, initial: QUEUED },
      payload,
      { actor, reason: submitter.resend ? 'validation passed; queued for delivery (a deliberate resend)' : 'validation passed; queued for delivery' },
      fixed,
      { maxAttempts: q.maxAttempts, dueAt: new Date(Date.now() + q.firstAttemptGraceMs), heldBy },
      { key: businessKey(fields), resend: submitter.resend },
      tx,
    );
  // The e-mail fallback of the submission commits with the document (the first attempt may need it).
  const email = submitter.email;
  const queued = email
    ? await q.deliveries.transaction(async (tx) => {
        const r = await create(tx);
        if (!('duplicateOf' in r)) await deps.emailOptions!.save(r.document.id, email, tx);
        return r;
      })
    : await create();
  if ('duplicateOf' in queued) {
    throw new ApError(
      'api.business-duplicate',
      `${fields.documentKind} ${fields.invoiceNumber} of ${fields.issueDate} from ${fields.senderId} to ${fields.receiverId} was already sent as document ${queued.duplicateOf}; to send it again on purpose, submit with ?resend=true`,
      { originalDocumentId: queued.duplicateOf, original: `/api/v1/documents/${queued.duplicateOf}` },
    );
  }
  const { document, jobId } = queued;
  if (heldBy) q.dispatch(jobId, document.id);
  return { document, report, payloadKept: true };
}
