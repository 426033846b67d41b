/**
 * Type-checked by `tsc --noEmit` in `npm test`, never run: a status write needs a move or creation the state
 * machine checked. Each `@ts-expect-error` fails the type check if the line below it ever compiles.
 */
import { checkCreate, checkTransition } from '../../src/core/state-machine.js';
import type { PostgresDeliveryStore } from '../../src/store/deliveries.js';
import type { DocumentStore, NewDocument } from '../../src/store/documents.js';

export async function statusWrites(documents: DocumentStore, deliveries: PostgresDeliveryStore, id: string, doc: Omit<NewDocument, 'initial'>): Promise<void> {
  const event = { actor: 'fixture' };
  const lease = { jobId: '1', runnerId: 'fixture', attempts: 1 };

  // @ts-expect-error a move written as a plain object was not checked by the state machine
  await documents.setStatus(id, { direction: 'outbound', from: 'queued', to: 'delivered' }, event);
  // @ts-expect-error the same for the one-statement claim of an outbound attempt
  await deliveries.claimAttempt(id, [{ direction: 'outbound', from: 'queued', to: 'sending' }], lease, 1000, 'fixture');
  // @ts-expect-error a new document's status must come from checkCreate
  await documents.create({ ...doc, initial: { direction: 'outbound', status: 'delivered' } }, Buffer.alloc(0), event);

  // What compiles: moves and creations the state machine made.
  await documents.setStatus(id, checkTransition(id, 'outbound', 'queued', 'sending'), event);
  await deliveries.claimAttempt(id, [checkTransition(id, 'outbound', 'retrying', 'sending')], lease, 1000, 'fixture');
  await documents.create({ ...doc, initial: checkCreate('outbound', 'queued') }, Buffer.alloc(0), event);
}
