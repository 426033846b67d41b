/**
 * Documents API (v1): submit (= send) a UBL 2.1 Invoice or CreditNote, read its status, timeline,
 * validation report and evidence (delivery of an outbound document, reception of an inbound one), fetch
 * its payload and the AS4 receipt; its renderings and attachments (renderings.ts).
 */
import { rm } from 'node:fs/promises';
import { Router, type Request, type Response } from 'express';
import { ApError } from '../errors.js';
import { BUSINESS_STATUSES } from '../core/business-status.js';
import type { Direction } from '../core/state-machine.js';
import type { As4MessageRecord, BusinessResponseRecord, DeliveryDetail, DocumentFilter, DocumentRecord, DocumentsService, Submission, SubmissionEmailOptions, SubmissionResponse, SubmittedPayload, SubmitResult } from '../services/documents.js';
import { isValidAddress } from '../email/address.js';
import { languageOf } from '../validation/explain/explain.js';
import type { ExplainedReport, Language, ValidationReport } from '../validation/types.js';
import { admitBody, readBody, type InflightBudget } from './body-budget.js';
import { readSpooledBody, type BodySpool } from './spooled-body.js';
import { problem } from './errors.js';
import { UUID_PATTERN, uuidParam } from './params.js';
import { principalWith } from './principal.js';
import { renderingRoutes } from './renderings.js';
import { noStore, sendXmlAttachment } from './response-headers.js';

export interface DocumentsApiDeps {
  documents: DocumentsService;
  maxDocumentBytes: number;
  /** The in-flight byte budget the server's request bodies share. */
  bodies: InflightBudget;
  /** Submissions past the threshold go to a file while they are read (none: every body is read whole, up to maxDocumentBytes). */
  spool?: BodySpool;
}

const XML_TYPES = ['application/xml', 'text/xml', 'application/*+xml'];
/** When a request whose key is in progress may try again: a submission takes well under a second. */
const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

/** The language findings are explained in: the request's Accept-Language among nl, fr and en (English by default), said back in Content-Language. */
function language(req: Request, res: Response): Language {
  const lang = languageOf(req.get('accept-language'));
  res.setHeader('Content-Language', lang);
  res.vary('Accept-Language');
  return lang;
}

function reportView(r: ExplainedReport | null) {
  return r && { valid: r.valid, documentKind: r.documentKind, ruleSet: r.ruleSet ?? null, issues: r.issues, elapsedMs: Math.round(r.elapsedMs * 100) / 100 };
}

