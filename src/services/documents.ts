/**
 * Documents: submit (= send) a business document, read one with its timeline, validation report and
 * evidence (delivery of an outbound document, reception of an inbound one), its payload and its AS4
 * receipt. The same use cases for the REST API, the CLI and the console.
 */
import { createHash } from 'node:crypto';
import { ApError } from '../errors.js';
import { submitOutbound, type SubmitDeps, type SubmitResult } from '../pipeline/submit.js';
import type { As4MessageRecord, As4MessageStore } from '../store/as4-messages.js';
import type { AttemptRecord, DeliveryRecord } from '../store/deliveries.js';
import type { DocumentEvent, DocumentRecord, DocumentStore } from '../store/documents.js';
import type { PostgresIdempotencyKeys, StoredResponse } from '../store/idempotency-keys.js';

export type { As4MessageRecord, AttemptRecord, DeliveryRecord, DocumentEvent, DocumentRecord, SubmitResult };
/** The response to a submission as the caller got it, kept to be replayed under its idempotency key. */
export type SubmissionResponse = StoredResponse;

/** A submission under an idempotency key: answered now, replayed, or still in progress elsewhere. */
export type OnceOutcome = { kind: 'new' | 'replayed'; response: SubmissionResponse } | { kind: 'in-progress' };

const KEY_SYNTAX = /^[\x20-\x7e]{1,255}$/;

/**
 * How long a claim stays in progress before a retry may take it over: past any submission (validation
 * waits for the shared pool), so that only a crashed or stuck first attempt is taken over.
 */
const CLAIM_LEASE_MS = 5 * 60_000;

export interface DocumentsServiceDeps extends SubmitDeps {
  documents: DocumentStore;
  /** AS4 message records: the reception evidence of inbound documents (without it, none is shown). */
  messages?: Pick<As4MessageStore, 'forDocument'>;
  idempotencyKeys: PostgresIdempotencyKeys;
  /** How long an idempotency key is kept (IDEMPOTENCY_KEY_RETENTION_HOURS). */
  idempotencyKeyRetentionHours: number;
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

export interface DocumentDetail {
  document: DocumentRecord;
  events: DocumentEvent[];
  /** Outbound only: null while no delivery row exists. */
  delivery?: DeliveryDetail | null;
  /** Inbound only (with message records): the AS4 messages that brought it, first one first. */
  reception?: As4MessageRecord[];
}

export class DocumentsService {
  constructor(private readonly deps: DocumentsServiceDeps) {}

  /** Validates and stores the document: `queued` for delivery, or `rejected` with its report. */
  submit(payload: Buffer, actor: string): Promise<SubmitResult> {
    return submitOutbound(this.deps, payload, actor);
  }

  /**
   * Submits under an idempotency key: the first request with the key is submitted and its response, made
   * by `respond`, kept; a later one with the same body gets that response again, whatever happened to the
   * document since, and one with another body is refused. A failed submission frees the key.
   */
  async submitOnce(key: string, payload: Buffer, actor: string, respond: (r: SubmitResult) => SubmissionResponse): Promise<OnceOutcome> {
    if (!KEY_SYNTAX.test(key)) throw new ApError('api.bad-request', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
    const keys = this.deps.idempotencyKeys;
    const sha256 = createHash('sha256').update(payload).digest();
    const claim = await keys.claim(key, sha256, { retentionHours: this.deps.idempotencyKeyRetentionHours, leaseMs: CLAIM_LEASE_MS });
    switch (claim.kind) {
      case 'other-body':
        throw new ApError('api.idempotency-key-reused', `Idempotency-Key ${JSON.stringify(key)} was used with a different request body`);
      case 'in-progress':
        return claim;
      case 'completed':
        return { kind: 'replayed', response: claim.response };
      case 'claimed': {
        const result = await this.submit(payload, actor).catch(async (err: unknown) => {
          await keys.release(key, claim.token);
          throw err;
        });
        const response = respond(result);
        await keys.complete(key, claim.token, response);
        return { kind: 'new', response };
      }
    }
  }

  async get(id: string): Promise<DocumentDetail | null> {
    const document = await this.deps.documents.get(id);
    if (!document) return null;
    const [events, delivery, records] = await Promise.all([
      this.deps.documents.events(id),
      document.direction === 'outbound' ? this.delivery(id) : null,
      document.direction === 'inbound' && this.deps.messages ? this.deps.messages.forDocument(id) : null,
    ]);
    return {
      document,
      events,
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

  payload(id: string): Promise<Buffer | null> {
    return this.deps.documents.payload(id);
  }

  /** The receipt of an outbound document's delivery, or the one we answered for an inbound document. */
  async receipt(id: string): Promise<Buffer | null> {
    return (await this.deps.outbound.deliveries.receipt(id)) ?? (await this.inboundReceipt(id));
  }

  private async inboundReceipt(id: string): Promise<Buffer | null> {
    const doc = this.deps.messages ? await this.deps.documents.get(id) : null;
    if (!doc || doc.direction !== 'inbound') return null;
    const first = (await this.deps.messages!.forDocument(doc.id)).find((r) => r.direction === 'inbound');
    return first?.receipt ?? null;
  }
}
