/**
 * The inbound AS4 pipeline (we are C3): the receiver checks of peppol-reference §4.8 in order, then the
 * durable commit, then the signed receipt.
 *
 *   1-9   MIME/ebMS structure, signature and signer certificate, decryption, duplicate MessageId,
 *         decompression, party ids and message properties            (src/as4 readUserMessage)
 *   10    SBDH parsed and checked; Sender/Receiver = originalSender/finalRecipient; DOCUMENTID/PROCESSID
 *         = Action/Service                                            (EBMS:0004)
 *   11    the final recipient is hosted here for the document type and process
 *                                                                     (EBMS:0004 PEPPOL:NOT_SERVICED)
 *   12    document, payload, creation event, AS4 message record and the receipt about to be sent are
 *         committed in one statement; only then is the receipt written to the response.
 *
 * A MessageId seen before (within the retention) gets the receipt stored for it, byte for byte, and a
 * `duplicate` event on its document. A repeated SBDH InstanceIdentifier under a new MessageId is stored as
 * its own message record flagged as a repeat (duplicate_of); when its business document is byte-identical
 * no second document is created. Validation and routing to the inbox follow the receipt (InboundHandover).
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import {
  buildErrorSignal,
  buildReceipt,
  DEFAULT_DECOMPRESSION_LIMITS,
  DEFAULT_ENVELOPE_LIMITS,
  DEFAULT_MIME_LIMITS,
  errorFromApError,
  readMimeMessage,
  readUserMessage,
  releaseSpool,
  SIGNAL_CONTENT_TYPE,
  type As4Identity,
  type ByteSource,
  type DecompressionLimits,
  type MimeLimits,
  type MimeMessage,
  type NrReference,
  type SpoolOptions,
  type ReceivedUserMessage,
} from '../as4/index.js';
import { ApError, toApError } from '../errors.js';
import type { CertificateValidator } from '../pki/types.js';
import { reportingItemOf } from '../reporting/items.js';
import { type As4MessageStore, type ReceivedMessage, type StoredMessage, type StoredReceipt } from '../store/as4-messages.js';
import type { PayloadFile } from '../store/payloads.js';
import type { SbdhHeader } from '../sbdh/model.js';
import { DEFAULT_XML_LIMITS, type XmlLimits } from '../xml/decode.js';
import { checkSbdhAgainstUserMessage } from './inbound-checks.js';
import { unpackLargeSbd } from './inbound-large.js';
import { readReceivedSbd } from './inbound-payload.js';
import type { InboundHandover } from './inbound-handover.js';
import type { ServedHere } from './served-here.js';
import { checkCreate } from '../core/state-machine.js';
import { NO_METRICS, type Metrics } from '../core/metrics.js';

const ACTOR = 'as4';
/** Received documents start here; checked once, at load, like every creation. */
const RECEIVED = checkCreate('inbound', 'received');

export interface InboundDeps {
  /** Our AP key and certificate: decrypts payloads, signs receipts and error signals. */
  identity: As4Identity;
  /** The AP key pair being replaced in a certificate rollover: still decrypts, never signs. */
  retiringIdentities?: readonly As4Identity[];
  /** Our seat id (the CN of our AP certificate): eb:To/PartyId must name it. */
  seatId: string;
  certificateValidator: CertificateValidator;
  messages: As4MessageStore;
  served: Pick<ServedHere, 'isServed'>;
  handover: InboundHandover;
  /** `xml` bounds the received SBD, `envelope` the SOAP envelope. */
  limits?: { mime?: MimeLimits; xml?: XmlLimits; envelope?: XmlLimits; decompression?: DecompressionLimits };
  /** Large attachments go to files here while they are read (src/pipeline/inbound-large.ts); none: all in memory. */
  spool?: SpoolOptions;
  /** Right-hand side of our signal MessageIds. */
  idDomain?: string;
  logger?: Logger;
  /** Each answered message, its outcome and time (default: none). */
  metrics?: Pick<Metrics, 'as4Received'>;
}

/** The business document as step 12 stores it: in memory, or a file for a large one. */
interface ReceivedBusinessDocument {
  documentKind: string | null;
  invoiceNumber: string | null;
  issueDate: string | null;
  payload: Buffer | PayloadFile;
  sha256: string;
  /** What the validator reads: the document, or a large one without its embedded attachments' bytes. */
  validationCopy: Buffer;
}

