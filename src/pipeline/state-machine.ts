/**
 * The document state machine: the one place that decides which statuses exist, which status a document
 * may be created in and which moves are allowed, for outbound (we are C2) and inbound (we are C3)
 * documents. Every status change goes through changeStatus() (or changeStatuses() for a batch), a compare-and-set that appends the event
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
import type { Direction, DocumentRecord, DocumentStore, EventInput, InboundRoutingStore, NewDocument, RoutedStatusChange, Tx, UnkeptPayload } from '../store/documents.js';

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
  payload: Buffer | UnkeptPayload,
  event: EventInput,
  tx?: Tx,
): Promise<DocumentRecord> {
  checkCreate(doc.direction, doc.status);
  return store.create(doc, payload, event, tx);
}

/**
 * Throws like createDocument when `status` is not an initial status of `direction`: for a store statement
 * that creates the document with its creation event and other rows in one round trip.
 */
export function checkCreate(direction: Direction, status: string): void {
  if (!canCreate(direction, status)) {
    throw new ApError('state.invalid-transition', `An ${direction} document cannot start as ${status}`, { direction, to: status });
  }
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
  checkTransition(id, expected.direction, expected.from, to);
  return store.setStatus(id, expected.from, to, event, options.tx);
}

/**
 * Throws like changeStatus when the table forbids the move: for a store statement that moves the document
 * together with other writes in one round trip. Such a statement must compare-and-set on `from` and append
 * the status event (from, to, reason, actor, details) as setStatus does.
 */
export function checkTransition(id: string, direction: Direction, from: DocumentStatus, to: DocumentStatus): void {
  if (!canTransition(direction, from, to)) {
    throw new ApError('state.invalid-transition', `An ${direction} document cannot move from ${from} to ${to}`, { id, direction, from, to });
  }
}

/** A move of one inbound document in a routing batch; its status event is built here from `event`. */
export interface RoutedChange extends Omit<RoutedStatusChange, 'from' | 'to' | 'events'> {
  from: InboundStatus;
  to: InboundStatus;
  event: EventInput;
  /** Other timeline entries committed with the move, before and after its status event. */
  before?: Array<EventInput & { type: string }>;
  after?: Array<EventInput & { type: string }>;
}

/**
 * changeStatus for a batch of inbound documents routed in one transaction: every move is checked against
 * the table first (nothing is written if one is forbidden), then one compare-and-set statement moves those
 * still in their expected status and appends their events. Returns the ids that moved.
 */
export async function changeStatuses(store: InboundRoutingStore, changes: RoutedChange[], tx: Tx): Promise<Set<string>> {
  for (const c of changes) checkTransition(c.id, 'inbound', c.from, c.to);
  return store.setRoutedStatuses(
    changes.map(({ event, before = [], after = [], ...c }) => ({
      ...c,
      events: [...before, { ...event, type: event.type ?? 'status', from: c.from, to: c.to }, ...after],
    })),
    tx,
  );
}
