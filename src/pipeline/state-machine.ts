/**
 * Status changes through the stores: each checks its move with the state machine (src/core/state-machine.ts)
 * and hands the checked move to a compare-and-set statement that appends the event (time, from, to, reason,
 * actor) in the same transaction.
 */
import { checkCreate, checkTransition, type Direction, type DocumentStatus, type InboundStatus } from '../core/state-machine.js';
import { ApError } from '../errors.js';
import type { DocumentRecord, DocumentStore, EventInput, InboundBatchStore, NewDocument, BatchStatusChange, Tx, UnkeptPayload } from '../store/documents.js';
import type { PayloadFile } from '../store/payloads.js';

/** A new document with the direction and initial status it asks for, before the state machine allowed them. */
export type DocumentDraft = Omit<NewDocument, 'initial'> & { direction: Direction; status: DocumentStatus };

/** Stores a new document in an initial status of its direction, with the creation event. */
export async function createDocument(
  store: DocumentStore,
  doc: DocumentDraft,
  payload: Buffer | PayloadFile | UnkeptPayload,
  event: EventInput,
  tx?: Tx,
): Promise<DocumentRecord> {
  const { direction, status, ...rest } = doc;
  return store.create({ ...rest, initial: checkCreate(direction, status) }, payload, event, tx);
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
  return store.setStatus(id, checkTransition(id, expected.direction, expected.from, to), event, options.tx);
}

/** A move of one inbound document in a batch handed over; its status event is built here from `event`. */
export interface BatchMove extends Omit<BatchStatusChange, 'move' | 'events'> {
  from: InboundStatus;
  to: InboundStatus;
  event: EventInput;
  /** Other timeline entries committed with the move, before and after its status event. */
  before?: Array<EventInput & { type: string }>;
  after?: Array<EventInput & { type: string }>;
}

/**
 * changeStatus for a batch of inbound documents handed over in one transaction: every move is checked against
 * the table first (nothing is written if one is forbidden), then one compare-and-set statement moves those
 * still in their expected status and appends their events. Returns the ids that moved.
 */
export async function changeStatuses(store: InboundBatchStore, changes: BatchMove[], tx: Tx): Promise<Set<string>> {
  const moves = changes.map((c) => checkTransition(c.id, 'inbound', c.from, c.to));
  return store.setBatchStatuses(
    changes.map(({ event, before = [], after = [], from, to, ...c }, i) => ({
      ...c,
      move: moves[i]!,
      events: [...before, { ...event, type: event.type ?? 'status', from, to }, ...after],
    })),
    tx,
  );
}