export type InboundOutcome = 'stored' | 'duplicate' | 'repeat' | 'error';

export interface As4Response {
  status: number;
  contentType: string;
  body: Buffer;
  outcome: InboundOutcome;
  /** The received MessageId, when it could be read. */
  messageId: string | null;
  documentId: string | null;
  error?: ApError;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Adds the received MessageId so the error signal can refer to it. */
function withMessageId(err: ApError, messageId: string | null): ApError {
  if (!messageId || err.details?.['messageId']) return err;
  return new ApError(err.kind, err.message, { ...err.details, messageId }, { cause: err.cause ?? err });
}

export class InboundPipeline {
  private readonly metrics: Pick<Metrics, 'as4Received'>;

  constructor(private readonly deps: InboundDeps) {
    this.metrics = deps.metrics ?? NO_METRICS;
  }

  private counted(result: As4Response, startedAt: number): As4Response {
    this.metrics.as4Received(result.outcome, (performance.now() - startedAt) / 1000, result.error?.kind);
    return result;
  }

  /** The largest request body read (the MIME limit): the endpoint refuses a longer declared one unread. */
  get maxMessageBytes(): number {
    return (this.deps.limits?.mime ?? DEFAULT_MIME_LIMITS).maxTotalBytes;
  }

  private receipt(received: ReceivedUserMessage) {
    return buildReceipt(received, this.deps.identity, { idDomain: this.deps.idDomain });
  }

  private answer(stored: StoredReceipt, messageId: string): As4Response {
    return {
      status: 200,
      contentType: SIGNAL_CONTENT_TYPE,
      body: stored.receipt!,
      outcome: 'duplicate',
      messageId,
      documentId: stored.documentId,
    };
  }

  /**
   * Answers a MessageId stored before, and records the repeat. The same bytes sent again get the stored
   * receipt; a sender that rebuilt the message (same MessageId, new signature: its first attempt was cut
   * off before it recorded our receipt) gets a receipt over what it signed now, which it can verify, and
   * nothing is stored twice. Either way the message passed every security check first.
   */
  private async duplicate(stored: StoredReceipt, messageId: string, references: readonly NrReference[] | undefined): Promise<As4Response> {
    const sameBytes = !references || references.every((r) => stored.receipt!.includes(r.digestValue));
    const fresh = sameBytes ? null : buildReceipt({ messageId, signatureReferences: references! }, this.deps.identity, { idDomain: this.deps.idDomain });
    if (stored.documentId) {
      await this.deps.messages.duplicateEvent(
        stored.documentId,
        fresh ? `AS4 message ${messageId} received again, signed anew; a receipt for it was sent` : `AS4 message ${messageId} received again; the stored receipt was sent again`,
        ACTOR,
        { messageId, receiptMessageId: fresh ? fresh.messageId : stored.receiptMessageId },
      );
    }
    this.deps.logger?.info({ messageId, rebuilt: fresh !== null }, 'as4: duplicate message answered with a receipt');
    return fresh ? { ...this.answer(stored, messageId), body: fresh.body } : this.answer(stored, messageId);
  }

  /** Runs the whole exchange for one HTTP request and returns the response to write. */
  async receive(contentType: string | undefined, body: ByteSource): Promise<As4Response> {
    const startedAt = performance.now();
    return this.counted(await this.exchange(contentType, body), startedAt);
  }

