/**
 * The e-mail channel's decisions (README "E-mail channel"): one attempt of an `email` job, whatever it
 * carries, composed from the stored document, its settings, the rendering and the SMTP transport.
 *
 *  - fallback: an outbound invoice whose receiver is not on Peppol, in `emailing`, to the address given
 *    with the submission or else the buyer's contact address (BT-58) → `delivered-by-email`;
 *  - response: an Invoice Response in `response-undeliverable`, to the supplier's contact address (BT-43)
 *    of the invoice it answers → `delivered-by-email`; without an address it stays (portal only);
 *  - pickup: an inbound document still `available` after its body's pick-up delay, to the body's
 *    functional address: a timeline entry, the document stays in the inbox;
 *  - notification: a tenant's subscription (new document, delivery failed, webhook endpoint disabled).
 *
 * Each e-mail with a document carries the PDF rendering and the stored XML byte for byte. Every outcome is
 * written in one transaction with the job's settlement: an e-mail sent moves the document (or appends its
 * timeline entry) and ends the job together. The Message-ID is derived from the job, so that a crash after
 * the SMTP server took the message but before that commit sends the same message, same Message-ID, again:
 * at least once, recognisably one message (see README).
 */
import { createHash } from 'node:crypto';
import type { RetryDecision } from '../core/retry.js';
import { ApError, toApError, type RetryClass } from '../errors.js';
import { isValidAddress } from '../email/address.js';
import { invoiceByEmail, notification, notPickedUp, responseByEmail, type DocumentFacts, type EmailLanguage, type EmailText, type NotificationEvent } from '../email/texts.js';
import type { EmailAttachment, EmailTransport } from '../email/transport.js';
import type { PostgresBusinessResponseStore } from '../store/business-responses.js';
import type { DocumentRecord, DocumentStore, Tx } from '../store/documents.js';
import type { FallbackMode, PostgresEmailStore } from '../store/email.js';
import type { JobLease, JobSettlement, PostgresJobStore } from '../store/jobs.js';
import type { XmlLimits } from '../xml/decode.js';
import { changeStatus } from './state-machine.js';
import { readContactAddresses, readDocumentFacts } from './ubl-metadata.js';

export const EMAIL_JOB = 'email';

export type EmailJobPayload =
  | { purpose: 'fallback' | 'response' | 'pickup'; documentId: string }
  | { purpose: 'notification'; tenantId: string; event: NotificationEvent; documentId?: string; reason?: string | null; webhookUrl?: string };

/** The unique key of a job: one e-mail per purpose and document (or event). */
export function emailJobKey(p: EmailJobPayload, eventKey?: string): string {
  return p.purpose === 'notification' ? `notification:${eventKey ?? ''}` : `${p.purpose}:${p.documentId}`;
}

/** Where the flows hand e-mails to: jobs of the `email` kind, written in the caller's transaction (src/jobs/email-service.ts). */
export interface EmailQueue {
  /** Adds the e-mail (once per purpose and document, or per `eventKey` for a notification), due at `runAt`. */
  enqueue(payload: EmailJobPayload, tx: Tx, options?: { runAt?: Date; eventKey?: string }): Promise<void>;
  /** After the commit: claim now rather than at the next poll. */
  wake(): void;
}

/**
 * The outbound fallback that applies to `doc`: the one given with its submission, else its tenant's
 * (`off` without either).
 */
export async function fallbackFor(store: Pick<PostgresEmailStore, 'submissionOptions' | 'tenantSettings'>, doc: DocumentRecord): Promise<FallbackMode> {
  const given = await store.submissionOptions(doc.id);
  if (given) return given.fallback;
  return doc.tenantId ? (await store.tenantSettings(doc.tenantId)).fallback : 'off';
}

/** The PDF rendering of a UBL document (src/rendering). */
export type RenderPdf = (xml: Uint8Array | string, lang: EmailLanguage) => Promise<Uint8Array>;

export interface EmailRun {
  jobId: string;
  payload: EmailJobPayload;
  lease: JobLease;
  attempt: number;
  maxAttempts: number;
  decide(retry: RetryClass): RetryDecision;
}

