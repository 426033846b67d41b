/**
 * Outbound delivery (we are C2): one attempt to deliver a queued document, run by the holder of the
 * document's `outbound` job (src/jobs/runner.ts). An attempt claims the document (queued|retrying →
 * sending, counting the attempt and extending the job's lease), looks up the receiver (SML/SMP,
 * cached), wraps the document in an SBDH, builds the AS4 message (gzip, sign with our AP key, encrypt for
 * the receiver's SMP certificate), POSTs it and verifies the receipt (signature, signer = the certificate
 * we encrypted to, NRR digests). Then, in one transaction with the status change, its event and the job's
 * outcome (so the document's status and its job never disagree):
 *  - receipt verified → `delivered`, receipt kept as evidence, job done;
 *  - transient failure (network, timeout, 5xx, DNS/SMP unreachable) → `retrying`, the job due again after
 *    the backoff (src/core/retry.ts), or `failed` once the attempts run out;
 *  - permanent failure (not registered, no endpoint, PEPPOL:NOT_SERVICED, EBMS:0101/0102/0103, ...) →
 *    `undeliverable` at once with the reason;
 *  - with the e-mail fallback of the document (its submission's, else its tenant's): a receiver not on
 *    Peppol (`on_peppol_failure`), or any end without delivery (`always`) → `emailing`, its `email` job
 *    queued in the same transaction (src/pipeline/email-channel.ts takes it to `delivered-by-email`);
 *  - internal error → `retrying` for at most a few attempts, then `failed` (the job dead).
 * An attempt cut off in `sending` (crash, expired lease) is logged as interrupted by the next one.
 * A receiver hosted on this access point gets the document in its inbox directly (no AS4), with the
 * inbound document's own events. AS4 MessageId and SBDH InstanceIdentifier stay the same across attempts,
 * so a retry after a lost receipt is recognised by the receiver as a duplicate.
 */
import type { X509Certificate } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { buildLargeUserMessage, buildUserMessage, parseMimeMessage, readSignal, NOT_SERVICED, type As4Identity, type SignalMessage } from '../as4/index.js';
import { ApError, toApError, type RetryClass } from '../errors.js';
import {
  DOCTYPE_SCHEME,
  PROCESS_SCHEME,
  parseParticipantId,
  type DocumentTypeIdentifier,
  type ParticipantIdentifier,
  type ProcessIdentifier,
} from '../peppol/identifiers.js';
import type { LookupResult } from '../peppol/lookup.js';
import type { CertificateValidator } from '../pki/types.js';
import { knownDocumentType } from '../peppol/document-types.js';
import { reportingItemOf } from '../reporting/items.js';
import { buildSbd, streamSbd } from '../sbdh/build.js';
import type { MlsType } from '../sbdh/model.js';
import type { RetryDecision } from '../core/retry.js';
import type { DeliveryRecord, PostgresDeliveryStore } from '../store/deliveries.js';
import type { DocumentRecord, DocumentStore, EventInput, Tx } from '../store/documents.js';
import type { PayloadChunks } from '../store/payloads.js';
import type { JobError, JobLease, JobSettlement, PostgresJobStore } from '../store/jobs.js';
import type { XmlLimits } from '../xml/decode.js';
import type { AfterStoredHandler } from './after-stored.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import type { As4Transport } from './outbound-transport.js';
import type { ServedHere } from './served-here.js';
import { checkTransition, type OutboundStatus } from '../core/state-machine.js';
import { NO_METRICS, type As4SendOutcome, type Metrics } from '../core/metrics.js';
import { changeStatus, createDocument } from './state-machine.js';
import { fallbackFor, type EmailQueue } from './email-channel.js';
import type { PostgresEmailStore } from '../store/email.js';

export interface ReceiverLookup {
  lookup(participant: ParticipantIdentifier, documentType: DocumentTypeIdentifier, process?: ProcessIdentifier): Promise<LookupResult>;
  invalidate(participant: ParticipantIdentifier, documentType?: DocumentTypeIdentifier): void;
}

/** The attempt's job, as the runner hands it over (src/jobs/runner.ts JobRun). */
export interface DeliveryJob {
  documentId: string;
  /** What every write of the attempt's outcome is compared with: a runner that lost the job writes nothing. */
  lease: JobLease;
  maxAttempts: number;
  /** How the previous attempt ended, when the runner gave the job back after it was cut off. */
  lastError: JobError | null;
  /** What follows a failure of this attempt, by the job's retry policy. */
  decide(retry: RetryClass): RetryDecision;
}