  private async exchange(contentType: string | undefined, body: ByteSource): Promise<As4Response> {
    let messageId: string | null = null;
    let mime: MimeMessage | null = null;
    try {
      if (!contentType) throw new ApError('input.unsupported-media-type', 'The request has no Content-Type; AS4 messages are multipart/related');
      mime = await readMimeMessage(contentType, body, this.deps.limits?.mime ?? DEFAULT_MIME_LIMITS, this.deps.spool);
      let seen: StoredReceipt | null = null;
      let received: ReceivedUserMessage;
      try {
        received = await readUserMessage(mime, {
          receiver: this.deps.identity,
          ...(this.deps.retiringIdentities ? { retiringReceivers: this.deps.retiringIdentities } : {}),
          certificateValidator: this.deps.certificateValidator,
          ourSeatId: this.deps.seatId,
          limits: {
            // The SOAP envelope only (the business document travels as an attachment): its own, smaller limit.
            xml: this.deps.limits?.envelope ?? DEFAULT_ENVELOPE_LIMITS,
            decompression: this.deps.limits?.decompression ?? DEFAULT_DECOMPRESSION_LIMITS,
          },
          isDuplicate: async (id) => {
            seen = await this.deps.messages.findByMessageId('inbound', id);
            return seen !== null && seen.receipt !== null;
          },
        });
      } catch (err) {
        if (err instanceof ApError && err.kind === 'as4.duplicate' && seen) {
          return await this.duplicate(seen, String(err.details?.['messageId'] ?? ''), err.details?.['signatureReferences'] as NrReference[] | undefined);
        }
        throw err;
      }
      messageId = received.messageId;
      return await this.accept(received);
    } catch (err) {
      return this.signal(withMessageId(toApError(err), messageId ?? ((err as ApError).details?.['messageId'] as string | undefined) ?? null));
    } finally {
      if (mime?.parts.some((p) => p.spooled)) await releaseSpool(mime);
    }
  }

  /** Step 10 for a spooled attachment: the SBD unpacked as a stream to a file, removed once the exchange is over. */
  private async acceptLarge(received: ReceivedUserMessage): Promise<As4Response> {
    const xml = this.deps.limits?.xml ?? DEFAULT_XML_LIMITS;
    const large = await received.spooledPayload!.unpack(
      received.payloadWasCompressed,
      (chunks) => unpackLargeSbd(chunks, this.deps.spool!.dir, xml),
      this.deps.limits?.decompression ?? DEFAULT_DECOMPRESSION_LIMITS,
    );
    try {
      return await this.store(received, large.header, {
        documentKind: large.documentKind,
        invoiceNumber: null,
        issueDate: null,
        payload: large.file,
        sha256: large.sha256,
        validationCopy: large.validationCopy,
      });
    } finally {
      await rm(large.file.path, { force: true });
    }
  }

  /** Steps 10-12 for a message that passed the AS4 checks. */
  private async accept(received: ReceivedUserMessage): Promise<As4Response> {
    if (received.spooledPayload) return this.acceptLarge(received);
    // 10. The SBDH, and its agreement with the ebMS headers.
    const { header, document: doc } = readReceivedSbd(received.payload, this.deps.limits?.xml ?? DEFAULT_XML_LIMITS);
    return this.store(received, header, { ...doc, payload: doc.bytes, sha256: sha256(doc.bytes), validationCopy: doc.bytes });
  }

