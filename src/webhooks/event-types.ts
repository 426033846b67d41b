/**
 * The event types a webhook endpoint subscribes to and the event feed reports, read from the documents'
 * timelines: a document's move into a status (src/core/state-machine.ts), or a business answer about it
 * (an Invoice Response or an MLS received). Moves not listed (sending, retrying, received) are steps
 * inside a flow that an integrator has no use for.
 */
import type { Direction, DocumentStatus } from '../core/state-machine.js';

export const DOCUMENT_EVENT_TYPES = [
  'document.submitted',
  'document.delivered',
  'document.failed',
  'document.undeliverable',
  'document.rejected',
  'document.received',
  'document.acknowledged',
  'document.response-undeliverable',
  'document.delivered-by-email',
  'response.received',
  'mls.received',
] as const;
export type DocumentEventType = (typeof DOCUMENT_EVENT_TYPES)[number];

/** Sent by POST /webhooks/{id}/test only; no endpoint subscribes to it. */
export const TEST_EVENT_TYPE = 'webhook.test';

const BY_MOVE: ReadonlyArray<readonly [Direction, DocumentStatus, DocumentEventType]> = [
  ['outbound', 'queued', 'document.submitted'],
  ['outbound', 'delivered', 'document.delivered'],
  ['outbound', 'failed', 'document.failed'],
  ['outbound', 'undeliverable', 'document.undeliverable'],
  ['outbound', 'rejected', 'document.rejected'],
  ['inbound', 'rejected', 'document.rejected'],
  // `available`: validated and in the buyer's inbox, the moment it may be fetched.
  ['inbound', 'available', 'document.received'],
  ['inbound', 'acknowledged', 'document.acknowledged'],
  // An Invoice Response the supplier cannot receive over Peppol: the seam of the supplier channel (e-mail).
  ['outbound', 'response-undeliverable', 'document.response-undeliverable'],
  // Carried by the e-mail channel instead of Peppol: a final state of its own, never `document.delivered`.
  ['outbound', 'delivered-by-email', 'document.delivered-by-email'],
];

/** Timeline entries that move no status but make an event: [direction, entry type, event type]. */
const BY_ENTRY: ReadonlyArray<readonly [Direction, string, DocumentEventType]> = [
  ['outbound', 'response-received', 'response.received'],
  ['outbound', 'mls-received', 'mls.received'],
];

export const EVENT_ENTRIES: ReadonlyArray<readonly [Direction, string]> = BY_ENTRY.map(([d, t]) => [d, t] as const);

/** The moves that make an event, for a store to select them: [direction, status] pairs. */
export const EVENT_MOVES: ReadonlyArray<readonly [Direction, DocumentStatus]> = BY_MOVE.map(([d, s]) => [d, s] as const);

export function eventTypeOf(direction: Direction, toStatus: string | null, entryType = 'status'): DocumentEventType | null {
  if (entryType !== 'status') return BY_ENTRY.find(([d, t]) => d === direction && t === entryType)?.[2] ?? null;
  return BY_MOVE.find(([d, s]) => d === direction && s === toStatus)?.[2] ?? null;
}

export function isDocumentEventType(t: string): t is DocumentEventType {
  return (DOCUMENT_EVENT_TYPES as readonly string[]).includes(t);
}