export interface OutboundDeps {
  documents: DocumentStore;
  deliveries: PostgresDeliveryStore;
  jobs: PostgresJobStore;
  lookup: ReceiverLookup;
  /** Receivers served here get their documents locally (src/pipeline/served-here.ts). */
  served: Pick<ServedHere, 'isServed'>;
  /** Our AP key and certificate; the seat id is the certificate's CN. */
  identity: As4Identity;
  seatId: string;
  certificateValidator: CertificateValidator;
  transport: As4Transport;
  breakers: CircuitBreakers;
  /** COUNTRY_C1 when set; else the supplier's country read at submission (the delivery row); else `ZZ`. */
  countryC1Override: string | null;
  /** How long an attempt may hold a document in `sending` before it counts as interrupted (the job's lease). */
  leaseMs: number;
  xmlLimits: XmlLimits;
  /** Where a large document's gzipped payload waits while it is sent (AS4_SPOOL_DIR). */
  spoolDir: string;
  /** Right-hand side of generated message ids. */
  idDomain: string;
  /** What our SBDHs ask of the receiving access point: MLS_TO (our 0242 participant) and MLS_TYPE. */
  mls: { to: ParticipantIdentifier; type: MlsType };
  /** The e-mail channel, when SMTP is configured: the outbound fallback and Invoice Responses by e-mail. */
  email?: { queue: EmailQueue; store: Pick<PostgresEmailStore, 'submissionOptions' | 'tenantSettings'> };
  /** AS4 send times, deliveries and deliveries ended without reaching the receiver (default: none). */
  metrics?: Pick<Metrics, 'as4Sent' | 'documentSent' | 'documentUndelivered'>;
}

export type AttemptResult = 'delivered' | 'retrying' | 'failed' | 'undeliverable' | 'response-undeliverable' | 'emailing' | 'skipped';

/** Discovery failures that say the receiver takes no such document over Peppol (not registered, no capability). */
const UNRESOLVED = new Set(['sml.not-registered', 'smp.not-found', 'smp.document-type-unsupported', 'smp.no-endpoint']);
const INVOICE_RESPONSE_DOCUMENT_TYPE = knownDocumentType('invoice-response')!.documentType.value;
const MLS_DOCUMENT_TYPE = knownDocumentType('mls')!.documentType.value;

const ACTOR = 'job:outbound';

// An attempt starts from either waiting status; each move is checked once, at load.
const CLAIM_MOVES = [checkTransition('(claim)', 'outbound', 'queued', 'sending'), checkTransition('(claim)', 'outbound', 'retrying', 'sending')];

/** Remote ebMS errors that report a temporary failure (as4.remote-failure); any other code refuses the message as it is. */
const TEMPORARY_EBMS = new Set(['EBMS:0005', 'EBMS:0202', 'EBMS:0301', 'EBMS:0302']);

/** A failed attempt: its error (whose kind fixes the retry class) and where it happened. */
interface Failure {
  error: ApError;
  httpStatus: number | null;
  endpointUrl: string | null;
}

function commonName(cert: X509Certificate): string | null {
  return /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1]?.trim() ?? null;
}

/** An eb:Error signal as an ApError: as4.remote-failure (transient) or as4.remote-error (permanent) by its code. */
function remoteError(signal: SignalMessage): ApError {
  const first = signal.errors[0];
  const code = first?.errorCode ?? '(no error code)';
  const detail = first?.errorDetail ? ` [${first.errorDetail}]` : '';
  const text = `${code}${detail} ${first?.shortDescription ?? ''}: ${first?.description ?? 'no description'}`.trim();
  const details = { errors: signal.errors.map(({ errorCode, severity, shortDescription, description, errorDetail }) => ({ errorCode, severity, shortDescription, description, errorDetail })) };
  if (code === 'EBMS:4001') {
    return new ApError('as4.remote-error', `The receiver reports a duplicate (${text}): probably delivered by an earlier attempt whose receipt was lost; verify with the receiver`, details);
  }
  const notServiced = signal.errors.some((e) => e.errorDetail === NOT_SERVICED);
  return new ApError(!notServiced && TEMPORARY_EBMS.has(code) ? 'as4.remote-failure' : 'as4.remote-error', `The receiving access point answered ${text}`, details);
}