function documentView(d: DocumentRecord) {
  return {
    id: d.id,
    direction: d.direction,
    status: d.status,
    senderId: d.senderId,
    receiverId: d.receiverId,
    documentKind: d.documentKind,
    documentType: d.documentType,
    process: d.process,
    invoiceNumber: d.invoiceNumber,
    issueDate: d.issueDate,
    payload: { sha256: d.payloadSha256, size: d.payloadSize, href: `/api/v1/documents/${d.id}/payload` },
    sandbox: d.sandbox,
    businessStatus: d.businessStatus,
    mls: d.mlsCode,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

/** Delivery state of an outbound document: schedule, last error, attempts, and the receipt as evidence. */
function deliveryView(delivery: DeliveryDetail | null, id: string) {
  if (!delivery) return null;
  const { state: d, attempts, evidence } = delivery;
  return {
    as4MessageId: d.as4MessageId,
    conversationId: d.conversationId,
    sbdhInstanceId: d.sbdhInstanceId,
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    ...(delivery.waiting ? { waiting: delivery.waiting } : {}),
    endpointUrl: d.endpointUrl,
    receiverSeatId: d.receiverSeatId,
    countryC1: d.countryC1,
    lastError: d.lastError ? { kind: d.lastErrorKind, message: d.lastError } : null,
    deliveredAt: iso(d.deliveredAt),
    evidence: evidence
      ? { as4MessageId: evidence.messageId, receiptMessageId: evidence.receiptMessageId, receiptAt: iso(evidence.receiptAt), receiverSeatId: evidence.toPartyId, receiptHref: `/api/v1/documents/${id}/receipt` }
      : d.localDocumentId
        ? { localDelivery: true, inboundDocumentId: d.localDocumentId }
        : null,
    history: attempts.map((a) => ({ ...a, startedAt: a.startedAt.toISOString(), finishedAt: a.finishedAt.toISOString() })),
  };
}

const iso = (t: Date | null) => (t ? t.toISOString() : null);

const responseView = (r: BusinessResponseRecord) => ({ ...r, createdAt: r.createdAt.toISOString() });

/**
 * Reception evidence of an inbound document: the AS4 message that brought it (sender seat, ids, the
 * receipt we answered), and any later repeats of it (same SBDH InstanceIdentifier, answered with a receipt
 * but not stored again).
 */
function receptionView(inbound: As4MessageRecord[], id: string) {
  const first = inbound[0];
  if (!first) return null;
  return {
    as4MessageId: first.messageId,
    conversationId: first.conversationId,
    senderSeatId: first.fromPartyId,
    receiverSeatId: first.toPartyId,
    originalSender: first.originalSender,
    finalRecipient: first.finalRecipient,
    sbdhInstanceId: first.sbdhInstanceId,
    countryC1: first.countryC1,
    receivedAt: first.createdAt.toISOString(),
    receiptMessageId: first.receiptMessageId,
    receiptSentAt: iso(first.receiptAt),
    receiptHref: first.receipt ? `/api/v1/documents/${id}/receipt` : null,
    repeats: inbound.slice(1).map((r) => ({
      as4MessageId: r.messageId,
      senderSeatId: r.fromPartyId,
      receivedAt: r.createdAt.toISOString(),
      receiptMessageId: r.receiptMessageId,
      receiptSentAt: iso(r.receiptAt),
    })),
  };
}

/** Refuses a missing or non-XML content type, or a compressed body (it is read as sent), before the body is read. */
function requireXml(req: Request): void {
  if (!req.get('content-type')) {
    throw new ApError('input.unsupported-media-type', 'Content-Type is missing; send the document as application/xml');
  }
  if (!req.is(XML_TYPES)) {
    throw new ApError('input.unsupported-media-type', `Content-Type ${req.get('content-type')} is not accepted; send application/xml`);
  }
  const coding = req.get('content-encoding');
  if (coding && coding.toLowerCase() !== 'identity') {
    throw new ApError('input.unsupported-media-type', `Content-Encoding ${coding} is not accepted; send the document uncompressed`);
  }
}

/** The submission's caller: `send` for some tenant, and whether a business duplicate is sent on purpose. */
function submission(req: Request): Submission {
  const resend = req.query['resend'];
  if (resend !== undefined && resend !== 'true' && resend !== 'false') throw new ApError('api.bad-request', 'resend must be true or false');
  const fallback = queryText(req, 'emailFallback', /^(off|always|on_peppol_failure)$/, 'one of off, always, on_peppol_failure');
  const to = queryText(req, 'emailTo');
  if (to !== undefined && !isValidAddress(to)) throw new ApError('api.bad-request', 'emailTo: not a valid e-mail address', { field: 'emailTo' });
  if (to !== undefined && fallback === undefined) throw new ApError('api.bad-request', 'emailTo needs emailFallback (always or on_peppol_failure)', { field: 'emailTo' });
  const email = fallback === undefined ? {} : { email: { fallback: fallback as SubmissionEmailOptions['fallback'], address: to ?? null } };
  return { principal: principalWith(req, 'send'), resend: resend === 'true', ...email };
}

const DIRECTIONS = ['outbound', 'inbound'];
const MAX_PAGE = 200;

function queryText(req: Request, name: string, pattern?: RegExp, hint?: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '' || (pattern && !pattern.test(v))) throw new ApError('api.bad-request', `${name}: ${hint ?? 'one non-empty value is expected'}`);
  return v;
}

function queryDate(req: Request, name: string): Date | undefined {
  const v = queryText(req, name, /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/, 'an ISO date (2026-12-01) or date-time with zone');
  return v === undefined ? undefined : new Date(v);
}

/** The filters of GET /documents; the cursor is the `nextCursor` of the previous page. */
const BUSINESS_STATUS = new RegExp(`^(${BUSINESS_STATUSES.join('|')})$`);

function documentFilter(req: Request): DocumentFilter {
  const direction = queryText(req, 'direction', /^(outbound|inbound)$/, `one of ${DIRECTIONS.join(', ')}`) as Direction | undefined;
  const limitText = queryText(req, 'limit', /^\d{1,4}$/, `a whole number from 1 to ${MAX_PAGE}`);
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (limit < 1 || limit > MAX_PAGE) throw new ApError('api.bad-request', `limit: a whole number from 1 to ${MAX_PAGE}`);
  const cursor = queryText(req, 'cursor');
  const filter: DocumentFilter = { limit };
  if (cursor !== undefined) filter.before = parseCursor(cursor);
  if (direction) filter.direction = direction;
  const businessStatus = queryText(req, 'businessStatus', BUSINESS_STATUS, `one of ${BUSINESS_STATUSES.join(', ')}`);
  if (businessStatus) filter.businessStatus = businessStatus;
  for (const name of ['status', 'participant', 'documentType', 'invoiceNumber'] as const) {
    const v = queryText(req, name);
    if (v !== undefined) filter[name] = v;
  }
  const from = queryDate(req, 'from');
  const to = queryDate(req, 'to');
  if (from) filter.from = from;
  if (to) filter.to = to;
  return filter;
}

const CURSOR_ID = new RegExp(`^${UUID_PATTERN}$`, 'i');

function parseCursor(text: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && /^\d{4}-\d{2}-\d{2} [\d:.]+[+-]\d{2}(:\d{2})?$/.test(createdAt) && typeof id === 'string' && CURSOR_ID.test(id)) return { createdAt, id };
  } catch {
    // answered below
  }
  throw new ApError('api.bad-request', 'cursor: not a cursor this API gave (use nextCursor of the previous page)');
}

const cursorText = (c: { createdAt: string; id: string }) => Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');

