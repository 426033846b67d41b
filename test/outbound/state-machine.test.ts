import assert from 'node:assert/strict';
import { ApError } from '../../src/errors.js';
import { canCreate, canTransition, STATE_MACHINES, type Direction, type DocumentStatus } from '../../src/core/state-machine.js';
import { changeStatus, createDocument, type DocumentDraft } from '../../src/pipeline/state-machine.js';
import { PostgresDocumentStore } from '../../src/store/documents.js';
import { PostgresPayloadStore } from '../../src/store/payloads.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const doc = (status: DocumentStatus, direction: Direction = 'outbound'): DocumentDraft => ({
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

const invalidTransition = (e: unknown) => e instanceof ApError && e.kind === 'state.invalid-transition';

describe('document state machine', () => {
  let db: TestDatabase;
  let store: PostgresDocumentStore;
  before(async () => {
    db = await createTestDatabase();
    store = new PostgresDocumentStore(db.knex, new PostgresPayloadStore(db.knex));
  });
  after(() => db?.drop());

  it('has a table in which every target is a status of the same direction and final statuses lead nowhere', () => {
    for (const direction of ['outbound', 'inbound'] as const) {
      const m = STATE_MACHINES[direction];
      const statuses = Object.keys(m.transitions);
      for (const [from, targets] of Object.entries(m.transitions) as Array<[string, readonly string[]]>) {
        for (const to of targets) assert.ok(statuses.includes(to), `${direction}: ${from} -> ${to}`);
        if ((m.final as readonly string[]).includes(from)) assert.deepEqual(targets, [], `${direction}: final ${from} has moves`);
      }
    }
    assert.ok(canTransition('outbound', 'sending', 'delivered'));
    assert.ok(canTransition('outbound', 'retrying', 'sending'));
    assert.ok(!canTransition('outbound', 'queued', 'delivered'), 'delivery needs an attempt');
    assert.ok(!canTransition('outbound', 'delivered', 'sending'));
    assert.ok(!canTransition('outbound', 'failed', 'sending'));
    assert.ok(canTransition('inbound', 'received', 'available'));
    assert.ok(!canTransition('inbound', 'received', 'delivered'), 'outbound statuses are not inbound ones');
    assert.ok(canCreate('outbound', 'queued') && canCreate('inbound', 'received'));
    assert.ok(!canCreate('outbound', 'delivered') && !canCreate('inbound', 'queued'));
  });

  it('creates a document, its payload and the creation event in one step', async () => {
    const d = await createDocument(store, doc('queued'), Buffer.from('<x/>'), { actor: 'test', reason: 'because' });
    assert.equal((await store.payload(d.id))!.toString(), '<x/>');
    const [e] = await store.events(d.id);
    assert.deepEqual([e!.fromStatus, e!.toStatus, e!.actor, e!.reason], [null, 'queued', 'test', 'because']);
  });

  it('refuses a status a document cannot start in', async () => {
    await assert.rejects(createDocument(store, doc('delivered'), Buffer.from('<x/>'), { actor: 'test' }), invalidTransition);
    await assert.rejects(createDocument(store, doc('queued', 'inbound'), Buffer.from('<x/>'), { actor: 'test' }), invalidTransition);
    assert.equal(Number((await db.knex('documents').where({ status: 'delivered' }).count({ n: '*' }))[0]!.n), 0);
  });

  it('refuses an illegal move, leaving status and timeline as they were', async () => {
    const d = await createDocument(store, doc('queued'), Buffer.from('<x/>'), { actor: 'test' });
    await assert.rejects(changeStatus(store, d.id, 'delivered', { actor: 'test' }), invalidTransition);
    await assert.rejects(changeStatus(store, d.id, 'available', { actor: 'test' }), invalidTransition);
    assert.equal((await store.get(d.id))!.status, 'queued');
    assert.equal((await store.events(d.id)).length, 1);
  });

  it('walks a legal path, appending one event per move with time, from, to, reason and actor', async () => {
    const d = await createDocument(store, doc('queued'), Buffer.from('<x/>'), { actor: 'api' });
    assert.equal(await changeStatus(store, d.id, 'sending', { actor: 'job', reason: 'attempt 1' }), true);
    assert.equal(await changeStatus(store, d.id, 'retrying', { actor: 'job', reason: 'HTTP 503' }), true);
    assert.equal(await changeStatus(store, d.id, 'sending', { actor: 'job', reason: 'attempt 2' }), true);
    assert.equal(await changeStatus(store, d.id, 'delivered', { actor: 'job', reason: 'receipt' }), true);
    const events = await store.events(d.id);
    assert.deepEqual(
      events.map((e) => [e.fromStatus, e.toStatus, e.actor, e.reason]),
      [[null, 'queued', 'api', null], ['queued', 'sending', 'job', 'attempt 1'], ['sending', 'retrying', 'job', 'HTTP 503'], ['retrying', 'sending', 'job', 'attempt 2'], ['sending', 'delivered', 'job', 'receipt']],
    );
    assert.ok(events.every((e) => e.at instanceof Date));
  });

  it('applies a change only from the expected status (compare-and-set): the second of two claims loses', async () => {
    const d = await createDocument(store, doc('queued'), Buffer.from('<x/>'), { actor: 'test' });
    const expected = { expected: { direction: 'outbound' as const, from: 'queued' as const } };
    const [a, b] = await Promise.all([
      changeStatus(store, d.id, 'sending', { actor: 'w1' }, expected),
      changeStatus(store, d.id, 'sending', { actor: 'w2' }, expected),
    ]);
    assert.deepEqual([a, b].sort(), [false, true]);
    assert.equal((await store.events(d.id)).length, 2);
  });

  it('commits a change with the caller\'s other writes, or not at all', async () => {
    const d = await createDocument(store, doc('queued'), Buffer.from('<x/>'), { actor: 'test' });
    await assert.rejects(
      db.knex.transaction(async (tx) => {
        await changeStatus(store, d.id, 'sending', { actor: 'test' }, { expected: { direction: 'outbound', from: 'queued' }, tx });
        throw new Error('later write failed');
      }),
      /later write failed/,
    );
    assert.equal((await store.get(d.id))!.status, 'queued');
    assert.equal((await store.events(d.id)).length, 1);
  });
});
