/**
 * Builds a Peppol Message Level Status (MLS 1.0): C3's answer to C2 about one received message, addressed
 * between service providers (SPIS 0242). Structure as the official MLS examples, checks as the MLS 1.0.1
 * schematron (reference §7.2, §7.4).
 */
import { MLS_CODES, MLS_CUSTOMIZATION, MLS_PROFILE, MLS_REASONS, SPIS_SCHEME } from './codes.js';
import type { MessageLevelStatus, MlsLineResponse, ResponseParty } from './model.js';
import { applicationResponse, type Builder, cac, cbc, checkCode, checkDate, checkOptionalText, checkText, checkTime, invalid, serialize, splitPartyId } from './ubl.js';

const WHAT = 'Message Level Status';
/** A service provider id: six digits, optionally -USECASE and .suffix (SCH-MLS-09, matched case-insensitively). */
const SPIS_ID = /^[0-9]{6}(-[0-9A-Z_]{3,12}(\.[0-9A-Z\-._~]{3,24})?)?$/i;
const FAILURES: readonly string[] = ['SV', 'BV', 'FD'];

function checkParty(field: string, p: ResponseParty): void {
  if (typeof p !== 'object' || p === null) invalid(WHAT, `${field} must be a party`);
  const { scheme, value } = splitPartyId(WHAT, `${field}.id`, p.id);
  if (scheme !== SPIS_SCHEME || !SPIS_ID.test(value)) invalid(WHAT, `${field}.id must be a service provider id '0242:<six digits>', got '${p.id}'`);
  // MLS parties carry their endpoint only; a name would be lost on the way.
  if (p.name !== undefined) invalid(WHAT, `${field} has a name, which an MLS does not carry`);
}

function checkLines(m: MessageLevelStatus): void {
  if (!Array.isArray(m.lines)) invalid(WHAT, 'lines must be a list');
  m.lines.forEach((l: MlsLineResponse, i) => {
    checkText(WHAT, `lines[${i}].lineId`, l?.lineId);
    checkText(WHAT, `lines[${i}].description`, l.description);
    checkCode(WHAT, `lines[${i}].reason`, l.reason, MLS_REASONS);
  });
  // A rejection names at least one failure; a positive MLS may carry warnings only (SCH-MLS-23 to 25).
  const failures = m.lines.filter((l) => FAILURES.includes(l.reason)).length;
  if (m.responseCode === 'RE' && failures === 0) invalid(WHAT, 'RE needs at least one line with reason SV, BV or FD');
  if (m.responseCode !== 'RE' && failures > 0) invalid(WHAT, `${m.responseCode} cannot carry lines with reason SV, BV or FD (only BW)`);
}

function check(m: MessageLevelStatus): void {
  checkText(WHAT, 'id', m.id);
  checkDate(WHAT, 'issueDate', m.issueDate);
  checkTime(WHAT, 'issueTime', m.issueTime, true);
  checkParty('sender', m.sender);
  checkParty('receiver', m.receiver);
  checkCode(WHAT, 'responseCode', m.responseCode, MLS_CODES);
  if (m.responseCode === 'RE') checkText(WHAT, 'description (required for RE, SCH-MLS-20)', m.description);
  else checkOptionalText(WHAT, 'description', m.description);
  checkText(WHAT, 'referencedInstanceId', m.referencedInstanceId);
  checkLines(m);
}

function endpoint(parent: Builder, name: string, p: ResponseParty): void {
  const { scheme, value } = splitPartyId(WHAT, name, p.id);
  cbc(cac(parent, name), 'EndpointID', value, { schemeID: scheme });
}

export function buildMessageLevelStatus(m: MessageLevelStatus): string {
  check(m);
  const root = applicationResponse({ customization: MLS_CUSTOMIZATION, profile: MLS_PROFILE, id: m.id, issueDate: m.issueDate, issueTime: m.issueTime });
  endpoint(root, 'SenderParty', m.sender);
  endpoint(root, 'ReceiverParty', m.receiver);
  const documentResponse = cac(root, 'DocumentResponse');
  const response = cbc(cac(documentResponse, 'Response'), 'ResponseCode', m.responseCode);
  if (m.description !== undefined) cbc(response, 'Description', m.description);
  cbc(cac(documentResponse, 'DocumentReference'), 'ID', m.referencedInstanceId);
  // Issues in a row about the same location share one LineResponse, as the official RE2 example has them.
  let line: Builder | null = null;
  let lineId: string | null = null;
  for (const l of m.lines) {
    if (line === null || l.lineId !== lineId) {
      line = cac(documentResponse, 'LineResponse');
      cbc(cac(line, 'LineReference'), 'LineID', l.lineId);
      lineId = l.lineId;
    }
    const issue = cbc(cac(line, 'Response'), 'Description', l.description);
    cbc(cac(issue, 'Status'), 'StatusReasonCode', l.reason);
  }
  return serialize(root);
}
