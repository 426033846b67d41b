/**
 * The one-statement writes of the outbound success path (src/store/deliveries.ts): each commits all of its
 * rows or none, moves a document only from the status the caller expected (compare-and-set), and acts only
 * for the holder of the document's job.
 */
import assert from 'node:assert/strict';
import { checkCreate, checkTransition } from '../../src/core/state-machine.js';
import { OUTBOUND_JOB, PostgresDeliveryStore } from '../../src/store/deliveries.js';
import { PostgresDocumentStore, type NewDocument } from '../../src/store/documents.js';
import { PostgresJobStore, type JobLease } from '../../src/store/jobs.js';
import { PostgresPayloadStore } from '../../src/store/payloads.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const newDoc = (invoiceNumber: string): NewDocument => ({
  initial: checkCreate('outbound', 'queued'),
  senderId: '0208:0123456749',
  receiverId: '0208:0987654321',
  documentKind: 'Invoice',
  documentType: 'urn:doc',
  process: 'urn:proc',
  invoiceNumber,
  issueDate: '2026-11-28',
  payloadSha256: 'c'.repeat(64),
  validationReport: { valid: true, issues: [] } as unknown as NewDocument['validationReport'],
});

describe('outbound delivery statements', () => {
  let db: TestDatabase;
  let documents: PostgresDocumentStore;
  let deliveries: PostgresDeliveryStore;
  let jobs: PostgresJobStore;
  let n = 0;
  const runnerId = 'test-host:1:runner';
  const claimMoves = [checkTransition('-', 'outbound', 'queued', 'sending')];
  before(async () => {
    db = await createTestDatabase();
    documents = new PostgresDocumentStore(db.knex, new PostgresPayloadStore(db.knex));
    deliveries = new PostgresDeliveryStore(db.knex);
    jobs = new PostgresJobStore(db.knex);
  });
  after(() => db?.drop());

  /** A queued document whose job is held by `runnerId` (its first attempt here), or queued for any runner. */
  async function queued(held = true) {
    n++;
    const ids = { as4MessageId: `m${n}@test`, conversationId: `c${n}`, sbdhInstanceId: `i${n}`, countryC1: 'NL' };
    const { document: doc, jobId } = await deliveries.createQueued(newDoc(`INV-${n}`), Buffer.from(`<x n="${n}"/>`), { actor: 'api', reason: 'queued', details: { n } }, ids, {
      maxAttempts: 5,
      dueAt: new Date(Date.now() + 60_000),
      heldBy: held ? { runnerId, leaseMs: 30_000 } : null,
    });
    const lease: JobLease = { jobId, runnerId, attempts: 1 };
    return { doc, ids, lease };
  }

  it('stores a queued document with its payload, creation event, delivery row (the supplier\'s country too) and job', async () => {
    const { doc, ids, lease } = await queued(false);
    assert.deepEqual(await documents.get(doc.id), doc);
    assert.deepEqual([doc.status, doc.issueDate, doc.payloadSize, doc.validationReport], ['queued', '2026-11-28', 10, { valid: true, issues: [] }]);
    assert.equal((await documents.payload(doc.id))!.toString(), `<x n="${n}"/>`);
    const events = await documents.events(doc.id);
    assert.deepEqual(events.map((e) => [e.type, e.fromStatus, e.toStatus, e.actor, e.reason, e.details]), [['status', null, 'queued', 'api', 'queued', { n }]]);
    const d = await deliveries.get(doc.id);
    assert.deepEqual([d!.attempts, d!.as4MessageId, d!.conversationId, d!.sbdhInstanceId, d!.countryC1, d!.leaseUntil], [0, ids.as4MessageId, ids.conversationId, ids.sbdhInstanceId, 'NL', null]);
    assert.ok(d!.nextAttemptAt! > new Date());
    const job = (await jobs.get(lease.jobId))!;
    assert.deepEqual([job.kind, job.payload, job.uniqueKey, job.status, job.attempts, job.maxAttempts, job.leasedBy], [OUTBOUND_JOB, { documentId: doc.id }, doc.id, 'queued', 0, 5, null]);
  });

  it('stores a document whose job is held by the runner that makes its first attempt', async () => {
    const { doc, lease } = await queued();
    const job = (await jobs.get(lease.jobId))!;
    assert.deepEqual([job.status, job.attempts, job.leasedBy], ['running', 1, runnerId]);
    assert.ok(job.leaseUntil! > new Date(Date.now() + 20_000) && job.leaseUntil! <= new Date(Date.now() + 30_000));
    const d = (await deliveries.get(doc.id))!;
    assert.deepEqual([d.attempts, d.nextAttemptAt, d.leaseUntil?.getTime()], [0, null, job.leaseUntil!.getTime()]);
  });

  it('claims an attempt once: of two concurrent claims one wins, and the loser writes nothing', async () => {
    const { doc, lease } = await queued();
    const results = await Promise.all([1, 2].map(() => deliveries.claimAttempt(doc.id, claimMoves, lease, 60_000, 'job:outbound')));
    const won = results.filter((r) => typeof r === 'object');
    assert.equal(won.length, 1);
    assert.ok(results.includes('unmoved'));
    const c = won[0]!;
    assert.equal(c.doc.status, 'sending');
    assert.equal(c.payload!.toString(), `<x n="${n}"/>`);
    assert.equal(c.delivery.attempts, 1);
    assert.equal(c.delivery.nextAttemptAt, null);
    assert.ok(c.delivery.leaseUntil! > new Date(Date.now() + 50_000), 'the job\'s lease is extended to the attempt\'s');
    assert.deepEqual(await deliveries.get(doc.id), c.delivery);
    const events = await documents.events(doc.id);
    assert.deepEqual(events.map((e) => [e.fromStatus, e.toStatus, e.actor, e.reason, e.details]).slice(1), [['queued', 'sending', 'job:outbound', 'attempt 1', { attempt: 1 }]]);
  });

  it('does not claim a document without a delivery row', async () => {
    const doc = await documents.create(newDoc('NO-DELIVERY'), Buffer.from('<x/>'), { actor: 'test' });
    const job = (await jobs.enqueue({ kind: OUTBOUND_JOB, payload: { documentId: doc.id }, maxAttempts: 5, uniqueKey: doc.id, heldBy: { runnerId, leaseMs: 30_000 } }))!;
    assert.equal(await deliveries.claimAttempt(doc.id, claimMoves, { jobId: job.id, runnerId, attempts: 1 }, 60_000, 'job:outbound'), 'unmoved');
    assert.equal((await documents.get(doc.id))!.status, 'queued');
    assert.equal((await documents.events(doc.id)).length, 1);
  });

  it('does not claim for a runner that does not hold the job', async () => {
    const { doc, lease } = await queued();
    for (const other of [{ ...lease, runnerId: 'elsewhere:2:x' }, { ...lease, attempts: 2 }]) {
      assert.equal(await deliveries.claimAttempt(doc.id, claimMoves, other, 60_000, 'job:outbound'), 'lost');
    }
    assert.equal((await documents.get(doc.id))!.status, 'queued');
    assert.equal((await documents.events(doc.id)).length, 1);
    assert.equal((await deliveries.get(doc.id))!.attempts, 0);
  });

  it('records a delivery with its event, message record, attempt and the job done, only from the expected status', async () => {
    const { doc, ids, lease } = await queued();
    const claimed = await deliveries.claimAttempt(doc.id, claimMoves, lease, 60_000, 'job:outbound');
    assert.ok(typeof claimed === 'object');
    const at = new Date();
    const record = () =>
      deliveries.recordDelivered(
        doc.id,
        checkTransition(doc.id, 'outbound', 'sending', 'delivered'),
        { actor: 'job:outbound', reason: 'receipt r1 verified', details: { attempt: 1 } },
        { countryC1: 'BE', endpointUrl: 'https://b.test/as4', receiverSeatId: 'PBE000002', deliveredAt: at },
        {
          messageId: ids.as4MessageId,
          conversationId: ids.conversationId,
          fromPartyId: 'PBE000001',
          toPartyId: 'PBE000002',
          originalSender: '0208:0123456749',
          finalRecipient: '0208:0987654321',
          sbdhInstanceId: ids.sbdhInstanceId,
          service: 'urn:proc',
          action: 'busdox-docid-qns::urn:doc',
          signatureReferences: [{ uri: '#body' }],
          receiptMessageId: 'r1',
          receipt: Buffer.from('<receipt/>'),
          receiptAt: at,
        },
        { attempt: claimed.delivery.attempts, startedAt: at, httpStatus: 200 },
        lease,
        {
          exchangedAt: at,
          direction: 'outgoing',
          ourSeat: 'PBE000001',
          otherSeat: 'PBE000002',
          documentType: 'urn:doc',
          process: 'urn:proc',
          transportProfile: 'peppol-transport-as4-v2_0',
          c1Country: 'BE',
          c4Country: null,
          ourParticipant: '0208:0123456749',
          endUser: '0208:0123456749',
          countsInEusr: true,
        },
      );
    assert.equal(await record(), true);
    assert.equal(await record(), false, 'no longer in sending');
    assert.equal((await documents.get(doc.id))!.status, 'delivered');
    const events = await documents.events(doc.id);
    assert.deepEqual(events.map((e) => [e.fromStatus, e.toStatus, e.reason]), [[null, 'queued', 'queued'], ['queued', 'sending', 'attempt 1'], ['sending', 'delivered', 'receipt r1 verified']]);
    const d = (await deliveries.get(doc.id))!;
    assert.deepEqual([d.countryC1, d.endpointUrl, d.receiverSeatId, d.deliveredAt?.getTime(), d.nextAttemptAt, d.leaseUntil, d.lastError], ['BE', 'https://b.test/as4', 'PBE000002', at.getTime(), null, null, null]);
    assert.deepEqual(await deliveries.evidence(doc.id), { messageId: ids.as4MessageId, receiptMessageId: 'r1', receiptAt: at, toPartyId: 'PBE000002' });
    assert.equal((await deliveries.receipt(doc.id))!.toString(), '<receipt/>');
    const m = await db.knex('as4_messages').where({ document_id: doc.id });
    assert.equal(m.length, 1, 'the second call wrote nothing');
    assert.deepEqual([m[0].direction, m[0].country_c1, m[0].signature_references, m[0].dedup_message_id], ['outbound', 'BE', [{ uri: '#body' }], null]);
    assert.deepEqual((await deliveries.attempts(doc.id)).map((a) => [a.attempt, a.outcome, a.endpointUrl, a.httpStatus]), [[1, 'delivered', 'https://b.test/as4', 200]]);
    const job = (await jobs.get(lease.jobId))!;
    assert.deepEqual([job.status, job.attempts, job.leasedBy, job.leaseUntil], ['done', 1, null, null]);
    const items = await db.knex('reporting_items').where({ document_id: doc.id });
    assert.deepEqual(
      items.map((i) => [i.direction, i.other_seat, i.document_type, i.c1_country, i.c4_country, i.end_user, i.exchanged_at.getTime()]),
      [['outgoing', 'PBE000002', 'urn:doc', 'BE', null, '0208:0123456749', at.getTime()]],
      'one reporting item, written by the statement that delivered it',
    );
  });
});