export function documentsRouter(deps: DocumentsApiDeps): Router {
  const router = Router();
  router.use(noStore);
  uuidParam(router);

  /** The submitted document: read whole, or spooled past the threshold (still under the in-flight budget). */
  async function submittedBody(req: Request, res: Response): Promise<SubmittedPayload> {
    const spool = deps.spool;
    if (!spool) return readBody(deps.bodies, req, res, deps.maxDocumentBytes);
    const body = admitBody(deps.bodies, req, res, spool.maxBytes);
    if (body instanceof ApError) throw body;
    return readSpooledBody(body, { ...spool, thresholdBytes: Math.min(spool.thresholdBytes, deps.maxDocumentBytes) });
  }

  router.post('/documents', async (req, res) => {
    const by = submission(req);
    requireXml(req);
    const body = await submittedBody(req, res);
    try {
      await submit(req, res, by, body);
    } finally {
      if (!Buffer.isBuffer(body)) await rm(body.file.path, { force: true });
    }
  });

  async function submit(req: Request, res: Response, by: Submission, body: SubmittedPayload): Promise<void> {
    if (Buffer.isBuffer(body) && body.length === 0) throw new ApError('input.empty', 'The request body is empty; send a UBL 2.1 Invoice or CreditNote');
    const lang = language(req, res);
    const respond = ({ document, report: found, payloadKept }: SubmitResult): SubmissionResponse => {
      const report = deps.documents.explain(found, lang);
      req.log.info({ documentId: document.id, status: document.status, validationMs: report.elapsedMs }, 'document submitted');
      if (document.status !== 'rejected') {
        return { status: 201, documentId: document.id, body: JSON.stringify({ ...documentView(document), validation: reportView(report) }) };
      }
      const stored = payloadKept ? 'it is stored as rejected' : "it is stored as rejected without its payload (past the day's quota for rejected payloads)";
      const err = new ApError('validation.invalid', `The document fails validation; ${stored} and not sent`);
      // An RFC 9457 problem carrying the stored document and its whole report.
      return { status: 422, documentId: document.id, body: JSON.stringify({ ...problem(err, req.id), ...documentView(document), validation: reportView(report) }) };
    };
    // Without the header, no key is claimed: the submission costs what it did.
    const key = req.get('idempotency-key');
    const outcome = key === undefined ? { kind: 'new' as const, response: respond(await deps.documents.submit(body, by)) } : await deps.documents.submitOnce(key, body, by, respond);
    if (outcome.kind === 'in-progress') {
      res.setHeader('Retry-After', String(IN_PROGRESS_RETRY_AFTER_SECONDS));
      throw new ApError('api.request-in-progress', 'A request with this Idempotency-Key is in progress; retry to get its response');
    }
    const { response } = outcome;
    if (outcome.kind === 'replayed') res.setHeader('Idempotency-Replayed', 'true');
    res.location(`/api/v1/documents/${response.documentId}`).status(response.status).type(response.status >= 400 ? 'application/problem+json' : 'application/json').send(response.body);
  }

  router.post('/validate', async (req, res) => {
    principalWith(req, 'send');
    requireXml(req);
    const body = await readBody(deps.bodies, req, res, deps.maxDocumentBytes);
    if (body.length === 0) throw new ApError('input.empty', 'The request body is empty; send a UBL 2.1 Invoice or CreditNote');
    res.json(reportView(await deps.documents.validate(body, language(req, res))));
  });

  router.get('/documents', async (req, res) => {
    const page = await deps.documents.list(principalWith(req, 'send', 'inbox'), documentFilter(req));
    res.json({ documents: page.documents.map(documentView), nextCursor: page.next && cursorText(page.next) });
  });

  router.get('/documents/:id', async (req, res) => {
    const detail = await deps.documents.get(principalWith(req, 'send', 'inbox'), req.params.id!, language(req, res));
    if (!detail) throw new ApError('api.not-found', `Document ${req.params.id} not found`);
    const doc = detail.document;
    res.json({
      ...documentView(doc),
      validation: reportView(detail.report),
      events: detail.events.map((e) => ({ ...e, at: e.at.toISOString() })),
      ...(detail.delivery !== undefined ? { delivery: deliveryView(detail.delivery, doc.id) } : {}),
      ...(detail.reception ? { reception: receptionView(detail.reception, doc.id) } : {}),
      responses: detail.responses.map(responseView),
      answers: detail.answers && responseView(detail.answers),
    });
  });

  router.get('/documents/:id/receipt', async (req, res) => {
    const receipt = await deps.documents.receipt(principalWith(req, 'send', 'inbox'), req.params.id!);
    if (!receipt) throw new ApError('api.not-found', `No receipt for document ${req.params.id}`);
    res.type('application/soap+xml').send(receipt);
  });

  router.get('/documents/:id/payload', async (req, res) => {
    const payload = await deps.documents.payload(principalWith(req, 'send', 'inbox'), req.params.id!);
    if (!payload) throw new ApError('api.not-found', `No payload stored for document ${req.params.id}`);
    sendXmlAttachment(res, req.params.id!, payload);
  });

  renderingRoutes(router, deps.documents);
  return router;
}