  /** Steps 10 (the agreement of SBDH and ebMS headers) to 12. */
  private async store(received: ReceivedUserMessage, header: SbdhHeader, doc: ReceivedBusinessDocument): Promise<As4Response> {
    const um = received.userMessage;
    checkSbdhAgainstUserMessage(um, header);
    // 11. Served here?
    if (!(await this.deps.served.isServed(header.receiver, header.documentType, header.process))) {
      throw new ApError(
        'as4.not-serviced',
        `${header.receiver.value} is not served by this access point for document type ${header.documentType.value} in process ${header.process.value}`,
      );
    }
    const docSha = doc.sha256;
    const headers = {
      messageId: received.messageId,
      conversationId: um.conversationId,
      fromPartyId: um.from.partyId,
      toPartyId: um.to.partyId,
      originalSender: header.sender.value,
      finalRecipient: header.receiver.value,
      sbdhInstanceId: header.documentIdentification.instanceIdentifier,
      countryC1: header.countryC1,
      service: um.service,
      action: um.action,
      signatureReferences: received.signatureReferences,
      mlsTo: header.mlsTo?.value ?? null,
      mlsType: header.mlsType ?? null,
    };

    // 12. Durable commit, then the receipt. The first attempt assumes a new InstanceIdentifier (one round
    // trip); the unique keys tell us otherwise, and a concurrent copy of the same message may win the race.
    let first: StoredMessage | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const receipt = this.receipt(received);
      const message: ReceivedMessage = { headers, receipt: { messageId: receipt.messageId, soap: receipt.body }, duplicateOf: first?.id ?? null };
      const answer = (outcome: As4Response['outcome'], documentId: string | null): As4Response => ({
        status: 200,
        contentType: receipt.contentType,
        body: receipt.body,
        outcome,
        messageId: received.messageId,
        documentId,
      });
      let duplicate: 'message' | 'instance';
      if (first && first.payloadSha256 === docSha) {
        // Same InstanceIdentifier, same document, new MessageId: a resend. Keep the message, not a second document.
        const repeat = await this.deps.messages.storeRepeat(message, first.documentId, {
          reason: `SBDH InstanceIdentifier ${headers.sbdhInstanceId} received again in AS4 message ${received.messageId}`,
          actor: ACTOR,
          details: { messageId: received.messageId, instanceIdentifier: headers.sbdhInstanceId },
        });
        if (repeat.stored !== undefined) {
          this.deps.logger?.info({ messageId: received.messageId, instanceIdentifier: headers.sbdhInstanceId }, 'as4: SBDH instance repeated');
          return answer('repeat', first.documentId);
        }
        duplicate = repeat.duplicate;
      } else {
        const flag = first ? ` (flagged: SBDH InstanceIdentifier repeats AS4 message record ${first.id} with a different document)` : '';
        const outcome = await this.deps.messages.storeReceived(message, {
          senderId: header.sender.value,
          receiverId: header.receiver.value,
          documentKind: doc.documentKind,
          documentType: header.documentType.value,
          process: header.process.value,
          invoiceNumber: doc.invoiceNumber,
          issueDate: doc.issueDate,
          initial: RECEIVED,
          payload: doc.payload,
          payloadSha256: docSha,
          // As C3 an exchange counts for Peppol Reporting when we store it and give our receipt: in that commit.
          reporting: reportingItemOf({
            exchangedAt: new Date(),
            direction: 'incoming',
            ourSeat: um.to.partyId,
            otherSeat: um.from.partyId,
            documentType: header.documentType.value,
            process: header.process.value,
            c1Country: header.countryC1,
            c4Country: null,
            ourParticipant: header.receiver.value,
          }),
          event: {
            reason: `received over AS4 from ${um.from.partyId}; receipt ${receipt.messageId}${flag}`,
            actor: ACTOR,
            details: {
              messageId: received.messageId,
              conversationId: um.conversationId,
              instanceIdentifier: headers.sbdhInstanceId,
              ...(first ? { instanceRepeatOf: first.id, instanceRepeatDocument: first.documentId } : {}),
            },
          },
        });
        if (outcome.stored !== undefined) {
          this.deps.handover.enqueue(outcome.stored.documentId, doc.validationCopy, !Buffer.isBuffer(doc.payload));
          return answer('stored', outcome.stored.documentId);
        }
        duplicate = outcome.duplicate;
      }
      if (duplicate === 'message') {
        const stored = await this.deps.messages.findByMessageId('inbound', received.messageId);
        if (stored?.receipt) return this.duplicate(stored, received.messageId, received.signatureReferences);
      } else {
        first = await this.deps.messages.findByInstanceId('inbound', headers.sbdhInstanceId);
      }
    }
    throw new ApError('internal', `Message ${received.messageId} could not be stored after concurrent duplicates`);
  }

  /**
   * The signed error signal for a failed check, or for a request refused before its body was read; 5xx
   * when the failure is ours or we are busy (the sender should retry).
   */
  refuse(err: ApError): As4Response {
    const startedAt = performance.now();
    return this.counted(this.signal(err), startedAt);
  }

  private signal(err: ApError): As4Response {
    const messageId = (err.details?.['messageId'] as string | undefined) ?? null;
    const entry = errorFromApError(err) ?? { code: 'EBMS:0004' as const, description: 'Internal error while receiving the message; retry later' };
    const status = err.spec.ebms ? err.httpStatus : 500;
    if (status >= 500 && !err.retryable) this.deps.logger?.error({ err, messageId }, 'as4: message not received (internal error)');
    else if (status >= 500 && err.kind !== 'input.busy') this.deps.logger?.warn({ error: err.kind, cause: (err.cause as Error | undefined)?.message, messageId }, 'as4: message not received; the sender retries');
    else this.deps.logger?.info({ error: err.kind, ebms: entry.code, messageId, reason: err.message }, 'as4: message refused');
    const signal = buildErrorSignal(messageId, [entry], this.deps.identity, { idDomain: this.deps.idDomain });
    return { status, contentType: signal.contentType, body: signal.body, outcome: 'error', messageId, documentId: null, error: err };
  }
}