export class OutboundDelivery {
  private localHandlers: readonly AfterStoredHandler[] = [];
  private readonly metrics: Pick<Metrics, 'as4Sent' | 'documentSent' | 'documentUndelivered'>;

  constructor(private readonly deps: OutboundDeps) {
    this.metrics = deps.metrics ?? NO_METRICS;
  }

  /**
   * What a document delivered locally is handed to, in the delivery's transaction, as a received one is
   * after AS4 (the business responses: an Invoice Response between two participants hosted here is
   * linked like one from afar). Set by the composition root once those handlers are built: they queue on
   * this delivery path.
   */
  handLocalDeliveriesTo(handlers: readonly AfterStoredHandler[]): void {
    this.localHandlers = handlers;
  }

  /**
   * One attempt for the document of `job`. Resolves with the outcome, or 'skipped' when the job was taken
   * over by another runner or its document needs no attempt any more (the job is then settled).
   */
  async attempt(job: DeliveryJob): Promise<AttemptResult> {
    const startedAt = new Date();
    let claimed = await this.claim(job);
    if (claimed === 'unmoved') {
      // Neither queued nor retrying: an earlier attempt was cut off in sending, or the delivery is over.
      const doc = await this.deps.documents.get(job.documentId);
      if (doc?.status === 'sending') {
        await this.recoverInterrupted(job);
        claimed = await this.claim(job);
      }
      if (claimed === 'unmoved') return this.settleOver(job, doc);
    }
    if (claimed === 'lost') return 'skipped';
    const { doc, delivery, payload } = claimed;
    let endpointUrl: string | null = null;
    try {
      if (!payload) throw new ApError('internal', `The payload of document ${doc.id} is missing`);
      const addressing = addressingOf(doc);
      if (await this.deps.served.isServed(addressing.receiver, addressing.documentType, addressing.process)) {
        // Not streamed yet: a large document to a receiver hosted here is read whole.
        return await this.deliverLocally(job, doc, Buffer.isBuffer(payload) ? payload : await buffer(Readable.from(payload)), delivery, startedAt);
      }
      const found = await this.deps.lookup.lookup(addressing.receiver, addressing.documentType, addressing.process);
      endpointUrl = found.endpointUrl;
      const permit = this.deps.breakers.permit(endpointUrl);
      if (!permit.allowed) return await this.defer(job, doc, delivery, startedAt, endpointUrl, permit.retryAt);
      const sent = await this.timedSend(job, doc, payload, delivery, addressing, found, startedAt);
      if (sent !== 'delivered') return await this.fail(job, doc, delivery, startedAt, sent);
      this.metrics.documentSent('as4');
      return sent;
    } catch (err) {
      return this.fail(job, doc, delivery, startedAt, { error: toApError(err), httpStatus: null, endpointUrl });
    }
  }

  private claim(job: DeliveryJob) {
    return this.deps.deliveries.claimAttempt(job.documentId, CLAIM_MOVES, job.lease, this.deps.leaseMs, ACTOR);
  }

  /** The document was left in `sending` by an attempt that never ended (crash, lease expired): back to `retrying`. */
  private async recoverInterrupted(job: DeliveryJob): Promise<void> {
    const reason = `attempt interrupted (${job.lastError?.message ?? 'it ended without an outcome'})`;
    await this.deps.deliveries.transaction(async (tx) => {
      if (!(await changeStatus(this.deps.documents, job.documentId, 'retrying', { actor: 'system', reason }, { expected: { direction: 'outbound', from: 'sending' }, tx }))) return;
      const d = await this.deps.deliveries.get(job.documentId, tx);
      await this.deps.deliveries.recordAttempt(job.documentId, { attempt: d?.attempts ?? 0, startedAt: new Date(), outcome: 'interrupted', endpointUrl: d?.endpointUrl ?? null, httpStatus: null, errorKind: null, error: reason }, tx);
    });
  }

