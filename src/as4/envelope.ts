/**
 * SOAP 1.2 envelope of an AS4 message: assembly (wsse:Security, eb:Messaging, empty Body, then signing)
 * and the structural reading every inbound message and signal goes through. Structure checks guard the
 * later signature check against wrapping: one Envelope/Header/Body, exactly one eb:Messaging and one
 * S12:Body in the whole document, IDs unique.
 */
import { randomUUID } from 'node:crypto';
import { ApError } from '../errors.js';
import { parseLiteDom } from '../xml/lite-dom.js';
import { DEFAULT_XML_LIMITS, type XmlLimits } from '../xml/decode.js';
import { c14nAttr, excC14n } from './c14n.js';
import { children, descendants, elementChildren, qname } from './dom.js';
import { NS } from './ns.js';
import { signatureXml, type As4Identity, type NrReference, type SignedAttachment, type SignedTarget } from './signature.js';
import { collectIds } from './tokens.js';

export interface EnvelopeIds {
  messaging: string;
  body: string;
}

export function newEnvelopeIds(): EnvelopeIds {
  return { messaging: `_msg-${randomUUID()}`, body: `_body-${randomUUID()}` };
}

function envelopeXml(securityInner: string, messagingXml: string, bodyId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><S12:Envelope xmlns:S12="${NS.S12}"><S12:Header>` +
    `<wsse:Security xmlns:wsse="${NS.WSSE}" xmlns:wsu="${NS.WSU}" S12:mustUnderstand="true">${securityInner}</wsse:Security>` +
    messagingXml +
    `</S12:Header><S12:Body xmlns:wsu="${NS.WSU}" wsu:Id="${bodyId}"/></S12:Envelope>`
  );
}

export interface SignedEnvelope {
  soap: Buffer;
  references: NrReference[];
}

/** The exclusive canonical form of eb:Messaging text, as a verifier computes it in the envelope. */
export function canonicalMessaging(messagingXml: string): string {
  // Exclusive c14n does not depend on the context beyond the S12 binding mustUnderstand uses, so the
  // draft holds only that element.
  const draft = parseLiteDom(`<S12:Envelope xmlns:S12="${NS.S12}"><S12:Header>${messagingXml}</S12:Header></S12:Envelope>`, {
    maxBytes: DEFAULT_XML_LIMITS.maxBytes,
    maxDepth: MAX_ENVELOPE_DEPTH,
  });
  const messaging = (draft.documentElement?.firstChild?.firstChild ?? null) as Element | null;
  if (!messaging || messaging.namespaceURI !== NS.EB || messaging.localName !== 'Messaging' || messaging.nextSibling) {
    throw new ApError('internal', 'The eb:Messaging text to sign does not hold one eb:Messaging element');
  }
  return excC14n(messaging);
}

/**
 * Builds the envelope and signs eb:Messaging, the Body and the given attachments (cid → octets that are
 * signed, i.e. gzipped and not yet encrypted). `securityPrefix` goes before the signature (encryption).
 * `messagingCanonical` is the canonical form of `messagingXml` when the caller wrote it directly (see
 * receiptMessagingCanonical); otherwise the text is parsed and canonicalized.
 */
export function signedEnvelope(
  signer: As4Identity,
  ids: EnvelopeIds,
  messagingXml: string,
  securityPrefix = '',
  attachments: Array<{ contentId: string; uri: string; data: SignedAttachment }> = [],
  messagingCanonical: string = canonicalMessaging(messagingXml),
): SignedEnvelope {
  // The empty Body is ours entirely, so its canonical form is written directly.
  const targets: SignedTarget[] = [
    { uri: `#${ids.messaging}`, kind: 'xml', canonical: messagingCanonical },
    { uri: `#${ids.body}`, kind: 'xml', canonical: `<S12:Body xmlns:S12="${NS.S12}" xmlns:wsu="${NS.WSU}" wsu:Id="${c14nAttr(ids.body)}"></S12:Body>` },
    ...attachments.map((a): SignedTarget => ({ uri: a.uri, kind: 'attachment', data: a.data })),
  ];
  const sig = signatureXml(signer, targets);
  return { soap: Buffer.from(envelopeXml(securityPrefix + sig.xml, messagingXml, ids.body), 'utf8'), references: sig.references };
}

/**
 * Limits for a SOAP envelope. Peppol envelopes are a few kilobytes (the payload is an attachment), so the
 * default is far below the MIME limit: a large or deeply nested envelope is refused before the slower
 * DOM work.
 */
export const DEFAULT_ENVELOPE_LIMITS: Readonly<XmlLimits> = Object.freeze({ maxBytes: 1024 * 1024 });
/** Deepest element nesting accepted in an envelope (a Peppol one nests about 10 deep). */
export const MAX_ENVELOPE_DEPTH = 64;

export interface Envelope {
  doc: Document;
  envelope: Element;
  header: Element;
  body: Element;
  /** null when the Header has no wsse:Security (unsigned, unencrypted). */
  security: Element | null;
  messaging: Element;
  ids: Map<string, Element>;
}

const structure = (msg: string): never => {
  throw new ApError('ebms.invalid-header', msg);
};
const wrapping = (msg: string): never => {
  throw new ApError('security.failed-authentication', msg);
};

/** Parses and checks the SOAP structure of an AS4 message or signal. */
export function readEnvelope(soap: Buffer, limits: XmlLimits = DEFAULT_ENVELOPE_LIMITS): Envelope {
  const doc = parseLiteDom(soap, { maxBytes: limits.maxBytes, maxDepth: MAX_ENVELOPE_DEPTH });
  const envelope = doc.documentElement as Element;
  if (envelope.namespaceURI !== NS.S12 || envelope.localName !== 'Envelope') {
    structure(`The root element is ${qname(envelope)}, not a SOAP 1.2 Envelope`);
  }
  const kids = elementChildren(envelope);
  const headers = kids.filter((e) => e.namespaceURI === NS.S12 && e.localName === 'Header');
  const bodies = kids.filter((e) => e.namespaceURI === NS.S12 && e.localName === 'Body');
  if (headers.length !== 1 || bodies.length !== 1 || kids.length !== 2 || kids[0] !== headers[0]) {
    structure('The SOAP Envelope must hold exactly one Header followed by one Body');
  }
  const header = headers[0]!;
  const body = bodies[0]!;
  if (descendants(doc, NS.S12, 'Body').length !== 1) wrapping('The document holds more than one S12:Body (signature wrapping)');
  const allMessaging = descendants(doc, NS.EB, 'Messaging');
  if (allMessaging.length > 1) wrapping(`The document holds ${allMessaging.length} eb:Messaging elements; exactly one is allowed (signature wrapping)`);
  const messaging = children(header, NS.EB, 'Messaging')[0];
  if (!messaging) structure('The SOAP Header has no eb:Messaging');
  const securities = children(header, NS.WSSE, 'Security');
  if (securities.length > 1) throw new ApError('security.policy-noncompliance', `The SOAP Header holds ${securities.length} wsse:Security headers; exactly one is expected`);
  const ids = collectIds(doc);
  return { doc, envelope, header, body, security: securities[0] ?? null, messaging: messaging!, ids };
}
