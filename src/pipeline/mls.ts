/**
 * MLS 1.0 as C3 (peppol-reference §7.2, §7.4): who receives the MLS of a received document, and what an
 * MLS RE says about a validation report. Plain functions; the handler and the confirmation job use them.
 */
import { randomUUID } from 'node:crypto';
import type { MessageLevelStatus, MlsLineResponse } from '../responses/index.js';
import type { MlsCode } from '../responses/codes.js';
import type { MlsAddressing } from '../store/business-responses.js';
import type { ValidationIssue, ValidationReport } from '../validation/types.js';

/** The SPIS participant (`0242:<digits>`) of a seat: POP000123 → 0242:000123. */
export function mlsParticipantOf(seatId: string): string {
  return `0242:${seatId.replace(/\D/g, '')}`;
}

/**
 * Where the MLS of a received document goes: the SBDH's MLS_TO when it is a service provider (0242)
 * participant, as the sending access point asked; else that access point's own 0242 participant.
 */
export function mlsReceiver(a: Pick<MlsAddressing, 'mlsTo' | 'fromPartyId'>): string {
  const to = a.mlsTo?.trim().toLowerCase();
  return to && /^0242:\S+$/.test(to) ? to : mlsParticipantOf(a.fromPartyId);
}

/** Lines an MLS lists at most; one more says how many were left out. */
const MAX_LINES = 200;

const reasonOf = (i: ValidationIssue): 'SV' | 'BV' => (i.layer === 'PARSE' || i.layer === 'XSD' ? 'SV' : 'BV');

/**
 * The LineResponses of an MLS RE for `report`: SV for a syntax or schema error, BV for a fatal business
 * rule; warnings are not listed (the MLS rejects, a warning does not).
 */
export function mlsLinesOf(report: ValidationReport): MlsLineResponse[] {
  const fatal = report.issues.filter((i) => i.flag === 'fatal');
  const lines = fatal.slice(0, MAX_LINES).map((i) => ({
    lineId: i.location ?? 'NA',
    description: `[${i.id}] ${i.message}`,
    reason: reasonOf(i),
  }));
  if (fatal.length > MAX_LINES) {
    lines.push({ lineId: 'NA', description: `… and ${fatal.length - MAX_LINES} more fatal issues`, reason: reasonOf(fatal[MAX_LINES]!) });
  }
  return lines;
}

export interface MlsContent {
  code: MlsCode;
  description?: string;
  lines: MlsLineResponse[];
}

/** The MLS about the received document of `a`, from this access point's seat. */
export function mlsAbout(a: MlsAddressing, ownSeatId: string, content: MlsContent, now = new Date()): MessageLevelStatus {
  const iso = now.toISOString();
  return {
    id: randomUUID(),
    issueDate: iso.slice(0, 10),
    issueTime: `${iso.slice(11, 19)}Z`,
    sender: { id: mlsParticipantOf(ownSeatId) },
    receiver: { id: mlsReceiver(a) },
    responseCode: content.code,
    ...(content.description ? { description: content.description } : {}),
    referencedInstanceId: a.instanceIdentifier,
    lines: content.lines,
  };
}