  /** A job whose document needs no attempt (final, or without a delivery row): the job ends with it. */
  private async settleOver(job: DeliveryJob, doc: DocumentRecord | null): Promise<AttemptResult> {
    const s: JobSettlement =
      doc?.status === 'delivered'
        ? { status: 'done' }
        : { status: 'failed', error: { kind: 'state.invalid-transition', message: doc ? `the document is ${doc.status}: no attempt to make` : 'the document is gone' } };
    await this.deps.jobs.settle(job.lease, s);
    return 'skipped';
  }

  /** Writes the job's outcome in `tx`; throws (rolling back the document's move) when the job was taken over. */
  private async settle(job: DeliveryJob, s: JobSettlement, tx: Tx): Promise<void> {
    if (!(await this.deps.jobs.settle(job.lease, s, tx))) {
      throw new ApError('state.invalid-transition', `The job of document ${job.documentId} was taken over while its attempt ran; outcome not applied`);
    }
  }

  /** Sends and records the delivery; a failure of the receiver or of the way to it is returned, not thrown. */
  /** send(), its time counted whatever its end (a throw is a failed send). */
  private async timedSend(...args: Parameters<OutboundDelivery['send']>): Promise<'delivered' | Failure> {
    const startedAt = performance.now();
    let outcome: As4SendOutcome = 'failed';
    try {
      const sent = await this.send(...args);
      if (sent === 'delivered') outcome = 'delivered';
      return sent;
    } finally {
      this.metrics.as4Sent(outcome, (performance.now() - startedAt) / 1000);
    }
  }

