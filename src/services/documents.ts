/**
 * Documents: submit (= send) a business document, read one with its timeline, validation report and
 * evidence (delivery of an outbound document, reception of an inbound one), its payload and its AS4
 * receipt, a human-readable rendering of it and its embedded attachments. The same use cases for the REST
 * API, the CLI and the console.
 */
import type { Principal } from '../auth/principal.js';
import { ApError } from '../errors.js';
import { extractAttachment, renderHtml, renderPdf, type ExtractedAttachment, type RenderLanguage } from '../rendering/index.js';
import { submitOutbound, submittedSha256, type SpooledSubmission, type SubmitDeps, type SubmittedPayload, type Submitter, type SubmitResult } from '../pipeline/submit.js';
import type { As4MessageRecord, As4MessageStore } from '../store/as4-messages.js';
import type { BusinessResponseRecord, PostgresBusinessResponseStore } from '../store/business-responses.js';
import type { AttemptRecord, DeliveryRecord } from '../store/deliveries.js';
import type { DocumentEvent, DocumentFilter, DocumentPage, DocumentRecord, DocumentStore } from '../store/documents.js';
import type { PostgresIdempotencyKeys, StoredResponse } from '../store/idempotency-keys.js';
import type { PostgresTenantStore } from '../store/tenants.js';
import type { SubmissionEmailOptions } from '../store/email.js';
import { explainFindings } from '../validation/explain/explain.js';
import type { ExplainedReport, Language, ValidationReport } from '../validation/types.js';

export type { As4MessageRecord, AttemptRecord, DeliveryRecord, DocumentEvent, DocumentFilter, DocumentPage, DocumentRecord, SpooledSubmission, SubmissionEmailOptions, SubmittedPayload, SubmitResult };

/** Who submits, whether a business duplicate is sent on purpose, and the e-mail fallback asked for. */
export interface Submission {
  principal: Principal;
  resend: boolean;
  email?: SubmissionEmailOptions;
}
/** The response to a submission as the caller got it, kept to be replayed under its idempotency key. */
export type SubmissionResponse = StoredResponse;

/** A submission under an idempotency key: answered now, replayed, or still in progress elsewhere. */
export type OnceOutcome = { kind: 'new' | 'replayed'; response: SubmissionResponse } | { kind: 'in-progress' };

const KEY_SYNTAX = /^[\x20-\x7e]{1,255}$/;


export type RenderFormat = 'html' | 'pdf';

/** A rendering of a stored document (src/rendering): HTML or PDF bytes. */
export interface Rendering {
  format: RenderFormat;
  body: Buffer;
}

export interface DocumentsServiceDeps extends SubmitDeps {
  documents: DocumentStore;
  /** AS4 message records: the reception evidence of inbound documents (without it, none is shown). */
  messages?: Pick<As4MessageStore, 'forDocument'>;
  idempotencyKeys: PostgresIdempotencyKeys;
  /** Which tenant owns a supplier participant: whom a submission sends for. */
  tenants: Pick<PostgresTenantStore, 'tenantOfParticipant'>;
  /** How long an idempotency key is kept (IDEMPOTENCY_KEY_RETENTION_HOURS). */
  idempotencyKeyRetentionHours: number;
  /** How long a claim stays in progress before a retry may take it over (IDEMPOTENCY_CLAIM_LEASE_SECONDS; default 5 minutes). */
  idempotencyClaimLeaseMs?: number;
  /** The business responses about a document, and what a response answers. */
  responses?: Pick<PostgresBusinessResponseStore, 'responsesTo' | 'responseOf'>;
}

/** An outbound document's delivery: its schedule, the attempts so far and the receipt's evidence. */
export interface DeliveryDetail {
  state: DeliveryRecord;
  attempts: AttemptRecord[];
  evidence: { messageId: string; receiptMessageId: string | null; receiptAt: Date | null; toPartyId: string | null } | null;
  /** Why a queued document has no next attempt here, when this process does not send; else null. */
  waiting: string | null;
}

const NOT_SENDING =
  'sending is off on this access point (AP_KEY_FILE, AP_CERT_FILE and AP_ENDPOINT_URL are not set): the document waits for an instance of this access point that sends';

