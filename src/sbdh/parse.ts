/**
 * Reading and checking a Standard Business Document: every rule of reference §3, each failure naming the
 * header field it concerns. `checkSbd` reports all failures (CLI, console); `parseSbd` throws the first as
 * ApError('sbdh.invalid') and returns the header and the business document element otherwise.
 */
import { ApError } from '../errors.js';
import {
  DOCTYPE_SCHEME,
  DOCTYPE_WILDCARD_SCHEME,
  PARTICIPANT_SCHEME,
  PROCESS_SCHEME,
  parseDocumentTypeId,
  parseParticipantId,
  parseProcessId,
  xmlDocumentTypeParts,
  type ParticipantIdentifier,
} from '../peppol/identifiers.js';
import { type XmlLimits, DEFAULT_XML_LIMITS } from '../xml/decode.js';
import { parseDom } from '../xml/safe.js';
import {
  PEPPOL_ENVELOPE_NS,
  SBDH_HEADER_VERSION,
  SBDH_NS,
  type MlsType,
  type SbdPayloadInfo,
  type SbdhHeader,
  type SbdhIssue,
} from './model.js';

export interface SbdCheckReport {
  valid: boolean;
  issues: SbdhIssue[];
  /** The header when every header field could be read (it may still be inconsistent with the payload). */
  header: SbdhHeader | null;
  payload: SbdPayloadInfo | null;
}

export interface ParsedSbd {
  header: SbdhHeader;
  payload: SbdPayloadInfo;
  /** The business document element (the payload root, or the BinaryContent/TextContent wrapper). */
  payloadElement: Element;
  document: Document;
}

const ELEMENT_NODE = 1;

function childElements(parent: Element): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) out.push(n as Element);
  return out;
}

function children(parent: Element, localName: string, ns = SBDH_NS): Element[] {
  return childElements(parent).filter((e) => e.localName === localName && e.namespaceURI === ns);
}

function text(e: Element): string {
  return (e.textContent ?? '').trim();
}

// xs:dateTime with a mandatory time zone (reference §3).
const DATE_TIME_TZ = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