export interface EmailChannelDeps {
  documents: DocumentStore;
  email: PostgresEmailStore;
  responses: PostgresBusinessResponseStore;
  jobs: PostgresJobStore;
  transport: EmailTransport;
  renderPdf: RenderPdf;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Right-hand side of Message-IDs. */
  idDomain: string;
  xmlLimits: XmlLimits;
}

export type EmailOutcome = 'sent' | 'retrying' | 'ended' | 'skipped';

const ACTOR = 'job:email';

/** What one message is about and where it goes, once the attempt found both. */
interface Composed {
  to: string;
  text: EmailText;
  language: EmailLanguage;
  attachments: EmailAttachment[];
  /** Said on the timeline beside the message (e.g. no rendering could be made). */
  note: string | null;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fileStem = (facts: DocumentFacts, doc: DocumentRecord) => (facts.number ?? doc.id).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100);

export class EmailChannel {
  constructor(private readonly deps: EmailChannelDeps) {}

  messageIdOf(jobId: string): string {
    return `<email.${jobId}@${this.deps.idDomain}>`;
  }

  async attempt(run: EmailRun): Promise<EmailOutcome> {
    const p = run.payload;
    switch (p.purpose) {
      case 'fallback':
        return this.documentEmail(run, p.documentId, 'emailing', (doc, xml) => this.fallback(doc, xml));
      case 'response':
        return this.documentEmail(run, p.documentId, 'response-undeliverable', (doc, xml) => this.response(doc, xml));
      case 'pickup':
        return this.documentEmail(run, p.documentId, 'available', (doc, xml) => this.pickup(doc, xml));
      case 'notification':
        return this.notify(run, p);
    }
  }

