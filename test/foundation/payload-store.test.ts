/**
 * The payload store owns the payloads: with a store outside the database (files here, an object store in
 * production one day), inbound storing (one message and a group commit), outbound submission, the claim
 * of an attempt and the documents API's reads all go through it, and the `payloads` table stays empty.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCreate, checkTransition } from '../../src/core/state-machine.js';
import { As4MessageStore, type ReceivedDocument, type ReceivedMessage } from '../../src/store/as4-messages.js';
import { PostgresDeliveryStore } from '../../src/store/deliveries.js';
import { PostgresDocumentStore } from '../../src/store/documents.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FilePayloadStore } from '../support/file-payload-store.js';

function received(i: number): { message: ReceivedMessage; doc: ReceivedDocument } {
  const payload = Buffer.from(`<Invoice><ID>FILE-${i}</ID></Invoice>`);
  return {
    message: {
      headers: {
        messageId: `${randomUUID()}@test`,
        conversationId: `conv-${i}`,
        fromPartyId: 'POP000001',
        toPartyId: 'POP000002',
        originalSender: '0208:0123456749',
        finalRecipient: '0208:0987654394',
        sbdhInstanceId: randomUUID(),
        countryC1: 'BE',
        service: 'urn:proc',
        action: 'busdox-docid-qns::invoice',
        signatureReferences: null, mlsTo: null, mlsType: null,
      },
      receipt: { messageId: `receipt-${i}@test`, soap: Buffer.from(`<receipt n="${i}"/>`) },
      duplicateOf: null,
    },
    doc: {
      senderId: '0208:0123456749',
      receiverId: '0208:0987654394',
      documentKind: 'Invoice',
      documentType: 'x',
      process: 'p',
      invoiceNumber: `FILE-${i}`,
      issueDate: '2026-11-28',
      initial: checkCreate('inbound', 'received'),
      payload,
      reporting: null,
    payloadSha256: createHash('sha256').update(payload).digest('hex'),
      event: { reason: `received ${i}`, actor: 'as4', details: null },
    },
  };
}

describe('payloads in a payload store outside the database', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let dir: string;
  let payloads: FilePayloadStore;
  let documents: PostgresDocumentStore;
  before(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'ap-payloads-'));
    payloads = new FilePayloadStore(dir);
    documents = new PostgresDocumentStore(db.knex, payloads);
  });
  after(async () => {
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const payloadRows = async () => Number((await db.knex('payloads').count('* as n'))[0]!.n);

  it('stores received messages, alone and in a group commit, with their payloads in the store', async () => {
    const messages = new As4MessageStore(db.knex, payloads);
    const one = received(0);
    const alone = await messages.storeReceived(one.message, one.doc);
    const group = Array.from({ length: 12 }, (_, i) => received(i + 1));
    const results = await Promise.all(group.map(({ message, doc }) => messages.storeReceived(message, doc)));
    for (const [r, { doc }] of [[alone, one], ...results.map((r, i) => [r, group[i]!] as const)] as const) {
      assert.ok(r.stored, 'stored');
      assert.deepEqual(await documents.payload(r.stored.documentId), doc.payload);
      assert.equal((await documents.get(r.stored.documentId))!.invoiceNumber, doc.invoiceNumber);
    }
    assert.equal(await payloadRows(), 0);
  });

  it('submits an outbound document and hands its payload to the claim of an attempt', async () => {
    const deliveries = new PostgresDeliveryStore(db.knex, payloads);
    const payload = Buffer.from('<Invoice><ID>OUT-1</ID></Invoice>');
    const { document, jobId } = await deliveries.createQueued(
      {
        initial: checkCreate('outbound', 'queued'),
        senderId: '0208:0123456749',
        receiverId: '0208:0987654321',
        documentKind: 'Invoice',
        documentType: 'urn:doc',
        process: 'urn:proc',
        invoiceNumber: 'OUT-1',
        issueDate: '2026-11-28',
        payloadSha256: createHash('sha256').update(payload).digest('hex'),
        validationReport: null,
      },
      payload,
      { actor: 'api', reason: 'queued' },
      { as4MessageId: 'm1@test', conversationId: 'c1', sbdhInstanceId: 'i1', countryC1: 'BE' },
      { maxAttempts: 5, dueAt: new Date(), heldBy: { runnerId: 'r', leaseMs: 30_000 } },
    );
    assert.ok((await readdir(dir)).includes(document.id), "the payload is put before the statement");
    const claimed = await deliveries.claimAttempt(document.id, [checkTransition('-', 'outbound', 'queued', 'sending')], { jobId, runnerId: 'r', attempts: 1 }, 60_000, 'job:outbound');
    assert.ok(typeof claimed === 'object');
    assert.equal(claimed.doc.status, 'sending');
    assert.deepEqual(claimed.payload, payload);
    assert.equal(await payloadRows(), 0);
  });
});
