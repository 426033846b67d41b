/**
 * Builds a Peppol Invoice Response (BIS 63, T111): the buyer's answer about an invoice or credit note.
 * Element order is the UBL 2.1 ApplicationResponse schema's; which elements appear follows the T111 data
 * model and the official examples (reference §7.1).
 */
import { parseParticipantId } from '../peppol/identifiers.js';
import { INVOICE_RESPONSE_CUSTOMIZATION, INVOICE_RESPONSE_PROFILE, RESPONSE_CODES, STATUS_ACTIONS, STATUS_REASONS } from './codes.js';
import type { InvoiceResponse, ResponseParty, StatusClarification } from './model.js';
import { applicationResponse, type Builder, cac, cbc, checkCode, checkDate, checkOptionalText, checkText, checkTime, invalid, serialize, splitPartyId } from './ubl.js';

const WHAT = 'Invoice Response';
const LISTS = { OPStatusReason: STATUS_REASONS, OPStatusAction: STATUS_ACTIONS } as const;
/** Status codes that need a coded clarification (PEPPOL-T111-R001). */
const NEEDS_CLARIFICATION = ['CA', 'UQ', 'RE'];

function checkParty(field: string, p: ResponseParty): void {
  if (typeof p !== 'object' || p === null) invalid(WHAT, `${field} must be a party`);
  splitPartyId(WHAT, `${field}.id`, p.id);
  parseParticipantId(p.id); // the scheme-specific checks, such as 0208's mod 97 (PEPPOL-COMMON-R043)
  checkText(WHAT, `${field}.name`, p.name);
}

function checkClarification(field: string, c: StatusClarification, r: InvoiceResponse): void {
  const listId = checkCode(WHAT, `${field}.listId`, c?.listId, ['OPStatusReason', 'OPStatusAction'] as const);
  checkCode(WHAT, `${field}.code`, c.code, LISTS[listId]);
  checkOptionalText(WHAT, `${field}.text`, c.text);
  c.conditions?.forEach((k, i) => {
    checkText(WHAT, `${field}.conditions[${i}].attributeId`, k?.attributeId);
    checkOptionalText(WHAT, `${field}.conditions[${i}].description`, k.description);
  });
  // PPD, partial payment, needs its amount in words and belongs to PD only (PEPPOL-T111-R004, R005).
  if (c.code === 'PPD' && listId === 'OPStatusReason') {
    if (c.text === undefined) invalid(WHAT, `${field}: PPD (partial payment) needs a text`);
    if (r.responseCode !== 'PD') invalid(WHAT, `${field}: PPD (partial payment) goes with response code PD only, not ${r.responseCode}`);
  }
}

/** Every check before writing, so that a caller error is one clear ApError and never a half-valid document. */
function check(r: InvoiceResponse): void {
  checkText(WHAT, 'id', r.id);
  checkDate(WHAT, 'issueDate', r.issueDate);
  if (r.issueTime !== undefined) checkTime(WHAT, 'issueTime', r.issueTime, false);
  checkOptionalText(WHAT, 'note', r.note);
  checkParty('sender', r.sender);
  checkParty('receiver', r.receiver);
  checkCode(WHAT, 'responseCode', r.responseCode, RESPONSE_CODES);
  if (r.effectiveDate !== undefined) checkDate(WHAT, 'effectiveDate', r.effectiveDate);
  if (!Array.isArray(r.clarifications)) invalid(WHAT, 'clarifications must be a list');
  r.clarifications.forEach((c, i) => checkClarification(`clarifications[${i}]`, c, r));
  r.textClarifications?.forEach((t, i) => checkText(WHAT, `textClarifications[${i}]`, t));
  if (NEEDS_CLARIFICATION.includes(r.responseCode) && r.clarifications.length === 0)
    invalid(WHAT, `response code ${r.responseCode} needs at least one coded clarification (a reason or an action)`);
  checkText(WHAT, 'document.id', r.document?.id);
  if (r.document.issueDate !== undefined) checkDate(WHAT, 'document.issueDate', r.document.issueDate);
  if (!/^\d{1,4}$/.test(String(r.document.typeCode))) invalid(WHAT, `document.typeCode must be a UNCL1001 code such as 380, got ${JSON.stringify(r.document.typeCode)}`);
}

function party(parent: Builder, name: string, p: ResponseParty): void {
  const { scheme, value } = splitPartyId(WHAT, name, p.id);
  const el = cac(parent, name);
  cbc(el, 'EndpointID', value, { schemeID: scheme });
  cbc(cac(el, 'PartyLegalEntity'), 'RegistrationName', p.name!);
}

function status(response: Builder, c: StatusClarification): void {
  const el = cac(response, 'Status');
  cbc(el, 'StatusReasonCode', c.code, { listID: c.listId });
  if (c.text !== undefined) cbc(el, 'StatusReason', c.text);
  for (const k of c.conditions ?? []) {
    const cond = cbc(cac(el, 'Condition'), 'AttributeID', k.attributeId);
    if (k.description !== undefined) cbc(cond, 'Description', k.description);
  }
}

export function buildInvoiceResponse(r: InvoiceResponse): string {
  check(r);
  const root = applicationResponse({ customization: INVOICE_RESPONSE_CUSTOMIZATION, profile: INVOICE_RESPONSE_PROFILE, id: r.id, issueDate: r.issueDate, issueTime: r.issueTime });
  if (r.note !== undefined) cbc(root, 'Note', r.note);
  party(root, 'SenderParty', r.sender);
  party(root, 'ReceiverParty', r.receiver);
  const documentResponse = cac(root, 'DocumentResponse');
  const response = cbc(cac(documentResponse, 'Response'), 'ResponseCode', r.responseCode);
  if (r.effectiveDate !== undefined) cbc(response, 'EffectiveDate', r.effectiveDate);
  for (const c of r.clarifications) status(response, c);
  for (const t of r.textClarifications ?? []) cbc(cac(response, 'Status'), 'StatusReason', t);
  const ref = cbc(cac(documentResponse, 'DocumentReference'), 'ID', r.document.id);
  if (r.document.issueDate !== undefined) cbc(ref, 'IssueDate', r.document.issueDate);
  cbc(ref, 'DocumentTypeCode', r.document.typeCode);
  return serialize(root);
}