export type { BusinessResponseRecord };

export interface DocumentDetail {
  document: DocumentRecord;
  /** The document's validation report with each finding explained in the language asked for; null when it has none. */
  report: ExplainedReport | null;
  events: DocumentEvent[];
  /** Outbound only: null while no delivery row exists. */
  delivery?: DeliveryDetail | null;
  /** Inbound only (with message records): the AS4 messages that brought it, first one first. */
  reception?: As4MessageRecord[];
  /** The Invoice Responses and MLS about it, and (for a response) what it answers. */
  responses: BusinessResponseRecord[];
  answers: BusinessResponseRecord | null;
}

export class DocumentsService {
  constructor(private readonly deps: DocumentsServiceDeps) {}

  /**
   * Validates and stores the document: `queued` for delivery, or `rejected` with its report. Refused (403,
   * nothing stored) when the supplier it names is not a participant hosted here of a tenant the caller
   * may send for. A large document comes spooled (SpooledSubmission).
   */
  submit(payload: SubmittedPayload, by: Submission): Promise<SubmitResult> {
    return submitOutbound(this.deps, payload, this.submitter(by));
  }

  /** The validation report of a document, its findings explained in `language`, storing nothing. */
  async validate(payload: Buffer, language: Language = 'en'): Promise<ExplainedReport> {
    return explainFindings((await this.deps.validation.validate(payload)).report, language);
  }

  /** A report's findings explained in `language` (the report of a submission, say). */
  explain(report: ValidationReport, language: Language): ExplainedReport {
    return explainFindings(report, language);
  }

  private submitter({ principal, resend, email }: Submission): Submitter {
    return {
      resend,
      ...(email ? { email } : {}),
      authorize: async (senderId, valid) => {
        if (senderId === null) {
          if (valid) throw new ApError('api.forbidden', 'The document names no supplier participant (cac:AccountingSupplierParty/cbc:EndpointID with its schemeID): it can be sent only for a participant hosted here');
          // Rejected by validation anyway: kept under the caller's own tenant, for it to see why.
          return { tenantId: principal.tenantId, actor: principal.actorFor(null) };
        }
        const tenantId = await this.deps.tenants.tenantOfParticipant(senderId);
        if (tenantId === null) throw new ApError('api.forbidden', `The supplier ${senderId} is not a participant hosted on this access point; documents are sent only for hosted participants`);
        if (!principal.can('send', tenantId)) throw new ApError('api.forbidden', `This API key may not send for the supplier ${senderId}: it belongs to a tenant the key has no 'send' scope or mandate for`);
        return { tenantId, actor: principal.actorFor(tenantId) };
      },
    };
  }

