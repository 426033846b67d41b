/**
 * The document state machine: which statuses exist, which status a document may be created in and which
 * moves are allowed, for outbound (we are C2) and inbound (we are C3) documents.
 *
 * A status is written only by a store statement that receives a CheckedCreate or a CheckedMove, and only
 * checkCreate() and checkTransition() below make those (their brand is a symbol no other module can name),
 * so the compiler refuses a status write the table did not allow. Postgres refuses a status outside the
 * table too (migration 20261202_0500_status_check).
 *
 * Outbound:
 *   (new) ─▶ queued ─▶ sending ─▶ delivered                      receipt verified, stored as evidence
 *   (new) ─▶ rejected                   ├─▶ retrying ─▶ sending  transient failure, next attempt scheduled
 *                                       ├─▶ failed               transient failures until the attempts ran out
 *                                       ├─▶ undeliverable        permanent failure (not registered, NOT_SERVICED, EBMS:0101-0103...)
 *                                       ├─▶ response-undeliverable  an Invoice Response whose receiver (the supplier) lists no
 *                                       │                            Invoice Response in its SMP: it waits for another channel (e-mail)
 *                                       │     └─▶ delivered-by-email  e-mailed to the supplier's contact address
 *                                       └─▶ emailing               the receiver is not on Peppol and the e-mail fallback applies
 *                                             ├─▶ delivered-by-email  the SMTP server accepted the message (final; never `delivered`)
 *                                             ├─▶ failed             the SMTP server stayed unavailable until the attempts ran out
 *                                             └─▶ undeliverable      no usable address, or the SMTP server refused it
 *   sending ─▶ retrying also when an attempt was interrupted (crash, restart) or the endpoint's circuit is open.
 *   failed / undeliverable ─▶ queued   an operator resends it (console), after fixing what made it fail: a new
 *                                      attempt on the job runner; never taken by the delivery itself.
 *
 * Inbound:
 *   (new) ─▶ received ─▶ available ─▶ acknowledged               stored before the receipt; validated; picked up by the buyer
 *                    └─▶ rejected                                fails validation (report stored)
 */
import { ApError } from '../errors.js';

export type Direction = 'outbound' | 'inbound';

export const OUTBOUND_STATUSES = [
  'queued',
  'rejected',
  'sending',
  'retrying',
  'delivered',
  'failed',
  'undeliverable',
  'response-undeliverable',
  'emailing',
  'delivered-by-email',
] as const;
export const INBOUND_STATUSES = ['received', 'available', 'rejected', 'acknowledged'] as const;
export type OutboundStatus = (typeof OUTBOUND_STATUSES)[number];
export type InboundStatus = (typeof INBOUND_STATUSES)[number];
export type DocumentStatus = OutboundStatus | InboundStatus;

interface Machine<S extends string> {
  initial: readonly S[];
  transitions: Readonly<Record<S, readonly S[]>>;
  final: readonly S[];
}

export const STATE_MACHINES: { outbound: Machine<OutboundStatus>; inbound: Machine<InboundStatus> } = {
  outbound: {
    initial: ['queued', 'rejected'],
    transitions: {
      queued: ['sending'],
      sending: ['delivered', 'retrying', 'failed', 'undeliverable', 'response-undeliverable', 'emailing'],
      retrying: ['sending'],
      rejected: [],
      delivered: [],
      // An operator's resend (src/services/support.ts): delivery ended, but an operator may send them again.
      failed: ['queued'],
      undeliverable: ['queued'],
      // Not final: the supplier channel (e-mail) takes it from here; with no address it stays here (portal only).
      'response-undeliverable': ['delivered-by-email'],
      emailing: ['delivered-by-email', 'failed', 'undeliverable'],
      'delivered-by-email': [],
    },
    // failed and undeliverable end delivery, but an operator may send them again: not final.
    final: ['rejected', 'delivered', 'delivered-by-email'],
  },
  inbound: {
    initial: ['received'],
    transitions: {
      received: ['available', 'rejected'],
      available: ['acknowledged'],
      rejected: [],
      acknowledged: [],
    },
    final: ['rejected', 'acknowledged'],
  },
};

declare const checked: unique symbol;

/** An initial status the state machine allowed for a new document of `direction`. */
export interface CheckedCreate {
  readonly direction: Direction;
  readonly status: DocumentStatus;
  readonly [checked]: 'create';
}

/** A move the state machine allowed: a statement writes `to` only where the document is still in `from`. */
export interface CheckedMove {
  readonly direction: Direction;
  readonly from: DocumentStatus;
  readonly to: DocumentStatus;
  readonly [checked]: 'move';
}

// Every allowed creation and move, made once: checking one on the per-message path is a map lookup.
const CREATES = new Map<string, CheckedCreate>();
const MOVES = new Map<string, CheckedMove>();
for (const direction of ['outbound', 'inbound'] as const) {
  const machine = STATE_MACHINES[direction] as Machine<DocumentStatus>;
  for (const status of machine.initial) CREATES.set(`${direction}:${status}`, Object.freeze({ direction, status }) as CheckedCreate);
  for (const [from, tos] of Object.entries(machine.transitions) as Array<[DocumentStatus, readonly DocumentStatus[]]>) {
    for (const to of tos) MOVES.set(`${direction}:${from}>${to}`, Object.freeze({ direction, from, to }) as CheckedMove);
  }
}

export function canCreate(direction: Direction, status: string): boolean {
  return CREATES.has(`${direction}:${status}`);
}

export function canTransition(direction: Direction, from: string, to: string): boolean {
  return MOVES.has(`${direction}:${from}>${to}`);
}

export function isFinal(direction: Direction, status: string): boolean {
  return (STATE_MACHINES[direction].final as readonly string[]).includes(status);
}

/** The creation of a document of `direction` in `status`; throws when that is not an initial status. */
export function checkCreate(direction: Direction, status: DocumentStatus): CheckedCreate {
  const allowed = CREATES.get(`${direction}:${status}`);
  if (!allowed) throw new ApError('state.invalid-transition', `An ${direction} document cannot start as ${status}`, { direction, to: status });
  return allowed;
}

/** The move of document `id` from `from` to `to`; throws when the table forbids it. */
export function checkTransition(id: string, direction: Direction, from: DocumentStatus, to: DocumentStatus): CheckedMove {
  const allowed = MOVES.get(`${direction}:${from}>${to}`);
  if (!allowed) throw new ApError('state.invalid-transition', `An ${direction} document cannot move from ${from} to ${to}`, { id, direction, from, to });
  return allowed;
}
