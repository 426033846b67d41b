/**
 * The two operations an access point performs on Peppol user messages:
 *  - buildUserMessage: gzip → sign (digest over the gzip bytes) → encrypt → multipart/related;
 *  - readUserMessage: the inbound checklist of peppol-reference §4.8 steps 1-9 in order, throwing an
 *    ApError whose kind carries the EBMS code of the first failing step, with the MessageId in details
 *    once it is known (the error signal needs it as RefToMessageId).
 */
import { randomUUID, type X509Certificate } from 'node:crypto';
import { ApError } from '../errors.js';
import type { CertificateValidator, ValidatedCertificate } from '../pki/types.js';
import type { XmlLimits } from '../xml/decode.js';
import { DEFAULT_DECOMPRESSION_LIMITS, gunzipBounded, gzip, type DecompressionLimits } from './compression.js';
import { children, elementChildren } from './dom.js';
import {
  buildUserMessageXml,
  checkAgreement,
  checkPeppolHeaders,
  newMessageId,
  parseUserMessage,
  type UserMessage,
  type UserMessageInput,
} from './ebms.js';
import { decryptAttachments, encryptAttachments, inspectEncryption, unwrapSessionKey } from './encryption.js';
import { DEFAULT_ENVELOPE_LIMITS, newEnvelopeIds, readEnvelope, signedEnvelope } from './envelope.js';
import { buildMultipartRelated } from './mime/build.js';
import type { MimeMessage } from './mime/message.js';
import { NS } from './ns.js';
import { PEPPOL } from './profile.js';
import { cidUri, inspectSignature, verifySignature, type As4Identity, type NrReference, type SignedAttachment } from './signature.js';
import { SpooledPayload } from './spooled-payload.js';

export interface OutboundUserMessage {
  header: UserMessageInput;
  payload: Buffer;
  /** Type of the payload before compression; default application/xml. */
  payloadMimeType?: string;
  /** Default UTF-8 for XML payloads. */
  characterSet?: string;
  sender: As4Identity;
  /** The receiver's certificate from its SMP endpoint (validated by the caller). */
  receiverCertificate: X509Certificate;
  /** Right-hand side of generated Message-IDs and Content-IDs. */
  idDomain?: string;
  /** gzip the payload (default true; the profile lets receivers accept uncompressed payloads too). */
  compress?: boolean;
}

export interface As4Message {
  /** HTTP body and Content-Type. */
  body: Buffer;
  contentType: string;
  messageId: string;
  /** The SOAP envelope alone (for evidence). */
  soap: Buffer;
}

export interface BuiltUserMessage extends As4Message {
  conversationId: string;
  contentId: string;
  /** References of our signature: the receipt must return exactly these (NRR). */
  signatureReferences: NrReference[];
}

/** The ids and payload properties of a new UserMessage, the defaults filled in (in memory or streamed alike). */
export function newUserMessageIds(msg: Pick<OutboundUserMessage, 'header' | 'idDomain' | 'payloadMimeType' | 'characterSet'>) {
  const domain = msg.idDomain ?? 'peppol-ap';
  const mimeType = msg.payloadMimeType ?? 'application/xml';
  return {
    domain,
    messageId: msg.header.messageId ?? newMessageId(domain),
    conversationId: msg.header.conversationId ?? randomUUID(),
    contentId: `payload-${randomUUID()}@${domain}`,
    mimeType,
    characterSet: msg.characterSet ?? (/xml/.test(mimeType) ? 'UTF-8' : undefined),
  };
}

export async function buildUserMessage(msg: OutboundUserMessage): Promise<BuiltUserMessage> {
  const { messageId, conversationId, contentId, mimeType, characterSet } = newUserMessageIds(msg);
  const compress = msg.compress ?? true;
  const content = compress ? await gzip(msg.payload) : msg.payload;
  const ids = newEnvelopeIds();
  const messagingXml = buildUserMessageXml(
    { ...msg.header, messageId, conversationId },
    { contentId, mimeType, compressed: compress, ...(characterSet ? { characterSet } : {}) },
    ids.messaging,
  );
  const uri = cidUri(contentId);
  const enc = encryptAttachments(msg.receiverCertificate, [{ contentId, data: content, mimeType: compress ? PEPPOL.GZIP : mimeType }]);
  const signed = signedEnvelope(msg.sender, ids, messagingXml, enc.xml, [{ contentId, uri, data: content }]);
  const mime = buildMultipartRelated(
    { body: signed.soap },
    enc.encrypted.map((e) => ({ body: e.data, contentId: e.contentId, contentType: 'application/octet-stream' })),
  );
  return {
    body: mime.body,
    contentType: mime.contentType,
    messageId,
    conversationId,
    contentId,
    soap: signed.soap,
    signatureReferences: signed.references,
  };
}