  private async send(job: DeliveryJob, doc: DocumentRecord, payload: Buffer | PayloadChunks, delivery: DeliveryRecord, addressing: Addressing, found: LookupResult, startedAt: Date): Promise<'delivered' | Failure> {
    const d = this.deps;
    const countryC1 = d.countryC1Override ?? delivery.countryC1 ?? 'ZZ';
    const sbdOptions = {
      sender: addressing.sender,
      receiver: addressing.receiver,
      documentType: addressing.documentType,
      process: found.process,
      countryC1,
      instanceIdentifier: delivery.sbdhInstanceId!,
      // An MLS asks for no MLS about itself.
      ...(doc.documentType === MLS_DOCUMENT_TYPE ? {} : { mlsTo: d.mls.to, mlsType: d.mls.type }),
    };
    const receiverSeat = commonName(found.certificate);
    const endpointUrl = found.endpointUrl;
    if (!receiverSeat) return { error: new ApError('pki.bad-certificate', 'The receiver certificate from the SMP has no CN (seat id)'), httpStatus: null, endpointUrl };
    const message = {
      header: {
        messageId: delivery.as4MessageId!,
        conversationId: delivery.conversationId!,
        fromPartyId: d.seatId,
        toPartyId: receiverSeat,
        processId: found.process.value,
        processScheme: found.process.scheme,
        documentTypeId: addressing.documentType.value,
        documentTypeScheme: addressing.documentType.scheme,
        originalSender: addressing.sender.value,
        finalRecipient: addressing.receiver.value,
      },
      sender: d.identity,
      receiverCertificate: found.certificate,
      idDomain: d.idDomain,
    };
    // A chunked (large) payload is built and posted as a stream: the SBD around its chunks, gzipped to a
    // spool file, encrypted as it is sent; the spool file is removed whatever the answer.
    const built = Buffer.isBuffer(payload)
      ? await buildUserMessage({ ...message, payload: Buffer.from(buildSbd({ ...sbdOptions, payload: { xml: payload } }), 'utf8') })
      : await buildLargeUserMessage({ ...message, payload: streamSbd(sbdOptions, payload), spoolDir: d.spoolDir });
    let response;
    try {
      response = await d.transport.post(endpointUrl, 'release' in built ? { length: built.contentLength, chunks: () => built.body() } : built.body, built.contentType);
    } catch (err) {
      return { error: toApError(err), httpStatus: null, endpointUrl };
    } finally {
      if ('release' in built) await built.release();
    }
    const status = response.status;
    let signal;
    try {
      const message = parseMimeMessage(response.contentType || 'application/octet-stream', response.body);
      signal = await readSignal(message, {
        certificateValidator: d.certificateValidator,
        sent: { messageId: built.messageId, signatureReferences: built.signatureReferences },
        expectedSigner: { raw: found.certificate.raw, seatId: receiverSeat },
        xmlLimits: d.xmlLimits,
      });
    } catch (err) {
      if (status >= 500 || status === 408 || status === 429) {
        return { error: new ApError('as4.transport-failed', `HTTP ${status} from ${endpointUrl} without a readable ebMS signal`), httpStatus: status, endpointUrl };
      }
      if (status >= 400) {
        return { error: new ApError('as4.remote-error', `HTTP ${status} from ${endpointUrl} without a readable ebMS signal`), httpStatus: status, endpointUrl };
      }
      const e = toApError(err);
      const missing = response.body.length === 0 || e.kind === 'mime.malformed' || e.kind === 'input.unsupported-media-type';
      return { error: missing ? new ApError('as4.receipt-missing', `HTTP ${status} without a receipt: ${e.message}`) : e, httpStatus: status, endpointUrl };
    }
    if (signal.kind === 'error') {
      const error = remoteError(signal.signal);
      if (error.spec.retry === 'permanent') d.breakers.success(endpointUrl); // it answered: it is up
      return { error, httpStatus: status, endpointUrl };
    }
    d.breakers.success(found.endpointUrl);
    const receipt = signal.signal;
    // One statement: the status move with its event, the delivery's final fields, the message record with
    // the receipt (evidence), the attempt row and the job's end commit together or not at all.
    const now = new Date();
    const moved = await d.deliveries.recordDelivered(
      doc.id,
      checkTransition(doc.id, 'outbound', 'sending', 'delivered'),
      { actor: ACTOR, reason: `receipt ${receipt.messageId} verified`, details: { attempt: delivery.attempts, as4MessageId: built.messageId, receiptMessageId: receipt.messageId, endpointUrl: found.endpointUrl, receiverSeatId: receiverSeat } },
      { countryC1, endpointUrl: found.endpointUrl, receiverSeatId: receiverSeat, deliveredAt: now },
      {
        messageId: built.messageId,
        conversationId: built.conversationId,
        fromPartyId: d.seatId,
        toPartyId: receiverSeat,
        originalSender: addressing.sender.value,
        finalRecipient: addressing.receiver.value,
        sbdhInstanceId: delivery.sbdhInstanceId!,
        service: found.process.value,
        action: `${addressing.documentType.scheme}::${addressing.documentType.value}`,
        signatureReferences: built.signatureReferences,
        receiptMessageId: receipt.messageId,
        receipt: response.body,
        receiptAt: now,
      },
      { attempt: delivery.attempts, startedAt, httpStatus: status },
      job.lease,
      // As C2 an exchange counts for Peppol Reporting once its receipt is verified: now, in this statement.
      reportingItemOf({
        exchangedAt: now,
        direction: 'outgoing',
        ourSeat: d.seatId,
        otherSeat: receiverSeat,
        documentType: addressing.documentType.value,
        process: addressing.process.value,
        c1Country: countryC1,
        c4Country: null,
        ourParticipant: addressing.sender.value,
      }),
    );
    if (!moved) throw new ApError('state.invalid-transition', `Document ${doc.id} left sending while its attempt ran; delivered not applied`);
    return 'delivered';
  }

  /** The receiver is hosted here: its inbox gets the document (received → available), no AS4 involved. */
  private async deliverLocally(job: DeliveryJob, doc: DocumentRecord, payload: Buffer, delivery: DeliveryRecord, startedAt: Date): Promise<AttemptResult> {
    const d = this.deps;
    await d.deliveries.transaction(async (tx) => {
      const inbound = await createDocument(
        d.documents,
        {
          direction: 'inbound',
          status: 'received',
          senderId: doc.senderId,
          receiverId: doc.receiverId,
          documentKind: doc.documentKind,
          documentType: doc.documentType,
          process: doc.process,
          invoiceNumber: doc.invoiceNumber,
          issueDate: doc.issueDate,
          payloadSha256: doc.payloadSha256,
          validationReport: doc.validationReport,
        },
        payload,
        { actor: 'local', reason: `received from a sender on this access point (outbound document ${doc.id}), without AS4`, details: { outboundDocumentId: doc.id } },
        tx,
      );
      await changeStatus(d.documents, inbound.id, 'available', { actor: 'local', reason: 'validated when submitted; in the inbox' }, { expected: { direction: 'inbound', from: 'received' }, tx });
      if (doc.validationReport) {
        const { id, invoiceNumber, issueDate } = inbound;
        const stored = { id, report: doc.validationReport, metadata: inbound, invoiceNumber, issueDate, duplicateOf: null, payload };
        for (const h of this.localHandlers) await h.handle([stored], tx);
      }
      await this.finish(doc.id, 'delivered', { actor: ACTOR, reason: 'delivered locally: the receiver is hosted on this access point', details: { attempt: delivery.attempts, inboundDocumentId: inbound.id } }, tx);
      await d.deliveries.update(doc.id, { deliveredAt: new Date(), localDocumentId: inbound.id, endpointUrl: null, lastError: null, lastErrorKind: null }, tx);
      await d.deliveries.recordAttempt(doc.id, { attempt: delivery.attempts, startedAt, outcome: 'delivered', endpointUrl: null, httpStatus: null, errorKind: null, error: null }, tx);
      await this.settle(job, { status: 'done' }, tx);
    });
    for (const h of this.localHandlers) h.committed?.();
    this.metrics.documentSent('local');
    return 'delivered';
  }

