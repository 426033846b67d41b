/**
 * ebMS 3 header model (eb:Messaging with a UserMessage or a SignalMessage): typed values, a builder that
 * writes the header as XML text, and a parser over the DOM. The parser checks structure only; the Peppol
 * profile rules are separate functions, so the inbound reader can apply them in the order the reference
 * checklist gives (peppol-reference §4.8).
 */
import { randomUUID } from 'node:crypto';
import { ApError } from '../errors.js';
import { attr, child, children, escAttr, escText, text } from './dom.js';
import { NS } from './ns.js';
import { PEPPOL } from './profile.js';

export interface Party {
  partyId: string;
  partyIdType: string | null;
  role: string | null;
}

export interface TypedValue {
  value: string;
  type: string | null;
}

export interface PartInfo {
  /** Content-ID of the MIME part, without `cid:` and angle brackets. */
  contentId: string;
  mimeType: string | null;
  compressionType: string | null;
  characterSet: string | null;
  properties: Record<string, string>;
}

export interface UserMessage {
  messageId: string;
  timestamp: string;
  refToMessageId: string | null;
  mpc: string | null;
  from: Party;
  /** Every From/PartyId, to report a second one (the profile allows exactly one). */
  fromPartyIds: TypedValue[];
  to: Party;
  toPartyIds: TypedValue[];
  agreementRef: string | null;
  agreementRefAttributes: string[];
  service: string;
  serviceType: string | null;
  action: string;
  conversationId: string;
  properties: Array<{ name: string; type: string | null; value: string }>;
  originalSender: TypedValue | null;
  finalRecipient: TypedValue | null;
  parts: PartInfo[];
}

export interface EbmsErrorEntry {
  errorCode: string;
  severity: string;
  shortDescription: string | null;
  category: string | null;
  origin: string | null;
  refToMessageInError: string | null;
  description: string | null;
  errorDetail: string | null;
}

export interface SignalMessage {
  messageId: string;
  timestamp: string;
  refToMessageId: string | null;
  /** The Receipt element (its NonRepudiationInformation is checked by the receipt module), or null. */
  receipt: Element | null;
  errors: EbmsErrorEntry[];
}

/** Values for a Peppol UserMessage. Defaults follow the profile. */
export interface UserMessageInput {
  messageId?: string;
  timestamp?: Date;
  conversationId?: string;
  /** Seat ids (certificate CNs) of the sending and receiving access points. */
  fromPartyId: string;
  toPartyId: string;
  /** Process identifier value, e.g. urn:fdc:peppol.eu:2017:poacc:billing:01:1.0 */
  processId: string;
  processScheme?: string;
  /** Document type identifier value; the Action becomes `<scheme>::<value>`. */
  documentTypeId: string;
  documentTypeScheme?: string;
  /** Participant identifiers `scheme-specific` values (e.g. 0208:0123456789) of C1 and C4. */
  originalSender: string;
  finalRecipient: string;
  participantScheme?: string;
}

export interface PayloadDescription {
  contentId: string;
  /** The payload's own type before compression. */
  mimeType: string;
  compressed: boolean;
  characterSet?: string;
}

export function newMessageId(domain = 'peppol-ap'): string {
  return `${randomUUID()}@${domain}`;
}

/** `2026-01-02T03:04:05.678Z`, the xsd:dateTime form every implementation reads. */
export function timestampOf(d: Date): string {
  return d.toISOString();
}

const el = (name: string, content: string, attrs: Record<string, string | null | undefined> = {}): string => {
  const a = Object.entries(attrs)
    .filter((e): e is [string, string] => e[1] != null)
    .map(([k, v]) => ` ${k}="${escAttr(v)}"`)
    .join('');
  return `<eb:${name}${a}>${content}</eb:${name}>`;
};

/** Start tag of eb:Messaging as the builders write it (S12 bound by the envelope). */
export function messagingOpen(wsuId: string): string {
  return `<eb:Messaging xmlns:eb="${NS.EB}" xmlns:wsu="${NS.WSU}" S12:mustUnderstand="true" wsu:Id="${escAttr(wsuId)}">`;
}