export interface InboundLimits {
  xml?: XmlLimits;
  decompression?: DecompressionLimits;
}

export interface ReadUserMessageOptions {
  /** Our current AP identity. */
  receiver: As4Identity;
  /** Our AP identities being replaced (certificate rollover): payloads still encrypted for them decrypt too. */
  retiringReceivers?: readonly As4Identity[];
  certificateValidator: CertificateValidator;
  /** Validation time for the signer certificate; default now. */
  at?: Date;
  limits?: InboundLimits;
  /** When given, the To PartyId must equal it (checklist step 8). */
  ourSeatId?: string;
  /** Checklist step 6; a true answer rejects the message with EBMS:4001. */
  isDuplicate?: (messageId: string) => boolean | Promise<boolean>;
}

export interface ReceivedUserMessage {
  messageId: string;
  userMessage: UserMessage;
  /** The business document (decrypted and decompressed); empty when the attachment was spooled. */
  payload: Buffer;
  /** A spooled attachment, authenticated and its signature digest verified: unpack it as a stream. */
  spooledPayload?: SpooledPayload;
  payloadWasCompressed: boolean;
  signer: ValidatedCertificate;
  /** References of the sender's signature, for the receipt and the evidence store. */
  signatureReferences: NrReference[];
  soap: Buffer;
  /** Things a person should know that did not fail the message (CRL soft-fail). */
  warnings: string[];
}

const nrReferences = (refs: readonly NrReference[]): NrReference[] => refs.map(({ uri, transforms, digestMethod, digestValue, xml }) => ({ uri, transforms, digestMethod, digestValue, xml }));

const profile = (msg: string): never => {
  throw new ApError('ebms.profile-violation', msg);
};

/** Adds the MessageId to an ApError's details so the caller can address the error signal. */
function withMessageId(err: unknown, messageId: string | undefined): unknown {
  if (!(err instanceof ApError) || !messageId || err.details?.['messageId']) return err;
  return new ApError(err.kind, err.message, { ...err.details, messageId }, { cause: err.cause ?? err });
}