  /** The endpoint's circuit is open: back to `retrying` without using up an attempt. */
  private async defer(job: DeliveryJob, doc: DocumentRecord, delivery: DeliveryRecord, startedAt: Date, endpointUrl: string, retryAt: Date): Promise<AttemptResult> {
    const d = this.deps;
    await d.deliveries.transaction(async (tx) => {
      const reason = `circuit open for ${endpointUrl} (repeated failures): not sent, next try at ${retryAt.toISOString()}`;
      await this.finish(doc.id, 'retrying', { actor: ACTOR, reason, details: { endpointUrl, nextAttemptAt: retryAt.toISOString() } }, tx);
      await d.deliveries.update(doc.id, { uncountAttempt: true, endpointUrl }, tx);
      await d.deliveries.recordAttempt(doc.id, { attempt: delivery.attempts, startedAt, outcome: 'deferred', endpointUrl, httpStatus: null, errorKind: null, error: reason }, tx);
      await this.settle(job, { status: 'queued', runAt: retryAt, uncount: true, error: { kind: 'deferred', message: reason } }, tx);
    });
    return 'retrying';
  }

  private async fail(job: DeliveryJob, doc: DocumentRecord, delivery: DeliveryRecord, startedAt: Date, o: Failure): Promise<AttemptResult> {
    const d = this.deps;
    const unresolved = UNRESOLVED.has(o.error.kind);
    // An MLS receiver that cannot be resolved yet is retried (MLS 1.0): its SMP registration may follow.
    const retry = unresolved && doc.documentType === MLS_DOCUMENT_TYPE ? 'transient' : o.error.spec.retry;
    if (o.endpointUrl && o.error.kind === 'as4.transport-failed') d.breakers.failure(o.endpointUrl);
    if (doc.receiverId && doc.documentType) {
      // The cached addressing may be what failed (moved endpoint, new certificate): look it up afresh next time.
      try {
        d.lookup.invalidate(parseParticipantId(doc.receiverId));
      } catch {
        // an unparsable receiver id has no cache entry
      }
    }
    const attempts = delivery.attempts;
    const decision = job.decide(retry);
    const error = { kind: o.error.kind, message: o.error.message };
    let to: 'retrying' | 'failed' | 'undeliverable' | 'response-undeliverable' | 'emailing';
    let reason: string;
    let settlement: JobSettlement;
    let next: Date | null = null;
    const fallback = 'retryAt' in decision || retry === 'internal' ? 'off' : await this.emailFallback(doc);
    if ('retryAt' in decision) {
      to = 'retrying';
      next = decision.retryAt;
      reason = `${o.error.message} (attempt ${attempts} of ${job.maxAttempts}; next at ${next.toISOString()})`;
      settlement = { status: 'queued', runAt: next, error };
    } else if (unresolved && doc.documentType === INVOICE_RESPONSE_DOCUMENT_TYPE) {
      // The supplier takes no Invoice Response over Peppol: the response waits for the supplier channel (e-mail).
      to = 'response-undeliverable';
      reason = `${o.error.message}: the supplier cannot receive Invoice Responses over Peppol; the response waits for another channel`;
      settlement = { status: decision.end, error: { kind: o.error.kind, message: o.error.message } };
    } else if (fallback === 'always' || (fallback === 'on_peppol_failure' && unresolved)) {
      // The e-mail fallback takes it: a distinct path and final state, never `delivered`.
      to = 'emailing';
      reason = unresolved
        ? `${o.error.message}: the receiver is not on Peppol for this document; sent by e-mail instead (fallback ${fallback})`
        : `${o.error.message}: not delivered over Peppol; sent by e-mail instead (fallback always)`;
      settlement = { status: decision.end, error };
    } else {
      to = retry === 'permanent' ? 'undeliverable' : 'failed';
      reason =
        retry === 'permanent'
          ? o.error.message
          : retry === 'internal'
            ? `${o.error.message} (attempt ${attempts}; an internal error, not retried further)`
            : `${o.error.message} (attempt ${attempts} of ${job.maxAttempts}; no attempts left)`;
      settlement = { status: decision.end, error };
    }
    await d.deliveries.transaction(async (tx) => {
      await this.finish(doc.id, to, {
        actor: ACTOR,
        reason,
        details: { attempt: attempts, error: o.error.kind, ...(o.error.ebmsCode ? { ebmsCode: o.error.ebmsCode } : {}), ...(o.httpStatus ? { httpStatus: o.httpStatus } : {}), ...(o.endpointUrl ? { endpointUrl: o.endpointUrl } : {}), ...(next ? { nextAttemptAt: next.toISOString() } : {}), ...(o.error.details ? { errorDetails: o.error.details } : {}) },
      }, tx);
      await d.deliveries.update(doc.id, { lastErrorKind: o.error.kind, lastError: o.error.message, ...(o.endpointUrl ? { endpointUrl: o.endpointUrl } : {}) }, tx);
      await d.deliveries.recordAttempt(doc.id, { attempt: attempts, startedAt, outcome: retry, endpointUrl: o.endpointUrl, httpStatus: o.httpStatus, errorKind: o.error.kind, error: o.error.message }, tx);
      if (to === 'emailing') await d.email!.queue.enqueue({ purpose: 'fallback', documentId: doc.id }, tx);
      if (to === 'response-undeliverable' && d.email) await d.email.queue.enqueue({ purpose: 'response', documentId: doc.id }, tx);
      await this.settle(job, settlement, tx);
    });
    if (to === 'emailing' || (to === 'response-undeliverable' && d.email)) d.email!.queue.wake();
    if (to !== 'retrying' && to !== 'emailing') this.metrics.documentUndelivered(to, o.error.kind);
    return to;
  }

