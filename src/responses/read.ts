/**
 * Reads the two business responses from a parsed document (src/validation/dom.ts) into the plain data of
 * model.ts: what the access point needs from an answer it receives. Values are read trimmed, as the
 * schematrons compare them (normalize-space). What the model does not hold (contacts, party
 * identifications, issuer and recipient parties) is left out.
 */
import type { XNode } from '../validation/dom.js';
import { INVOICE_RESPONSE_CUSTOMIZATION, MLS_CODES, MLS_CUSTOMIZATION, MLS_REASONS, RESPONSE_CODES, STATUS_ACTIONS, STATUS_REASONS } from './codes.js';
import type { ApplicationResponseKind, InvoiceResponse, MessageLevelStatus, MlsLineResponse, ResponseParty, StatusClarification, StatusCondition } from './model.js';
import { AR_NS, CAC_NS, CBC_NS, checkCode, invalid } from './ubl.js';

/** The element children of `n` named `prefix:local` (prefix cac or cbc). */
function all(n: XNode, name: string): XNode[] {
  const [prefix, local] = name.split(':') as [string, string];
  const ns = prefix === 'cac' ? CAC_NS : CBC_NS;
  return n.elems.filter((e) => e.local === local && e.ns === ns);
}

const text = (n: XNode): string => n.stringValue().trim();

function optional(n: XNode, name: string): string | undefined {
  const e = all(n, name)[0];
  return e ? text(e) : undefined;
}

function element(what: string, n: XNode, path: string): XNode {
  let cur = n;
  for (const step of path.split('/')) {
    const next = all(cur, step)[0];
    if (!next) invalid(what, `the document has no ${path} under ${n.local}`);
    cur = next;
  }
  return cur;
}

function required(what: string, n: XNode, path: string): string {
  const value = text(element(what, n, path));
  if (value === '') invalid(what, `${path} under ${n.local} is empty`);
  return value;
}

function attribute(n: XNode, local: string): string | undefined {
  return n.attrs.find((a) => a.local === local && a.ns === '')?.value?.trim();
}

function party(what: string, root: XNode, name: string): ResponseParty {
  const p = element(what, root, `cac:${name}`);
  const endpoint = element(what, p, 'cbc:EndpointID');
  const scheme = attribute(endpoint, 'schemeID');
  if (!scheme) invalid(what, `${name}/cbc:EndpointID has no schemeID`);
  const legalName = all(p, 'cac:PartyLegalEntity')[0];
  const registrationName = legalName && optional(legalName, 'cbc:RegistrationName');
  return { id: `${scheme}:${text(endpoint)}`, ...(registrationName ? { name: registrationName } : {}) };
}

/** Which business response a document is: by its root (a UBL ApplicationResponse) and its CustomizationID. */
export function applicationResponseKind(root: XNode): ApplicationResponseKind | null {
  if (root.local !== 'ApplicationResponse' || root.ns !== AR_NS) return null;
  // Whitespace-normalised; T111 takes any CustomizationID that starts with its own (PEPPOL-T111-R003).
  const customization = (optional(root, 'cbc:CustomizationID') ?? '').replace(/\s+/g, ' ');
  if (customization === MLS_CUSTOMIZATION) return 'mls';
  if (customization.startsWith(INVOICE_RESPONSE_CUSTOMIZATION)) return 'invoice-response';
  return null;
}

function expectKind(what: string, root: XNode, kind: ApplicationResponseKind): void {
  if (applicationResponseKind(root) !== kind) invalid(what, `the document is not one: root ${root.local} in '${root.ns}', CustomizationID '${optional(root, 'cbc:CustomizationID') ?? ''}'`);
}

const LISTS = { OPStatusReason: STATUS_REASONS, OPStatusAction: STATUS_ACTIONS } as const;

