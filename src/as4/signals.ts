/**
 * Signal messages: the signed non-repudiation receipt for a received UserMessage, signed eb:Error
 * signals, and reading either on the sending side, including the NRR check that the receipt returns
 * exactly the references of the signature we sent (peppol-reference §4.4-4.5).
 */
import { oneLineName } from '../pki/certificate.js';
import { ApError, toApError, type EbmsErrorCode } from '../errors.js';
import type { CertificateValidator, ValidatedCertificate } from '../pki/types.js';
import type { XmlLimits } from '../xml/decode.js';
import { child, children, escAttr, escText } from './dom.js';
import { c14nAttr } from './c14n.js';
import { buildSignalMessageXml, messagingOpen, newMessageId, parseSignalMessage, type SignalMessage } from './ebms.js';
import { canonicalMessaging, DEFAULT_ENVELOPE_LIMITS, newEnvelopeIds, readEnvelope, signedEnvelope } from './envelope.js';
import type { MimeMessage } from './mime/message.js';
import { NS } from './ns.js';
import { checkReferences, checkSignedInfo, inspectSignature, nrReferenceOf, type As4Identity, type NrReference } from './signature.js';
import type { As4Message } from './user-message.js';

export const SIGNAL_CONTENT_TYPE = 'application/soap+xml;charset=UTF-8';

/** Signed receipt for a verified UserMessage: one MessagePartNRInformation per reference it was signed with. */
export function buildReceipt(
  received: { messageId: string; signatureReferences: readonly NrReference[] },
  signer: As4Identity,
  opts: { messageId?: string; idDomain?: string; at?: Date } = {},
): As4Message {
  const messageId = opts.messageId ?? newMessageId(opts.idDomain);
  const nri = received.signatureReferences.map((r) => `<ebbp:MessagePartNRInformation>${r.xml}</ebbp:MessagePartNRInformation>`).join('');
  const inner = `<eb:Receipt><ebbp:NonRepudiationInformation xmlns:ebbp="${NS.EBBP}">${nri}</ebbp:NonRepudiationInformation></eb:Receipt>`;
  const ids = newEnvelopeIds();
  const messagingXml = buildSignalMessageXml(ids.messaging, messageId, received.messageId, inner, opts.at);
  const canonical = receiptMessagingCanonical(messagingXml, ids.messaging, received.signatureReferences) ?? canonicalMessaging(messagingXml);
  const soap = signedEnvelope(signer, ids, messagingXml, '', [], canonical).soap;
  return { body: soap, soap, contentType: SIGNAL_CONTENT_TYPE, messageId };
}