  /**
   * An e-mail carrying a document that must still be in `waitingIn`; anything else ended its need (picked
   * up, or an earlier attempt's commit), and the job ends without a message.
   */
  private async documentEmail(run: EmailRun, documentId: string, waitingIn: string, compose: (doc: DocumentRecord, xml: Buffer) => Promise<Composed>): Promise<EmailOutcome> {
    const d = this.deps;
    const doc = await d.documents.get(documentId);
    if (!doc || doc.status !== waitingIn) {
      await d.jobs.settle(run.lease, { status: 'done' });
      return 'skipped';
    }
    const xml = await d.documents.payload(doc.id);
    let composed: Composed;
    try {
      if (!xml) throw new ApError('internal', `The payload of document ${doc.id} is missing`);
      composed = await compose(doc, xml);
    } catch (err) {
      return this.failed(run, doc, toApError(err), null);
    }
    const messageId = this.messageIdOf(run.jobId);
    try {
      const sent = await d.transport.send({ messageId, to: composed.to, subject: composed.text.subject, text: composed.text.text, language: composed.language, attachments: composed.attachments });
      const details = {
        messageId,
        to: composed.to,
        subject: composed.text.subject,
        smtpResponse: sent.response,
        attempt: run.attempt,
        attachments: composed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.content.length, sha256: sha256(a.content) })),
        ...(composed.note ? { note: composed.note } : {}),
      };
      await d.transaction(async (tx) => {
        const reason = `${run.payload.purpose === 'pickup' ? 'not picked up within the pick-up delay: ' : ''}e-mailed to ${composed.to} (${messageId})${composed.note ? `; ${composed.note}` : ''}`;
        if (run.payload.purpose === 'pickup') {
          await d.email.event(doc.id, { type: 'email-sent', actor: ACTOR, reason, details }, tx);
        } else if (!(await changeStatus(d.documents, doc.id, 'delivered-by-email', { actor: ACTOR, reason, details }, { expected: { direction: 'outbound', from: waitingIn as 'emailing' }, tx }))) {
          throw new ApError('state.invalid-transition', `Document ${doc.id} left ${waitingIn} while its e-mail was sent`);
        }
        await this.settle(run, { status: 'done' }, tx);
      });
      return 'sent';
    } catch (err) {
      return this.failed(run, doc, toApError(err), composed.to);
    }
  }

  /**
   * A failed attempt: a timeline entry saying why, and the job due again after the backoff; when no attempt
   * is left (or none can help), the document's end: `failed` or `undeliverable` for the fallback, the
   * waiting status kept for a response, the inbox for a pick-up.
   */
  private async failed(run: EmailRun, doc: DocumentRecord, e: ApError, to: string | null): Promise<EmailOutcome> {
    const d = this.deps;
    if (e.kind === 'state.invalid-transition') {
      await d.jobs.settle(run.lease, { status: 'done' });
      return 'skipped';
    }
    const decision = run.decide(e.spec.retry);
    const error = { kind: e.kind, message: e.message };
    const details = { error: e.kind, attempt: run.attempt, ...(to ? { to } : {}), ...('retryAt' in decision ? { nextAttemptAt: decision.retryAt.toISOString() } : {}) };
    await d.transaction(async (tx) => {
      if ('retryAt' in decision) {
        const reason = `e-mail not sent: ${e.message} (attempt ${run.attempt} of ${run.maxAttempts}; next at ${decision.retryAt.toISOString()})`;
        await d.email.event(doc.id, { type: 'email-failed', actor: ACTOR, reason, details }, tx);
        await this.settle(run, { status: 'queued', runAt: decision.retryAt, error }, tx);
        return;
      }
      const reason = `e-mail not sent: ${e.message}${e.spec.retry === 'permanent' ? '' : ` (attempt ${run.attempt} of ${run.maxAttempts}; no attempts left)`}`;
      if (run.payload.purpose === 'fallback') {
        const end = e.spec.retry === 'permanent' ? 'undeliverable' : 'failed';
        await changeStatus(d.documents, doc.id, end, { actor: ACTOR, reason, details }, { expected: { direction: 'outbound', from: 'emailing' }, tx });
      } else {
        const stays = run.payload.purpose === 'response' ? '; the response stays response-undeliverable' : '; the document stays in the inbox';
        await d.email.event(doc.id, { type: 'email-failed', actor: ACTOR, reason: reason + stays, details }, tx);
      }
      await this.settle(run, { status: decision.end, error }, tx);
    });
    return 'retryAt' in decision ? 'retrying' : 'ended';
  }

  private async settle(run: EmailRun, s: JobSettlement, tx: Tx): Promise<void> {
    if (!(await this.deps.jobs.settle(run.lease, s, tx))) {
      throw new ApError('state.invalid-transition', `The e-mail job ${run.jobId} was taken over while its attempt ran; outcome not applied`);
    }
  }

  private async fallback(doc: DocumentRecord, xml: Buffer): Promise<Composed> {
    const given = (await this.deps.email.submissionOptions(doc.id))?.address ?? null;
    const to = given ?? readContactAddresses(xml, this.deps.xmlLimits).buyer;
    if (!to) throw new ApError('email.no-address', 'No buyer e-mail address: the invoice has no AccountingCustomerParty/Party/Contact/ElectronicMail and the submission gave none');
    const language = await this.languageOf(doc.tenantId);
    const facts = readDocumentFacts(xml, this.deps.xmlLimits);
    return this.withDocument(this.checked(to, given ? 'given with the submission' : 'the buyer contact address (ElectronicMail)'), invoiceByEmail(language, facts), language, doc, facts, xml);
  }

  private async response(doc: DocumentRecord, xml: Buffer): Promise<Composed> {
    const d = this.deps;
    const record = await d.responses.responseOf(doc.id);
    const invoiceId = record?.answersDocumentId ?? null;
    const invoiceXml = invoiceId ? await d.documents.payload(invoiceId) : null;
    if (!record || !invoiceXml) throw new ApError('email.no-address', 'The Invoice Response names no invoice stored here: no supplier contact address to send it to');
    const to = readContactAddresses(invoiceXml, d.xmlLimits).supplier;
    if (!to) throw new ApError('email.no-address', 'The invoice answered has no AccountingSupplierParty/Party/Contact/ElectronicMail: the response can only be seen by the supplier otherwise');
    const language = await this.languageOf(doc.tenantId);
    const invoice = readDocumentFacts(invoiceXml, d.xmlLimits);
    return this.withDocument(this.checked(to, 'the supplier contact address (ElectronicMail)'), responseByEmail(language, invoice, record.responseCode), language, doc, { ...invoice, kind: 'ApplicationResponse' }, xml);
  }

  private async pickup(doc: DocumentRecord, xml: Buffer): Promise<Composed> {
    const d = this.deps;
    const participant = doc.receiverId ?? '';
    const settings = (await d.email.pickupSettings([participant])).get(participant.toLowerCase());
    if (!settings) throw new ApError('email.no-address', `No pick-up delay is set for ${participant} any more`);
    const language = await this.languageOf(doc.tenantId);
    const facts = readDocumentFacts(xml, d.xmlLimits);
    const hours = Math.round((settings.delaySeconds / 3600) * 10) / 10;
    return this.withDocument(this.checked(settings.functionalAddress, 'the functional address'), notPickedUp(language, facts, participant, hours), language, doc, facts, xml);
  }

  private checked(address: string, what: string): string {
    const to = address.trim();
    if (!isValidAddress(to)) throw new ApError('email.address-invalid', `${what} ${JSON.stringify(to.slice(0, 100))} is not a valid e-mail address`);
    return to;
  }

  private async languageOf(tenantId: string | null): Promise<EmailLanguage> {
    return tenantId ? (await this.deps.email.tenantSettings(tenantId)).language : 'en';
  }

  /** The message with the rendering (when one can be made: the XML is the document, the PDF a courtesy) and the XML. */
  private async withDocument(to: string, text: EmailText, language: EmailLanguage, doc: DocumentRecord, facts: DocumentFacts, xml: Buffer): Promise<Composed> {
    const stem = fileStem(facts, doc);
    const attachments: EmailAttachment[] = [];
    let note: string | null = null;
    try {
      attachments.push({ filename: `${stem}.pdf`, content: Buffer.from(await this.deps.renderPdf(xml, language)), contentType: 'application/pdf' });
    } catch (err) {
      note = `no PDF rendering could be made (${toApError(err).message}); the XML alone is attached`;
    }
    attachments.push({ filename: `${stem}.xml`, content: xml, contentType: 'application/xml' });
    return { to, text, language, attachments, note };
  }

  private async notify(run: EmailRun, p: Extract<EmailJobPayload, { purpose: 'notification' }>): Promise<EmailOutcome> {
    const d = this.deps;
    const settings = await d.email.tenantSettings(p.tenantId);
    if (!settings.notificationAddress || !settings.notificationEvents.includes(p.event)) {
      await d.jobs.settle(run.lease, { status: 'done' });
      return 'skipped';
    }
    const doc = p.documentId ? await d.documents.get(p.documentId) : null;
    const xml = doc ? await d.documents.payload(doc.id) : null;
    let facts: DocumentFacts | undefined;
    try {
      facts = xml ? readDocumentFacts(xml, d.xmlLimits) : undefined;
    } catch {
      facts = undefined; // an unreadable document is still worth the notification
    }
    const text = notification(settings.language, p.event, { ...(facts ? { document: facts } : {}), ...(doc ? { documentId: doc.id, status: doc.status } : {}), reason: p.reason ?? null, ...(p.webhookUrl ? { webhookUrl: p.webhookUrl } : {}) });
    const messageId = this.messageIdOf(run.jobId);
    try {
      const to = this.checked(settings.notificationAddress, 'the notification address');
      const sent = await d.transport.send({ messageId, to, subject: text.subject, text: text.text, language: settings.language, attachments: [] });
      await d.transaction(async (tx) => {
        if (doc) await d.email.event(doc.id, { type: 'email-notification', actor: ACTOR, reason: `${p.event} notified to ${to} (${messageId})`, details: { messageId, to, event: p.event, smtpResponse: sent.response } }, tx);
        await this.settle(run, { status: 'done' }, tx);
      });
      return 'sent';
    } catch (err) {
      const e = toApError(err);
      if (e.kind === 'state.invalid-transition') return 'skipped';
      const decision = run.decide(e.spec.retry);
      const error = { kind: e.kind, message: e.message };
      await d.jobs.settle(run.lease, 'retryAt' in decision ? { status: 'queued', runAt: decision.retryAt, error } : { status: decision.end, error });
      return 'retryAt' in decision ? 'retrying' : 'ended';
    }
  }
}
