/**
 * The document state machine: the one place that decides which statuses exist, which status a document
 * may be created in and which moves are allowed, for outbound (we are C2) and inbound (we are C3)
 * documents. Every status change goes through changeStatus(), a compare-and-set that appends the event
 * (time, from, to, reason, actor) in the same transaction as the change; nothing else writes a status.
 *
 * Outbound:
 *   (new) ─▶ queued ─▶ sending ─▶ delivered                      receipt verified, stored as evidence
 *   (new) ─▶ rejected                   ├─▶ retrying ─▶ sending  transient failure, next attempt scheduled
 *                                       ├─▶ failed               transient failures until the attempts ran out
 *                                       └─▶ undeliverable        permanent failure (not registered, NOT_SERVICED, EBMS:0101-0103...)
 *   sending ─▶ retrying also when an attempt was interrupted (crash, restart) or the endpoint's circuit is open.
 *
 * Inbound:
 *   (new) ─▶ received ─▶ available ─▶ acknowledged               stored before the receipt; validated; picked up by the buyer
 *                    └─▶ rejected                                fails validation (report stored)
 *   An inbound document may also be created directly in available or rejected when its validation ran
 *   before the durable commit.
 */
import { ApError } from '../errors.js';
import type { Direction, DocumentRecord, DocumentStore, EventInput, NewDocument, Tx } from '../store/documents.js';

export const OUTBOUND_STATUSES = ['queued', 'rejected', 'sending', 'retrying', 'delivered', 'failed', 'undeliverable'] as const;
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
      sending: ['delivered', 'retrying', 'failed', 'undeliverable'],
      retrying: ['sending'],
      rejected: [],
      delivered: [],
      failed: [],
      undeliverable: [],
    },
    final: ['rejected', 'delivered', 'failed', 'undeliverable'],
  },
  inbound: {
    initial: ['received', 'available', 'rejected'],
    transitions: {
      received: ['available', 'rejected'],
      available: ['acknowledged'],
      rejected: [],
      acknowledged: [],
    },
    final: ['rejected', 'acknowledged'],
  },
};

export function canCreate(direction: Direction, status: string): boolean {
  return (STATE_MACHINES[direction].initial as readonly string[]).includes(status);
}

export function canTransition(direction: Direction, from: string, to: string): boolean {
  const table = STATE_MACHINES[direction].transitions as Readonly<Record<string, readonly string[]>>;
  return (table[from] ?? []).includes(to);
}

export function isFinal(direction: Direction, status: string): boolean {
  return (STATE_MACHINES[direction].final as readonly string[]).includes(status);
}

/** Stores a new document in an initial status of its direction, with the creation event. */
export async function createDocument(
  store: DocumentStore,
  doc: NewDocument & { status: DocumentStatus },
  payload: Buffer,
  event: EventInput,
  tx?: Tx,
): Promise<DocumentRecord> {
  if (!canCreate(doc.direction, doc.status)) {
    throw new ApError('state.invalid-transition', `An ${doc.direction} document cannot start as ${doc.status}`, {
      direction: doc.direction,
      to: doc.status,
    });
  }
  return store.create(doc, payload, event, tx);
}

export interface ChangeOptions {
  /**
   * The status the caller believes the document is in (and its direction). With it the change is one
   * compare-and-set; without it the document is read first.
   */
  expected?: { direction: Direction; from: DocumentStatus };
  /** Run inside this transaction (with the caller's other writes). */
  tx?: Tx;
}

/**
 * Moves a document to `to`. Throws ApError('state.invalid-transition') when the table forbids the move,
 * and returns false when the document was not (any longer) in the expected status: a concurrent worker
 * changed it first, so the caller must not act on it.
 */
export async function changeStatus(
  store: DocumentStore,
  id: string,
  to: DocumentStatus,
  event: EventInput,
  options: ChangeOptions = {},
): Promise<boolean> {
  let expected = options.expected;
  if (!expected) {
    const doc = await store.get(id);
    if (!doc) throw new ApError('api.not-found', `Document ${id} not found`);
    expected = { direction: doc.direction, from: doc.status as DocumentStatus };
  }
  if (!canTransition(expected.direction, expected.from, to)) {
    throw new ApError('state.invalid-transition', `An ${expected.direction} document cannot move from ${expected.from} to ${to}`, {
      id,
      direction: expected.direction,
      from: expected.from,
      to,
    });
  }
  return store.setStatus(id, expected.from, to, event, options.tx);
}