function messageInfo(messageId: string, timestamp: Date, refTo?: string | null): string {
  return el(
    'MessageInfo',
    el('Timestamp', timestampOf(timestamp)) + el('MessageId', escText(messageId)) + (refTo ? el('RefToMessageId', escText(refTo)) : ''),
  );
}

/** The eb:Messaging element of a Peppol UserMessage, as XML text (S12 must be bound by the envelope). */
export function buildUserMessageXml(
  input: UserMessageInput & { messageId: string; conversationId: string },
  payload: PayloadDescription,
  wsuId: string,
): string {
  const partyType = PEPPOL.PARTY_TYPE;
  const participant = input.participantScheme ?? PEPPOL.PARTICIPANT_TYPE;
  const party = (side: 'From' | 'To', id: string, role: string) =>
    el(side, el('PartyId', escText(id), { type: partyType }) + el('Role', role));
  const props =
    el('Property', escText(input.originalSender), { name: 'originalSender', type: participant }) +
    el('Property', escText(input.finalRecipient), { name: 'finalRecipient', type: participant });
  const partProps =
    el('Property', escText(payload.mimeType), { name: 'MimeType' }) +
    (payload.characterSet ? el('Property', escText(payload.characterSet), { name: 'CharacterSet' }) : '') +
    (payload.compressed ? el('Property', PEPPOL.GZIP, { name: 'CompressionType' }) : '');
  const userMessage = el(
    'UserMessage',
    messageInfo(input.messageId, input.timestamp ?? new Date()) +
      el('PartyInfo', party('From', input.fromPartyId, PEPPOL.ROLE_INITIATOR) + party('To', input.toPartyId, PEPPOL.ROLE_RESPONDER)) +
      el(
        'CollaborationInfo',
        el('AgreementRef', PEPPOL.AGREEMENT) +
          el('Service', escText(input.processId), { type: input.processScheme ?? PEPPOL.SERVICE_TYPE }) +
          el('Action', escText(`${input.documentTypeScheme ?? PEPPOL.DOCUMENT_TYPE_SCHEME}::${input.documentTypeId}`)) +
          el('ConversationId', escText(input.conversationId)),
      ) +
      el('MessageProperties', props) +
      el('PayloadInfo', el('PartInfo', el('PartProperties', partProps), { href: `cid:${payload.contentId}` })),
  );
  return messagingOpen(wsuId) + userMessage + '</eb:Messaging>';
}

