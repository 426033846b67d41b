import assert from 'node:assert/strict';
import { ApError } from '../../src/errors.js';
import { changeStatus, createDocument } from '../../src/pipeline/status.js';
import { PostgresDocumentStore, type NewDocument } from '../../src/store/documents.js';
import { PostgresPayloadStore } from '../../src/store/payloads.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const doc = (status: 'accepted' | 'rejected', direction: 'outbound' | 'inbound' = 'outbound'): NewDocument & { status: typeof status } => ({
  direction,
  status,
  senderId: '0208:0123456749',
  receiverId: '0208:0987654321',
  documentKind: 'Invoice',
  documentType: null,
  process: null,
  invoiceNumber: 'INV-1',
  issueDate: '2026-11-28',
  payloadSha256: 'b'.repeat(64),
  validationReport: null,
});

describe('document state machine', () => {
  let db: TestDatabase;
  let store: PostgresDocumentStore;
  before(async () => {
    db = await createTestDatabase();
    store = new PostgresDocumentStore(db.knex, new PostgresPayloadStore(db.knex));
  });
  after(() => db?.drop());

  it('creates a document, its payload and the creation event in one step', async () => {
    const d = await createDocument(store, doc('accepted'), Buffer.from('<x/>'), { actor: 'test', reason: 'because' });
    assert.equal((await store.payload(d.id))!.toString(), '<x/>');
    const [e] = await store.events(d.id);
    assert.deepEqual([e!.fromStatus, e!.toStatus, e!.actor, e!.reason], [null, 'accepted', 'test', 'because']);
    assert.equal((await store.get(d.id))!.issueDate, '2026-11-28');
  });

  it('refuses a status a document cannot start in', async () => {
    await assert.rejects(createDocument(store, doc('accepted', 'inbound'), Buffer.from('<x/>'), { actor: 'test' }), (e: unknown) => e instanceof ApError && e.kind === 'state.invalid-transition');
  });

  it('refuses a move the table does not allow, leaving status and timeline as they were', async () => {
    const d = await createDocument(store, doc('accepted'), Buffer.from('<x/>'), { actor: 'test' });
    await assert.rejects(changeStatus(store, d.id, 'rejected', { actor: 'test' }), (e: unknown) => e instanceof ApError && e.kind === 'state.invalid-transition');
    assert.equal((await store.get(d.id))!.status, 'accepted');
    assert.equal((await store.events(d.id)).length, 1);
  });

  it('changes status only from the expected one (compare-and-set) and appends the event', async () => {
    const d = await createDocument(store, doc('accepted'), Buffer.from('<x/>'), { actor: 'test' });
    assert.equal(await store.setStatus(d.id, 'rejected', 'accepted', { actor: 'test' }), false);
    assert.equal(await store.setStatus(d.id, 'accepted', 'rejected', { actor: 'operator:test', reason: 'manual' }), true);
    const events = await store.events(d.id);
    assert.deepEqual(events.map((e) => [e.fromStatus, e.toStatus]), [[null, 'accepted'], ['accepted', 'rejected']]);
  });
});