function isDateTimeWithZone(value: string): boolean {
  const m = DATE_TIME_TZ.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  if (month! < 1 || month! > 12 || hour! > 24 || minute! > 59 || second! > 59) return false;
  if (hour === 24 && (minute !== 0 || second !== 0)) return false;
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (day! < 1 || day! > daysInMonth) return false;
  if (m[9] !== undefined && (Number(m[9]) > 14 || Number(m[10]) > 59)) return false;
  return true;
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** Collects the issues of one SBD; the header is built only from fields that passed. */
function read(doc: Document): { report: SbdCheckReport; payloadElement: Element | null } {
  const issues: SbdhIssue[] = [];
  const issue = (field: string, message: string) => issues.push({ field, message });
  const root = doc.documentElement;
  const none = { report: { valid: false, issues, header: null, payload: null }, payloadElement: null };
  if (root.localName !== 'StandardBusinessDocument' || root.namespaceURI !== SBDH_NS) {
    issue('StandardBusinessDocument', `Root element is {${root.namespaceURI ?? ''}}${root.localName}, expected StandardBusinessDocument in ${SBDH_NS}`);
    return none;
  }
  const rootChildren = childElements(root);
  const sbdh = rootChildren[0];
  if (!sbdh || sbdh.localName !== 'StandardBusinessDocumentHeader' || sbdh.namespaceURI !== SBDH_NS) {
    issue('StandardBusinessDocumentHeader', 'The first child of StandardBusinessDocument must be StandardBusinessDocumentHeader');
    return none;
  }

  /** The one child `name` of `parent`, reporting absence or repetition under `field`. */
  const one = (parent: Element, name: string, field: string): Element | null => {
    const found = children(parent, name);
    if (found.length === 0) issue(field, `${field} is missing`);
    else if (found.length > 1) issue(field, `${field} occurs ${found.length} times; exactly one is allowed`);
    return found.length === 1 ? found[0]! : null;
  };
  const oneText = (parent: Element | null, name: string, field: string): string | null => {
    if (!parent) return null;
    const e = one(parent, name, field);
    if (!e) return null;
    const v = text(e);
    if (!v) {
      issue(field, `${field} is empty`);
      return null;
    }
    return v;
  };

  const headerVersion = oneText(sbdh, 'HeaderVersion', 'HeaderVersion');
  if (headerVersion !== null && headerVersion !== SBDH_HEADER_VERSION) {
    issue('HeaderVersion', `HeaderVersion is '${headerVersion}', expected '${SBDH_HEADER_VERSION}'`);
  }

  const party = (name: 'Sender' | 'Receiver'): ParticipantIdentifier | null => {
    const e = one(sbdh, name, name);
    if (!e) return null;
    const idField = `${name}/Identifier`;
    const idEl = one(e, 'Identifier', idField);
    if (!idEl) return null;
    const authority = idEl.getAttribute('Authority');
    if (authority !== PARTICIPANT_SCHEME) {
      issue(`${idField}/@Authority`, `${idField}/@Authority is '${authority ?? ''}', expected '${PARTICIPANT_SCHEME}'`);
      return null;
    }
    return participant(text(idEl), idField);
  };
  const participant = (value: string, field: string): ParticipantIdentifier | null => {
    try {
      return parseParticipantId(`${PARTICIPANT_SCHEME}::${value}`);
    } catch (err) {
      issue(field, `${field}: ${(err as Error).message}`);
      return null;
    }
  };
  const sender = party('Sender');
  const receiver = party('Receiver');

  const di = one(sbdh, 'DocumentIdentification', 'DocumentIdentification');
  const f = (n: string) => `DocumentIdentification/${n}`;
  const standard = oneText(di, 'Standard', f('Standard'));
  const typeVersion = oneText(di, 'TypeVersion', f('TypeVersion'));
  const instanceIdentifier = oneText(di, 'InstanceIdentifier', f('InstanceIdentifier'));
  const type = oneText(di, 'Type', f('Type'));
  const creation = oneText(di, 'CreationDateAndTime', f('CreationDateAndTime'));
  if (creation !== null && !isDateTimeWithZone(creation)) {
    issue(f('CreationDateAndTime'), `${f('CreationDateAndTime')} '${creation}' is not an xs:dateTime with a time zone`);
  }

  // BusinessScope: DOCUMENTID, PROCESSID and COUNTRY_C1 exactly once; MLS_TO and MLS_TYPE at most once.
  const scopes = new Map<string, Element[]>();
  const bs = one(sbdh, 'BusinessScope', 'BusinessScope');
  if (bs) {
    for (const scope of children(bs, 'Scope')) {
      const t = children(scope, 'Type')[0];
      const key = t ? text(t) : '';
      scopes.set(key, [...(scopes.get(key) ?? []), scope]);
    }
  }
  const scope = (typeName: string, required: boolean): { value: string; identifier: string | null } | null => {
    const field = `BusinessScope/Scope[${typeName}]`;
    const found = scopes.get(typeName) ?? [];
    if (found.length === 0) {
      if (required && bs) issue(field, `${field} is missing`);
      return null;
    }
    if (found.length > 1) {
      issue(field, `${field} occurs ${found.length} times; exactly one is allowed`);
      return null;
    }
    const value = oneText(found[0]!, 'InstanceIdentifier', `${field}/InstanceIdentifier`);
    const idEl = children(found[0]!, 'Identifier')[0];
    return value === null ? null : { value, identifier: idEl ? text(idEl) || null : null };
  };

  let documentType: SbdhHeader['documentType'] | null = null;
  const docScope = scope('DOCUMENTID', true);
  if (docScope) {
    const scheme = docScope.identifier ?? DOCTYPE_SCHEME;
    const field = 'BusinessScope/Scope[DOCUMENTID]';
    if (scheme !== DOCTYPE_SCHEME && scheme !== DOCTYPE_WILDCARD_SCHEME) {
      issue(`${field}/Identifier`, `${field}/Identifier is '${scheme}', expected '${DOCTYPE_SCHEME}'`);
    } else {
      try {
        documentType = parseDocumentTypeId(`${scheme}::${docScope.value}`);
      } catch (err) {
        issue(`${field}/InstanceIdentifier`, `${field}/InstanceIdentifier: ${(err as Error).message}`);
      }
    }
  }
  let process: SbdhHeader['process'] | null = null;
  const procScope = scope('PROCESSID', true);
  if (procScope) {
    const field = 'BusinessScope/Scope[PROCESSID]';
    // The scheme is the Identifier's, as the envelope specification and the reference reader take it.
    const scheme = procScope.identifier ?? PROCESS_SCHEME;
    try {
      process = parseProcessId(`${scheme}::${procScope.value}`);
    } catch (err) {
      issue(`${field}/${procScope.identifier === null ? 'InstanceIdentifier' : 'Identifier'}`, `${field}: ${(err as Error).message}`);
    }
  }
  let countryC1: string | null = null;
  const countryScope = scope('COUNTRY_C1', true);
  if (countryScope) {
    if (/^[A-Z]{2}$/.test(countryScope.value)) countryC1 = countryScope.value;
    else issue('BusinessScope/Scope[COUNTRY_C1]/InstanceIdentifier', `COUNTRY_C1 '${countryScope.value}' is not an ISO 3166-1 alpha-2 code (two upper-case letters)`);
  }
  let mlsTo: ParticipantIdentifier | undefined;
  const mlsToScope = scope('MLS_TO', false);
  if (mlsToScope) {
    const field = 'BusinessScope/Scope[MLS_TO]/InstanceIdentifier';
    const scheme = mlsToScope.identifier ?? PARTICIPANT_SCHEME;
    if (scheme !== PARTICIPANT_SCHEME) issue('BusinessScope/Scope[MLS_TO]/Identifier', `MLS_TO scheme is '${scheme}', expected '${PARTICIPANT_SCHEME}'`);
    else mlsTo = participant(mlsToScope.value, field) ?? undefined;
  }
  let mlsType: MlsType | undefined;
  const mlsTypeScope = scope('MLS_TYPE', false);
  if (mlsTypeScope) {
    if (mlsTypeScope.value === 'FAILURE_ONLY' || mlsTypeScope.value === 'ALWAYS_SEND') mlsType = mlsTypeScope.value;
    else issue('BusinessScope/Scope[MLS_TYPE]/InstanceIdentifier', `MLS_TYPE '${mlsTypeScope.value}' is neither FAILURE_ONLY nor ALWAYS_SEND`);
  }

  // The business document: exactly one element after the header.
  const rest = rootChildren.slice(1);
  let payloadElement: Element | null = null;
  let payload: SbdPayloadInfo | null = null;
  if (rest.length !== 1) {
    issue('BusinessDocument', rest.length === 0 ? 'No business document follows the header' : `${rest.length} elements follow the header; exactly one business document is allowed`);
  } else {
    payloadElement = rest[0]!;
    payload = payloadInfo(payloadElement, issue);
  }

  // Consistency of DocumentIdentification with the payload root and with the document type identifier.
  // For BinaryContent/TextContent the wrapper is not the business document: only the document type counts.
  if (payload?.kind === 'xml') {
    if (standard !== null && standard !== payload.namespace) {
      issue(f('Standard'), `${f('Standard')} '${standard}' differs from the payload root namespace '${payload.namespace}'`);
    }
    if (type !== null && type !== payload.localName) {
      issue(f('Type'), `${f('Type')} '${type}' differs from the payload root element '${payload.localName}'`);
    }
  }
  const parts = documentType ? xmlDocumentTypeParts(documentType.value) : null;
  if (parts) {
    const field = 'BusinessScope/Scope[DOCUMENTID]/InstanceIdentifier';
    if (standard !== null && standard !== parts.rootNamespace) {
      issue(field, `Document type root namespace '${parts.rootNamespace}' differs from ${f('Standard')} '${standard}'`);
    }
    if (type !== null && type !== parts.localName) {
      issue(field, `Document type root element '${parts.localName}' differs from ${f('Type')} '${type}'`);
    }
    if (typeVersion !== null && typeVersion !== parts.version) {
      issue(f('TypeVersion'), `${f('TypeVersion')} '${typeVersion}' differs from the document type version '${parts.version}'`);
    }
  }

  let header: SbdhHeader | null = null;
  if (headerVersion && sender && receiver && standard && typeVersion && instanceIdentifier && type && creation && documentType && process && countryC1) {
    header = {
      headerVersion,
      sender,
      receiver,
      documentIdentification: { standard, typeVersion, instanceIdentifier, type, creationDateAndTime: creation },
      documentType,
      process,
      countryC1,
      ...(mlsTo ? { mlsTo } : {}),
      ...(mlsType ? { mlsType } : {}),
    };
  }
  return { report: { valid: issues.length === 0, issues, header, payload }, payloadElement };
}

function payloadInfo(e: Element, issue: (field: string, message: string) => void): SbdPayloadInfo {
  if (e.namespaceURI === PEPPOL_ENVELOPE_NS && (e.localName === 'BinaryContent' || e.localName === 'TextContent')) {
    const field = `BusinessDocument/${e.localName}`;
    const mimeType = e.getAttribute('mimeType') ?? '';
    if (!mimeType) issue(`${field}/@mimeType`, `${field}/@mimeType is missing`);
    const encoding = e.getAttribute('encoding') || undefined;
    const content = e.textContent ?? '';
    if (e.localName === 'BinaryContent') {
      if (!BASE64.test(content)) issue(field, `${field} is not valid base64`);
      const size = Buffer.from(content, 'base64').length;
      if (size === 0) issue(field, `${field} is empty`);
      return { kind: 'binary', mimeType, ...(encoding ? { encoding } : {}), size };
    }
    return { kind: 'text', mimeType, ...(encoding ? { encoding } : {}), size: Buffer.byteLength(content) };
  }
  return { kind: 'xml', namespace: e.namespaceURI ?? '', localName: e.localName };
}

function load(input: Buffer | string | Document, limits: XmlLimits): Document {
  return typeof input === 'string' || Buffer.isBuffer(input) ? parseDom(input, limits) : input;
}

/** Checks an SBD and reports every failure; XML that is not well-formed still throws (xml.*). */
export function checkSbd(input: Buffer | string | Document, limits: XmlLimits = DEFAULT_XML_LIMITS): SbdCheckReport {
  return read(load(input, limits)).report;
}

/** Parses an SBD, throwing ApError('sbdh.invalid') naming the first failing field. */
export function parseSbd(input: Buffer | string | Document, limits: XmlLimits = DEFAULT_XML_LIMITS): ParsedSbd {
  const document = load(input, limits);
  const { report, payloadElement } = read(document);
  if (!report.valid || !report.header || !report.payload || !payloadElement) {
    const first = report.issues[0] ?? { field: 'StandardBusinessDocument', message: 'Incomplete header' };
    throw new ApError('sbdh.invalid', first.message, { field: first.field, issues: report.issues });
  }
  return { header: report.header, payload: report.payload, payloadElement, document };
}

/** Decoded bytes of a BinaryContent payload (or the text of TextContent), e.g. to store the PDF it carries. */
export function wrappedContent(parsed: ParsedSbd): Buffer | null {
  if (parsed.payload.kind === 'binary') return Buffer.from(parsed.payloadElement.textContent ?? '', 'base64');
  if (parsed.payload.kind === 'text') return Buffer.from(parsed.payloadElement.textContent ?? '', 'utf8');
  return null;
}