/** The eb:Messaging element of a SignalMessage; `inner` is the Receipt or Error XML. */
export function buildSignalMessageXml(wsuId: string, messageId: string, refToMessageId: string | null, inner: string, at = new Date()): string {
  return messagingOpen(wsuId) + el('SignalMessage', messageInfo(messageId, at, refToMessageId) + inner) + '</eb:Messaging>';
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

const invalid = (msg: string): never => {
  throw new ApError('ebms.invalid-header', msg);
};

function required(parent: Element | null, local: string, where: string): Element {
  const found = children(parent, NS.EB, local);
  if (found.length === 0) invalid(`${where} has no eb:${local}`);
  if (found.length > 1) invalid(`${where} has ${found.length} eb:${local} elements; exactly one is allowed`);
  return found[0]!;
}

function requiredText(parent: Element | null, local: string, where: string): string {
  const v = text(required(parent, local, where));
  if (!v) invalid(`${where}/eb:${local} is empty`);
  return v!;
}

/** A cid: URI (RFC 2392, percent-encoded) as a bare Content-ID. */
export function cidOf(href: string): string | null {
  if (!href.toLowerCase().startsWith('cid:')) return null;
  try {
    return decodeURIComponent(href.slice(4));
  } catch {
    return href.slice(4);
  }
}

function party(pi: Element, side: 'From' | 'To'): { party: Party; ids: TypedValue[] } {
  const s = required(pi, side, 'eb:PartyInfo');
  const ids = children(s, NS.EB, 'PartyId').map((p) => ({ value: text(p) ?? '', type: attr(p, 'type') }));
  if (ids.length === 0 || !ids[0]!.value) invalid(`eb:PartyInfo/eb:${side} has no eb:PartyId`);
  return { party: { partyId: ids[0]!.value, partyIdType: ids[0]!.type, role: text(child(s, NS.EB, 'Role')) }, ids };
}

function messageInfoOf(parent: Element, where: string): { messageId: string; timestamp: string; refToMessageId: string | null } {
  const mi = required(parent, 'MessageInfo', where);
  return {
    messageId: requiredText(mi, 'MessageId', 'eb:MessageInfo'),
    timestamp: requiredText(mi, 'Timestamp', 'eb:MessageInfo'),
    refToMessageId: text(child(mi, NS.EB, 'RefToMessageId')),
  };
}

/** Parses an eb:UserMessage element (structure only; see checkAgreement and checkPeppolHeaders). */
export function parseUserMessage(um: Element): UserMessage {
  const info = messageInfoOf(um, 'eb:UserMessage');
  const pi = required(um, 'PartyInfo', 'eb:UserMessage');
  const from = party(pi, 'From');
  const to = party(pi, 'To');
  const ci = required(um, 'CollaborationInfo', 'eb:UserMessage');
  const agreement = child(ci, NS.EB, 'AgreementRef');
  const service = required(ci, 'Service', 'eb:CollaborationInfo');
  const properties = children(child(um, NS.EB, 'MessageProperties'), NS.EB, 'Property').map((p) => ({
    name: attr(p, 'name') ?? '',
    type: attr(p, 'type'),
    value: text(p) ?? '',
  }));
  const prop = (name: string): TypedValue | null => {
    const p = properties.find((x) => x.name === name);
    return p ? { value: p.value, type: p.type } : null;
  };
  const parts = children(child(um, NS.EB, 'PayloadInfo'), NS.EB, 'PartInfo').map((p): PartInfo => {
    const href = attr(p, 'href');
    const contentId = href ? cidOf(href) : null;
    if (!contentId) invalid(`eb:PartInfo href ${href ?? '(missing)'} is not a cid: reference to a MIME part`);
    const pp: Record<string, string> = {};
    for (const q of children(child(p, NS.EB, 'PartProperties'), NS.EB, 'Property')) pp[attr(q, 'name') ?? ''] = text(q) ?? '';
    return {
      contentId: contentId!,
      mimeType: pp['MimeType'] ?? null,
      compressionType: pp['CompressionType'] ?? null,
      characterSet: pp['CharacterSet'] ?? null,
      properties: pp,
    };
  });
  // Named fields, not `...info`: V8 11 (Node 20) takes microseconds for a literal that spreads an object
  // and then adds properties.
  return {
    messageId: info.messageId,
    timestamp: info.timestamp,
    refToMessageId: info.refToMessageId,
    mpc: attr(um, 'mpc'),
    from: from.party,
    fromPartyIds: from.ids,
    to: to.party,
    toPartyIds: to.ids,
    agreementRef: agreement ? text(agreement) : null,
    agreementRefAttributes: agreement ? Array.from({ length: agreement.attributes.length }, (_, i) => agreement.attributes.item(i)!.name) : [],
    service: requiredText(ci, 'Service', 'eb:CollaborationInfo'),
    serviceType: attr(service, 'type'),
    action: requiredText(ci, 'Action', 'eb:CollaborationInfo'),
    conversationId: requiredText(ci, 'ConversationId', 'eb:CollaborationInfo'),
    properties,
    originalSender: prop('originalSender'),
    finalRecipient: prop('finalRecipient'),
    parts,
  };
}

const violation = (msg: string): never => {
  throw new ApError('ebms.profile-violation', msg);
};

/** Checklist step 2: the Peppol agreement, exactly, with no type or pmode attribute. */
export function checkAgreement(um: UserMessage): void {
  if (um.agreementRef === null) violation('eb:CollaborationInfo has no eb:AgreementRef; Peppol requires ' + PEPPOL.AGREEMENT);
  if (um.agreementRef !== PEPPOL.AGREEMENT) violation(`eb:AgreementRef is "${um.agreementRef}", expected ${PEPPOL.AGREEMENT}`);
  if (um.agreementRefAttributes.length > 0) violation(`eb:AgreementRef must not carry attributes (found ${um.agreementRefAttributes.join(', ')})`);
  if (um.mpc !== null && um.mpc !== PEPPOL.DEFAULT_MPC) violation(`eb:UserMessage mpc "${um.mpc}" is not the default MPC`);
}

/**
 * Checklist steps 7-9: one payload, From/To party ids (one each, Peppol type, seat id pattern, To = our
 * seat when given), roles, Service type and Action, originalSender/finalRecipient present and typed.
 */
export function checkPeppolHeaders(um: UserMessage, ourSeatId?: string): void {
  if (um.parts.length !== 1) violation(`the message describes ${um.parts.length} payloads; Peppol requires exactly one`);
  for (const [side, ids, role, want] of [
    ['From', um.fromPartyIds, um.from.role, PEPPOL.ROLE_INITIATOR],
    ['To', um.toPartyIds, um.to.role, PEPPOL.ROLE_RESPONDER],
  ] as const) {
    if (ids.length !== 1) violation(`eb:${side} has ${ids.length} PartyIds; Peppol requires exactly one`);
    const id = ids[0]!;
    if (id.type !== PEPPOL.PARTY_TYPE) violation(`eb:${side}/eb:PartyId type is "${id.type ?? '(none)'}", expected ${PEPPOL.PARTY_TYPE}`);
    if (!PEPPOL.SEAT_ID.test(id.value)) violation(`eb:${side}/eb:PartyId "${id.value}" is not a Peppol seat id (P + 2 letters + 6 digits)`);
    if (role !== want) violation(`eb:${side}/eb:Role is "${role ?? '(none)'}", expected ${want}`);
  }
  if (ourSeatId !== undefined && um.to.partyId !== ourSeatId) {
    violation(`eb:To/eb:PartyId is ${um.to.partyId}, but this access point is ${ourSeatId}`);
  }
  // The type is the process identifier scheme (cenbii-procid-ubl for every Peppol process today); another
  // well-formed scheme is a process we may not serve, which the served-here check answers (NOT_SERVICED).
  if (!um.serviceType) violation(`eb:Service has no type attribute (the process identifier scheme, ${PEPPOL.SERVICE_TYPE})`);
  if (!/^[^:]+::./.test(um.action)) violation(`eb:Action "${um.action}" is not <document type scheme>::<document type>`);
  for (const [name, v] of [
    ['originalSender', um.originalSender],
    ['finalRecipient', um.finalRecipient],
  ] as const) {
    if (!v || !v.value) violation(`eb:MessageProperties has no ${name}`);
    if (!v!.type) violation(`eb:MessageProperties ${name} has no type attribute`);
  }
}

/** Splits an Action into document type scheme and value (`busdox-docid-qns::urn:...`). */
export function documentTypeOf(action: string): { scheme: string; value: string } {
  const i = action.indexOf('::');
  return i < 0 ? { scheme: '', value: action } : { scheme: action.slice(0, i), value: action.slice(i + 2) };
}

export function parseSignalMessage(sm: Element): SignalMessage {
  const info = messageInfoOf(sm, 'eb:SignalMessage');
  const receipts = children(sm, NS.EB, 'Receipt');
  if (receipts.length > 1) invalid('eb:SignalMessage holds more than one eb:Receipt');
  const errors = children(sm, NS.EB, 'Error').map(
    (e): EbmsErrorEntry => ({
      errorCode: attr(e, 'errorCode') ?? '',
      severity: attr(e, 'severity') ?? '',
      shortDescription: attr(e, 'shortDescription'),
      category: attr(e, 'category'),
      origin: attr(e, 'origin'),
      refToMessageInError: attr(e, 'refToMessageInError'),
      description: text(child(e, NS.EB, 'Description')),
      errorDetail: text(child(e, NS.EB, 'ErrorDetail')),
    }),
  );
  if (receipts.length === 0 && errors.length === 0) invalid('eb:SignalMessage holds neither an eb:Receipt nor an eb:Error');
  return { messageId: info.messageId, timestamp: info.timestamp, refToMessageId: info.refToMessageId, receipt: receipts[0] ?? null, errors };
}