  /** The e-mail fallback of a business document (never of a response or an MLS); `off` without SMTP. */
  private async emailFallback(doc: DocumentRecord): Promise<'off' | 'always' | 'on_peppol_failure'> {
    const email = this.deps.email;
    if (!email || doc.documentType === INVOICE_RESPONSE_DOCUMENT_TYPE || doc.documentType === MLS_DOCUMENT_TYPE) return 'off';
    return fallbackFor(email.store, doc);
  }

  private async finish(id: string, to: OutboundStatus, event: EventInput, tx: Tx): Promise<void> {
    const ok = await changeStatus(this.deps.documents, id, to, event, { expected: { direction: 'outbound', from: 'sending' }, tx });
    if (!ok) throw new ApError('state.invalid-transition', `Document ${id} left sending while its attempt ran; ${to} not applied`);
  }
}

interface Addressing {
  sender: ParticipantIdentifier;
  receiver: ParticipantIdentifier;
  documentType: DocumentTypeIdentifier;
  process: ProcessIdentifier;
}

/** The routing identifiers read from the document at submission; a document without them cannot be sent. */
function addressingOf(doc: DocumentRecord): Addressing {
  const missing = (['senderId', 'receiverId', 'documentType', 'process'] as const).filter((k) => !doc[k]);
  if (missing.length > 0) throw new ApError('identifier.invalid', `The document lacks ${missing.join(', ')}: no addressing to a receiver`);
  return {
    sender: parseParticipantId(doc.senderId!),
    receiver: parseParticipantId(doc.receiverId!),
    documentType: { scheme: DOCTYPE_SCHEME, value: doc.documentType! },
    process: { scheme: PROCESS_SCHEME, value: doc.process! },
  };
}
