/**
 * The document state machine: the one place that decides which statuses exist, which a document may start
 * in, and which moves are allowed. Every status change goes through here and appends an event (time,
 * from, to, reason, actor) in the same transaction as the change.
 *
 * Foundation scope: an outbound submission is `accepted` (passed validation) or `rejected` (failed it),
 * both final for now. The delivery flow extends the table (queued, sending, delivered, failed,
 * undeliverable; inbound received, available...).
 */
import { ApError } from '../errors.js';
import type { Direction, DocumentRecord, DocumentStore, EventInput, NewDocument } from '../store/documents.js';

export const DOCUMENT_STATUSES = ['accepted', 'rejected'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

/** Statuses a document may be created in, per direction. */
export const INITIAL_STATUSES: Record<Direction, readonly DocumentStatus[]> = {
  outbound: ['accepted', 'rejected'],
  inbound: [],
};

/** Allowed moves: from -> to. */
export const TRANSITIONS: Record<DocumentStatus, readonly DocumentStatus[]> = {
  accepted: [],
  rejected: [],
};

export function canTransition(from: string, to: string): boolean {
  return (TRANSITIONS[from as DocumentStatus] ?? []).includes(to as DocumentStatus);
}

/** Stores a new document in its initial status, with the creation event. */
export async function createDocument(
  store: DocumentStore,
  doc: NewDocument & { status: DocumentStatus },
  payload: Buffer,
  event: EventInput,
): Promise<DocumentRecord> {
  if (!INITIAL_STATUSES[doc.direction].includes(doc.status)) {
    throw new ApError('state.invalid-transition', `An ${doc.direction} document cannot start as ${doc.status}`);
  }
  return store.create(doc, payload, event);
}

/** Moves a document to `to`, if allowed from its current status; throws ApError otherwise. */
export async function changeStatus(
  store: DocumentStore,
  id: string,
  to: DocumentStatus,
  event: EventInput,
): Promise<void> {
  const doc = await store.get(id);
  if (!doc) throw new ApError('api.not-found', `Document ${id} not found`);
  if (!canTransition(doc.status, to)) {
    throw new ApError('state.invalid-transition', `Document ${id} cannot move from ${doc.status} to ${to}`, {
      from: doc.status,
      to,
    });
  }
  // Compare-and-set: a concurrent change in between makes this one fail rather than overwrite it.
  if (!(await store.setStatus(id, doc.status, to, event))) {
    throw new ApError('state.invalid-transition', `Document ${id} changed status concurrently; ${to} not applied`);
  }
}