export async function readUserMessage(message: MimeMessage, opts: ReadUserMessageOptions): Promise<ReceivedUserMessage> {
  let messageId: string | undefined;
  try {
    // 1. MIME and SOAP structure, size caps (the MIME reader applied them), no DTD (parseLiteDom).
    if (message.mediaType !== 'multipart/related') {
      throw new ApError('input.unsupported-media-type', `An AS4 user message is multipart/related, not ${message.mediaType}`);
    }
    if (message.root.mediaType !== 'application/soap+xml') {
      throw new ApError('input.unsupported-media-type', `The root MIME part is ${message.root.mediaType}, not application/soap+xml`);
    }
    const env = readEnvelope(message.root.body, opts.limits?.xml ?? DEFAULT_ENVELOPE_LIMITS);

    // 2. Exactly one UserMessage, the Peppol agreement; payload parts consistent with the MIME parts.
    const ums = children(env.messaging, NS.EB, 'UserMessage');
    if (ums.length !== 1 || children(env.messaging, NS.EB, 'SignalMessage').length > 0) {
      profile(`eb:Messaging must hold exactly one eb:UserMessage and no signal (found ${ums.length} UserMessage)`);
    }
    const um = parseUserMessage(ums[0]!);
    messageId = um.messageId;
    checkAgreement(um);
    if (elementChildren(env.body).length > 0) profile('The SOAP Body must be empty; the payload travels as an attachment');
    const contentIds: string[] = [];
    for (const a of message.attachments) {
      if (!a.contentId) profile('A MIME attachment has no Content-ID');
      contentIds.push(a.contentId!);
    }
    if (contentIds.length !== 1) profile(`The message carries ${contentIds.length} attachments; Peppol requires exactly one payload`);
    for (const p of um.parts) {
      if (!contentIds.includes(p.contentId)) profile(`eb:PartInfo cid:${p.contentId} matches no MIME attachment (missing attachment)`);
    }
    for (const cid of contentIds) {
      if (!um.parts.some((p) => p.contentId === cid)) profile(`The MIME attachment <${cid}> is not described by an eb:PartInfo`);
    }

    // 3. Signed, encrypted, tokens as BST, allowed algorithms; references cover what is processed.
    const sig = inspectSignature({ ids: env.ids, security: env.security, messaging: env.messaging, body: env.body, contentIds });
    const enc = inspectEncryption(env.security, env.ids, contentIds);

    // 4. The signer is a valid Peppol AP certificate.
    const signer = await opts.certificateValidator.validate(sig.signer, { purpose: 'ap', ...(opts.at ? { at: opts.at } : {}) });

    // 5. Decrypt, then verify SignedInfo and every reference over the decrypted (still compressed) octets.
    // A spooled attachment is authenticated and digested in one streamed pass; the others in memory.
    const receivers = [opts.receiver, ...(opts.retiringReceivers ?? [])];
    const spooledPart = message.attachments.find((a) => a.spooled);
    let spooledPayload: SpooledPayload | undefined;
    let plain: Map<string, SignedAttachment>;
    if (spooledPart) {
      spooledPayload = await SpooledPayload.authenticate(spooledPart.spooled!, unwrapSessionKey(enc, receivers), spooledPart.contentId!);
      plain = new Map([[spooledPart.contentId!, { sha256: spooledPayload.digest }]]);
    } else {
      plain = decryptAttachments(enc, receivers, new Map(message.attachments.map((a) => [a.contentId!, a.body])));
    }
    verifySignature(sig, plain);

    // 6. Duplicate detection on eb:MessageId.
    if (opts.isDuplicate && (await opts.isDuplicate(um.messageId))) {
      // The references let the receiver answer a rebuilt retransmission (same MessageId, new signature) with a receipt it can verify.
      throw new ApError('as4.duplicate', `Message ${um.messageId} was received before`, { messageId: um.messageId, signatureReferences: nrReferences(sig.references) });
    }

    // 7. Decompress (bounded), exactly one payload; 8-9. party ids, roles, originalSender/finalRecipient.
    // A spooled payload is decompressed as it is unpacked, under the same limits (SpooledPayload.unpack).
    const part = um.parts[0]!;
    const compressed = part.compressionType !== null;
    if (compressed && part.compressionType !== PEPPOL.GZIP) {
      throw new ApError('as4.decompression-failed', `CompressionType "${part.compressionType}" is not supported; Peppol uses ${PEPPOL.GZIP}`);
    }
    let payload = spooledPayload ? Buffer.alloc(0) : (plain.get(part.contentId) as Buffer);
    if (compressed && !spooledPayload) payload = await gunzipBounded(payload, opts.limits?.decompression ?? DEFAULT_DECOMPRESSION_LIMITS);
    checkPeppolHeaders(um, opts.ourSeatId);
    const warnings = [...signer.warnings];
    // eb:From names C2 by the seat id in the CN of its AP certificate (peppol-reference §4.2; EBMS:0004 per
    // §4.5): a message naming another access point than the one that signed it is refused, not stored.
    if (signer.seatId !== um.from.partyId) {
      profile(`eb:From/eb:PartyId ${um.from.partyId} is not the seat id of the signing certificate (${signer.seatId ?? 'its CN is no seat id'})`);
    }
    return {
      messageId: um.messageId,
      userMessage: um,
      payload,
      ...(spooledPayload ? { spooledPayload } : {}),
      payloadWasCompressed: compressed,
      signer,
      signatureReferences: nrReferences(sig.references),
      soap: message.root.body,
      warnings,
    };
  } catch (err) {
    throw withMessageId(err, messageId);
  }
}