  /**
   * Submits under an idempotency key: the first request with the key is submitted and its response, made
   * by `respond`, kept; a later one with the same body gets that response again, whatever happened to the
   * document since, and one with another body is refused. A failed submission frees the key.
   */
  async submitOnce(key: string, payload: SubmittedPayload, by: Submission, respond: (r: SubmitResult) => SubmissionResponse): Promise<OnceOutcome> {
    if (!KEY_SYNTAX.test(key)) throw new ApError('api.bad-request', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
    const keys = this.deps.idempotencyKeys;
    const sha256 = Buffer.from(submittedSha256(payload), 'hex');
    // Keys are the caller's own: a tenant's keys never meet another's (operator keys each have their own space).
    const owner = by.principal.tenantId ?? `operator:${by.principal.keyId}`;
    const claim = await keys.claim(owner, key, sha256, { retentionHours: this.deps.idempotencyKeyRetentionHours, leaseMs: this.deps.idempotencyClaimLeaseMs ?? 300_000 });
    switch (claim.kind) {
      case 'other-body':
        throw new ApError('api.idempotency-key-reused', `Idempotency-Key ${JSON.stringify(key)} was used with a different request body`);
      case 'in-progress':
        return claim;
      case 'completed':
        return { kind: 'replayed', response: claim.response };
      case 'claimed': {
        const result = await this.submit(payload, by).catch(async (err: unknown) => {
          await keys.release(owner, key, claim.token);
          throw err;
        });
        const response = respond(result);
        await keys.complete(owner, key, claim.token, response);
        return { kind: 'new', response };
      }
    }
  }

  /** The caller's documents, newest first: outbound ones of tenants it may send for, inbound ones of its inboxes. */
  list(by: Principal, filter: DocumentFilter): Promise<DocumentPage> {
    return this.deps.documents.list({ outbound: by.tenantsFor('send'), inbound: by.tenantsFor('inbox') }, filter);
  }

  /** The document if the caller may see it (else null, as if absent): `send` for outbound, `inbox` for inbound. */
  private async visible(by: Principal, id: string): Promise<DocumentRecord | null> {
    const document = await this.deps.documents.get(id);
    return document && by.can(document.direction === 'outbound' ? 'send' : 'inbox', document.tenantId) ? document : null;
  }

  /** A document the caller may see, with its timeline, evidence and responses, and its report explained in `language`. */
  async get(by: Principal, id: string, language: Language = 'en'): Promise<DocumentDetail | null> {
    const document = await this.visible(by, id);
    if (!document) return null;
    const responses = this.deps.responses;
    const [events, delivery, records, answeredBy, answers] = await Promise.all([
      this.deps.documents.events(id),
      document.direction === 'outbound' ? this.delivery(id) : null,
      document.direction === 'inbound' && this.deps.messages ? this.deps.messages.forDocument(id) : null,
      responses ? responses.responsesTo(id) : [],
      responses && document.documentKind === 'ApplicationResponse' ? responses.responseOf(id) : null,
    ]);
    return {
      document,
      report: document.validationReport && explainFindings(document.validationReport, language),
      events,
      responses: answeredBy,
      answers,
      ...(document.direction === 'outbound' ? { delivery } : {}),
      ...(records ? { reception: records.filter((r) => r.direction === 'inbound') } : {}),
    };
  }

  private async delivery(id: string): Promise<DeliveryDetail | null> {
    const deliveries = this.deps.outbound.deliveries;
    const state = await deliveries.get(id);
    if (!state) return null;
    const [attempts, evidence] = await Promise.all([deliveries.attempts(id), deliveries.evidence(id)]);
    // A job due in the past that no runner here will take: its time says nothing; the reason does.
    if (!this.deps.outbound.sends && state.nextAttemptAt !== null) return { state: { ...state, nextAttemptAt: null }, attempts, evidence, waiting: NOT_SENDING };
    return { state, attempts, evidence, waiting: null };
  }

  async payload(by: Principal, id: string): Promise<Buffer | null> {
    return (await this.visible(by, id)) ? this.deps.documents.payload(id) : null;
  }

  /**
   * The stored document rendered for people, seen by whoever may read its payload; null when it is not
   * visible or its payload is not kept. A document the renderer does not know is rendering.unsupported-document.
   */
  async render(by: Principal, id: string, format: RenderFormat, lang: RenderLanguage): Promise<Rendering | null> {
    const payload = await this.payload(by, id);
    if (!payload) return null;
    return { format, body: format === 'html' ? Buffer.from(renderHtml(payload, lang)) : Buffer.from(await renderPdf(payload, lang)) };
  }

  /** An attachment the stored document embeds, as it is (its AdditionalDocumentReference position); null when there is none. */
  async attachment(by: Principal, id: string, index: number): Promise<ExtractedAttachment | null> {
    const payload = await this.payload(by, id);
    return payload && extractAttachment(payload, index);
  }

  /** The receipt of an outbound document's delivery, or the one we answered for an inbound document. */
  async receipt(by: Principal, id: string): Promise<Buffer | null> {
    const doc = await this.visible(by, id);
    if (!doc) return null;
    return doc.direction === 'outbound' ? this.deps.outbound.deliveries.receipt(id) : this.inboundReceipt(doc);
  }

  private async inboundReceipt(doc: DocumentRecord): Promise<Buffer | null> {
    if (!this.deps.messages) return null;
    const first = (await this.deps.messages!.forDocument(doc.id)).find((r) => r.direction === 'inbound');
    return first?.receipt ?? null;
  }
}