function clarification(what: string, status: XNode, code: XNode): StatusClarification {
  const listId = checkCode(what, 'StatusReasonCode/@listID', attribute(code, 'listID'), ['OPStatusReason', 'OPStatusAction'] as const);
  const reason = optional(status, 'cbc:StatusReason');
  const conditions = all(status, 'cac:Condition').map((c): StatusCondition => {
    const description = optional(c, 'cbc:Description');
    return { attributeId: required(what, c, 'cbc:AttributeID'), ...(description ? { description } : {}) };
  });
  return {
    listId,
    code: checkCode(what, `StatusReasonCode (${listId})`, text(code), LISTS[listId]),
    ...(reason ? { text: reason } : {}),
    ...(conditions.length ? { conditions } : {}),
  };
}

export function readInvoiceResponse(root: XNode): InvoiceResponse {
  const what = 'Invoice Response';
  expectKind(what, root, 'invoice-response');
  const documentResponse = element(what, root, 'cac:DocumentResponse');
  const response = element(what, documentResponse, 'cac:Response');
  const reference = element(what, documentResponse, 'cac:DocumentReference');
  const clarifications: StatusClarification[] = [];
  const textClarifications: string[] = [];
  for (const status of all(response, 'cac:Status')) {
    const code = all(status, 'cbc:StatusReasonCode')[0];
    const reason = optional(status, 'cbc:StatusReason');
    if (code) clarifications.push(clarification(what, status, code));
    else if (reason) textClarifications.push(reason);
  }
  const notes = all(root, 'cbc:Note').map(text).filter(Boolean);
  const issueTime = optional(root, 'cbc:IssueTime');
  const effectiveDate = optional(response, 'cbc:EffectiveDate');
  const documentIssueDate = optional(reference, 'cbc:IssueDate');
  return {
    id: required(what, root, 'cbc:ID'),
    issueDate: required(what, root, 'cbc:IssueDate'),
    ...(issueTime ? { issueTime } : {}),
    ...(notes.length ? { note: notes.join('\n') } : {}),
    sender: party(what, root, 'SenderParty'),
    receiver: party(what, root, 'ReceiverParty'),
    responseCode: checkCode(what, 'ResponseCode', required(what, response, 'cbc:ResponseCode'), RESPONSE_CODES),
    ...(effectiveDate ? { effectiveDate } : {}),
    clarifications,
    ...(textClarifications.length ? { textClarifications } : {}),
    document: {
      id: required(what, reference, 'cbc:ID'),
      ...(documentIssueDate ? { issueDate: documentIssueDate } : {}),
      typeCode: required(what, reference, 'cbc:DocumentTypeCode'),
    },
  };
}

/** Each cac:Response of a cac:LineResponse is one issue: a line answered twice gives two entries with its LineID. */
function lines(what: string, documentResponse: XNode): MlsLineResponse[] {
  return all(documentResponse, 'cac:LineResponse').flatMap((line) => {
    const lineId = required(what, line, 'cac:LineReference/cbc:LineID');
    return all(line, 'cac:Response').map((r) => ({
      lineId,
      description: required(what, r, 'cbc:Description'),
      reason: checkCode(what, 'LineResponse StatusReasonCode', required(what, r, 'cac:Status/cbc:StatusReasonCode'), MLS_REASONS),
    }));
  });
}

export function readMessageLevelStatus(root: XNode): MessageLevelStatus {
  const what = 'Message Level Status';
  expectKind(what, root, 'mls');
  const documentResponse = element(what, root, 'cac:DocumentResponse');
  const response = element(what, documentResponse, 'cac:Response');
  const description = optional(response, 'cbc:Description');
  return {
    id: required(what, root, 'cbc:ID'),
    issueDate: required(what, root, 'cbc:IssueDate'),
    issueTime: required(what, root, 'cbc:IssueTime'),
    sender: party(what, root, 'SenderParty'),
    receiver: party(what, root, 'ReceiverParty'),
    responseCode: checkCode(what, 'ResponseCode', required(what, response, 'cbc:ResponseCode'), MLS_CODES),
    ...(description ? { description } : {}),
    referencedInstanceId: required(what, documentResponse, 'cac:DocumentReference/cbc:ID'),
    lines: lines(what, documentResponse),
  };
}