/** A carriage return (normalised by parsers) or a character XML does not allow (the parse path refuses it). */
const NOT_AS_WRITTEN = /[\r\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
/** Prefixes bound on the receipt's eb:Messaging and NonRepudiationInformation. */
const RECEIPT_PREFIX_DECLARATION = /\bxmlns:(?:S12|eb|wsu|ebbp)=/;

/**
 * The exclusive canonical form of a receipt's eb:Messaging, written without parsing it (per receipt, the
 * parse and c14n of our own text cost about 30 µs). The builder's text is already canonical after the
 * start tag: explicit end tags, no attributes but on the start tag, the text escaping of canonical XML for
 * everything but a carriage return, and references in exclusive canonical form (NrReference.xml). Only the
 * start tag differs: it gains the S12 declaration the envelope provides, and attributes go in canonical
 * order. Returns null, and the caller canonicalizes the parsed text, when the identity could fail: a
 * carriage return (a parser turns it into a line feed) or a character XML does not allow anywhere, white
 * space in the ID, or a reference
 * declaring one of the prefixes bound around it (its re-canonicalization would then drop the declaration).
 */
export function receiptMessagingCanonical(messagingXml: string, wsuId: string, references: readonly NrReference[]): string | null {
  const open = messagingOpen(wsuId);
  if (!messagingXml.startsWith(open) || NOT_AS_WRITTEN.test(messagingXml) || /[\t\n]/.test(wsuId)) return null;
  if (references.some((r) => RECEIPT_PREFIX_DECLARATION.test(r.xml))) return null;
  return (
    `<eb:Messaging xmlns:S12="${NS.S12}" xmlns:eb="${NS.EB}" xmlns:wsu="${NS.WSU}" wsu:Id="${c14nAttr(wsuId)}" S12:mustUnderstand="true">` +
    messagingXml.slice(open.length)
  );
}

/** ebMS 3 core §6.7 / AS4 error metadata: short description, category, origin. */
const ERROR_META: Record<EbmsErrorCode, [string, string, string]> = {
  'EBMS:0001': ['ValueNotRecognized', 'Content', 'ebMS'],
  'EBMS:0003': ['ValueInconsistent', 'Content', 'ebMS'],
  'EBMS:0004': ['Other', 'Content', 'ebMS'],
  'EBMS:0005': ['ConnectionFailure', 'Communication', 'ebMS'],
  'EBMS:0007': ['MimeInconsistency', 'Unpackaging', 'ebMS'],
  'EBMS:0009': ['InvalidHeader', 'Unpackaging', 'ebMS'],
  'EBMS:0010': ['ProcessingModeMismatch', 'Processing', 'ebMS'],
  'EBMS:0101': ['FailedAuthentication', 'Processing', 'security'],
  'EBMS:0102': ['FailedDecryption', 'Processing', 'security'],
  'EBMS:0103': ['PolicyNoncompliance', 'Processing', 'security'],
  'EBMS:0202': ['DeliveryFailure', 'Communication', 'reliability'],
  'EBMS:0301': ['MissingReceipt', 'Communication', 'ebMS'],
  'EBMS:0302': ['InvalidReceipt', 'Communication', 'ebMS'],
  'EBMS:0303': ['DecompressionFailure', 'Communication', 'ebMS'],
  'EBMS:4001': ['DuplicateDetected', 'Communication', 'ebMS'],
};

export const NOT_SERVICED = 'PEPPOL:NOT_SERVICED';

export interface ErrorInput {
  code: EbmsErrorCode;
  /** For people: goes into eb:Description. */
  description: string;
  /** eb:ErrorDetail, e.g. PEPPOL:NOT_SERVICED. */
  detail?: string;
  severity?: 'failure' | 'warning';
}

/** The error entry for an ApError, as answered to the sender (null when the kind has no EBMS code). */
export function errorFromApError(err: ApError): ErrorInput | null {
  const code = err.ebmsCode;
  if (!code) return null;
  return { code, description: err.message, ...(err.kind === 'as4.not-serviced' ? { detail: NOT_SERVICED } : {}) };
}

/**
 * The signed error signal answering a failed inbound message: any error thrown by readUserMessage (its
 * MessageId, when known, is in details.messageId). Errors without an EBMS code are answered as EBMS:0004
 * without their internal text.
 */
export function errorSignalFor(err: unknown, signer: As4Identity, opts: { idDomain?: string } = {}): As4Message & { httpStatus: number } {
  const e = toApError(err);
  const entry = errorFromApError(e) ?? { code: 'EBMS:0004' as const, description: 'The message could not be processed' };
  const ref = typeof e.details?.['messageId'] === 'string' ? (e.details['messageId'] as string) : null;
  return { ...buildErrorSignal(ref, [entry], signer, opts), httpStatus: e.spec.ebms ? e.httpStatus : 500 };
}

/** Signed eb:Error signal (no SOAP Fault). refToMessageId is null when the failing message had no readable MessageId. */
export function buildErrorSignal(
  refToMessageId: string | null,
  errors: readonly ErrorInput[],
  signer: As4Identity,
  opts: { messageId?: string; idDomain?: string; at?: Date } = {},
): As4Message {
  if (errors.length === 0) throw new ApError('internal', 'An error signal needs at least one error');
  const messageId = opts.messageId ?? newMessageId(opts.idDomain);
  const inner = errors
    .map((e) => {
      const [short, category, origin] = ERROR_META[e.code];
      const ref = refToMessageId ? ` refToMessageInError="${escAttr(refToMessageId)}"` : '';
      return (
        `<eb:Error errorCode="${e.code}" severity="${e.severity ?? 'failure'}" shortDescription="${short}" category="${category}" origin="${origin}"${ref}>` +
        `<eb:Description xml:lang="en">${escText(e.description)}</eb:Description>` +
        (e.detail ? `<eb:ErrorDetail>${escText(e.detail)}</eb:ErrorDetail>` : '') +
        '</eb:Error>'
      );
    })
    .join('');
  const ids = newEnvelopeIds();
  const soap = signedEnvelope(signer, ids, buildSignalMessageXml(ids.messaging, messageId, refToMessageId, inner, opts.at)).soap;
  return { body: soap, soap, contentType: SIGNAL_CONTENT_TYPE, messageId };
}

// ---------------------------------------------------------------------------------------------------------
// Reading signals (sending side)

export interface NrrCheck {
  uri: string;
  /** 'ok', 'missing' (we signed it, the receipt lacks it), 'different', or 'unexpected' (not in our signature). */
  result: 'ok' | 'missing' | 'different' | 'unexpected';
}

export interface ReadSignal {
  signal: SignalMessage;
  kind: 'receipt' | 'error';
  /** False for an unsigned error signal (accepted: whether Peppol requires signed errors is unsettled). */
  signed: boolean;
  signer: ValidatedCertificate | null;
  /** Per reference; empty when no sent references were given. */
  nonRepudiation: NrrCheck[];
}

export interface ReadSignalOptions {
  certificateValidator: CertificateValidator;
  at?: Date;
  /** What we sent: the receipt must refer to this MessageId and return these references. */
  sent?: { messageId: string; signatureReferences: readonly NrReference[] };
  /**
   * When given, the signal must be signed with this certificate (the one we encrypted to) or, with
   * `seatId`, with another valid AP certificate of that seat: an access point in a certificate rollover
   * signs with its new certificate while our SMP answer may still name the old one.
   */
  expectedSigner?: { raw: Buffer; seatId?: string };
  xmlLimits?: XmlLimits;
}

const invalid = (msg: string, cause?: unknown): never => {
  throw new ApError('as4.receipt-invalid', msg, undefined, cause ? { cause } : undefined);
};

function sameReference(a: NrReference, b: NrReference): boolean {
  return (
    a.uri === b.uri &&
    a.digestMethod === b.digestMethod &&
    a.transforms.length === b.transforms.length &&
    a.transforms.every((t, i) => t === b.transforms[i]) &&
    Buffer.from(a.digestValue, 'base64').equals(Buffer.from(b.digestValue, 'base64'))
  );
}

/** Compares the receipt's NonRepudiationInformation with the references we signed. */
export function compareNonRepudiation(receipt: Element, sent: readonly NrReference[]): NrrCheck[] {
  const got = children(child(receipt, NS.EBBP, 'NonRepudiationInformation'), NS.EBBP, 'MessagePartNRInformation').flatMap((p) =>
    children(p, NS.DS, 'Reference').map(nrReferenceOf),
  );
  const out: NrrCheck[] = [];
  for (const s of sent) {
    const g = got.filter((r) => r.uri === s.uri);
    out.push({ uri: s.uri, result: g.length === 0 ? 'missing' : g.length === 1 && sameReference(g[0]!, s) ? 'ok' : 'different' });
  }
  for (const g of got) if (!sent.some((s) => s.uri === g.uri)) out.push({ uri: g.uri, result: 'unexpected' });
  return out;
}

/**
 * Reads a receipt or error signal from an HTTP response (plain SOAP, or multipart whose root is SOAP).
 * Throws ApError('as4.receipt-invalid') when a signature, the signer, the reference or the NRR check fails.
 */
export async function readSignal(message: MimeMessage, opts: ReadSignalOptions): Promise<ReadSignal> {
  if (message.root.mediaType !== 'application/soap+xml' && message.root.mediaType !== 'text/xml' && message.root.mediaType !== 'application/xml') {
    invalid(`The response is ${message.root.mediaType}, not a SOAP envelope`);
  }
  let env;
  try {
    env = readEnvelope(message.root.body, opts.xmlLimits ?? DEFAULT_ENVELOPE_LIMITS);
  } catch (err) {
    return invalid(`The response is not a readable ebMS signal: ${(err as Error).message}`, err);
  }
  const sms = children(env.messaging, NS.EB, 'SignalMessage');
  if (sms.length !== 1 || children(env.messaging, NS.EB, 'UserMessage').length > 0) {
    invalid(`The response must hold exactly one eb:SignalMessage (found ${sms.length})`);
  }
  let signal: SignalMessage;
  try {
    signal = parseSignalMessage(sms[0]!);
  } catch (err) {
    return invalid(`The signal is malformed: ${(err as Error).message}`, err);
  }
  const kind = signal.receipt ? 'receipt' : 'error';
  if (opts.sent && signal.refToMessageId !== opts.sent.messageId) {
    // Errors about a message we cannot identify may carry no RefToMessageId; receipts must.
    if (kind === 'receipt' || signal.refToMessageId !== null) {
      invalid(`RefToMessageId is ${signal.refToMessageId ?? '(none)'}, but we sent ${opts.sent.messageId}`);
    }
  }
  const signed = children(env.security, NS.DS, 'Signature').length > 0;
  let signer: ValidatedCertificate | null = null;
  if (!signed) {
    if (kind === 'receipt') invalid('The receipt is not signed');
  } else {
    try {
      const sig = inspectSignature({ ids: env.ids, security: env.security, messaging: env.messaging, body: env.body, contentIds: [] });
      signer = await opts.certificateValidator.validate(sig.signer, { purpose: 'ap', ...(opts.at ? { at: opts.at } : {}) });
      if (!checkSignedInfo(sig)) invalid('The signal SignatureValue does not verify');
      for (const r of checkReferences(sig, new Map())) if (!r.valid) invalid(`Signal reference ${r.uri}: ${r.reason ?? 'not verified'}`);
      const expected = opts.expectedSigner;
      if (expected && !sig.signer.raw.equals(expected.raw) && (expected.seatId === undefined || signer.seatId !== expected.seatId)) {
        invalid(`The signal is signed by ${oneLineName(sig.signer.subject)}, not by the receiver we encrypted to${expected.seatId ? ` (seat ${expected.seatId})` : ''}`);
      }
    } catch (err) {
      if (err instanceof ApError && err.kind === 'as4.receipt-invalid') throw err;
      return invalid(`The signal's signature is not acceptable: ${(err as Error).message}`, err);
    }
  }
  let nonRepudiation: NrrCheck[] = [];
  if (signal.receipt && opts.sent) {
    nonRepudiation = compareNonRepudiation(signal.receipt, opts.sent.signatureReferences);
    const bad = nonRepudiation.filter((c) => c.result !== 'ok');
    if (bad.length > 0) invalid(`The receipt's non-repudiation information does not match what we signed: ${bad.map((b) => `${b.uri} ${b.result}`).join(', ')}`);
  }
  return { signal, kind, signed, signer, nonRepudiation };
}

/** MessageId and signature references of a user message we sent (e.g. read back from a dump), for `sent`. */
export function sentMessageEvidence(message: MimeMessage, xmlLimits: XmlLimits = DEFAULT_ENVELOPE_LIMITS): { messageId: string; signatureReferences: NrReference[] } {
  const env = readEnvelope(message.root.body, xmlLimits);
  const um = children(env.messaging, NS.EB, 'UserMessage')[0];
  const messageId = um ? (child(child(um, NS.EB, 'MessageInfo'), NS.EB, 'MessageId')?.textContent ?? '').trim() : '';
  if (!messageId) throw new ApError('ebms.invalid-header', 'The sent message has no eb:UserMessage/eb:MessageInfo/eb:MessageId');
  const signedInfo = child(child(env.security, NS.DS, 'Signature'), NS.DS, 'SignedInfo');
  if (!signedInfo) throw new ApError('security.failed-authentication', 'The sent message is not signed');
  return { messageId, signatureReferences: children(signedInfo, NS.DS, 'Reference').map(nrReferenceOf) };
}
