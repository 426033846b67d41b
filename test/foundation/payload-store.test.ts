/**
 * The payload store owns the payloads: with a store outside the database (files, and S3 on a local
 * S3-compatible server), inbound storing (one message and a group commit), outbound submission, the claim
 * of an attempt and the documents API's reads all go through it, and the `payloads` table stays empty.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCreate, checkTransition } from '../../src/core/state-machine.js';
import { As4MessageStore, type ReceivedDocument, type ReceivedMessage } from '../../src/store/as4-messages.js';
import { PostgresDeliveryStore } from '../../src/store/deliveries.js';
import { PostgresDocumentStore } from '../../src/store/documents.js';
import type { PayloadStore } from '../../src/store/payloads.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FilePayloadStore } from '../support/file-payload-store.js';
import { startLocalS3, type LocalS3 } from '../support/s3.js';

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

/** A payload store outside the database, and how to dispose of it. */
interface OutsideStore {
  name: string;
  open(db: TestDatabase): Promise<{ payloads: PayloadStore; close(): Promise<void> }>;
}

const OUTSIDE: OutsideStore[] = [
  {
    name: 'files',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'ap-payloads-'));
      return { payloads: new FilePayloadStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'S3 (a local S3-compatible server)',
    async open(db) {
      const s3: LocalS3 = await startLocalS3();
      return { payloads: s3.stores(db.knex).payloads, close: () => s3.close() };
    },
  },
];

for (const outside of OUTSIDE) describe(`payloads in a payload store outside the database: ${outside.name}`, function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let store: { payloads: PayloadStore; close(): Promise<void> };
  let payloads: PayloadStore;
  let documents: PostgresDocumentStore;
  before(async () => {
    db = await createTestDatabase();
    store = await outside.open(db);
    payloads = store.payloads;
    documents = new PostgresDocumentStore(db.knex, payloads);
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });

  it('puts, gets, replaces and deletes bytes by key; a missing key is null', async () => {
    const key = randomUUID();
    assert.equal(await payloads.get(key), null);
    await payloads.put(key, Buffer.from('one'));
    await payloads.put(key, Buffer.from('two'));
    assert.deepEqual(await payloads.get(key), Buffer.from('two'));
    await payloads.delete(key);
    assert.equal(await payloads.get(key), null);
    await payloads.delete(key);
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

  it('stores a large received document from its file as a stream and reads it back as one', async () => {
    const messages = new As4MessageStore(db.knex, payloads);
    const dir = await mkdtemp(join(tmpdir(), 'ap-large-'));
    try {
      const content = randomBytes(3 * 1024 * 1024 + 17);
      const path = join(dir, 'document');
      await writeFile(path, content);
      const one = received(100);
      const r = await messages.storeReceived(one.message, { ...one.doc, payload: { path, bytes: content.length } });
      assert.ok(r.stored, 'stored');
      assert.deepEqual(await documents.payload(r.stored.documentId), content);
      const chunks = (await documents.payloadStream(r.stored.documentId))!;
      const parts: Buffer[] = [];
      for await (const c of chunks) parts.push(Buffer.from(c));
      assert.deepEqual(Buffer.concat(parts), content);
      assert.equal((await documents.get(r.stored.documentId))!.payloadSize, content.length);
      assert.equal(await payloadRows(), 0);
      assert.equal(Number((await db.knex('payload_chunks').count('* as n'))[0]!.n), 0, 'nothing in the database');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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
    assert.deepEqual(await payloads.get(document.id), payload, 'the payload is put before the statement');
    const claimed = await deliveries.claimAttempt(document.id, [checkTransition('-', 'outbound', 'queued', 'sending')], { jobId, runnerId: 'r', attempts: 1 }, 60_000, 'job:outbound');
    assert.ok(typeof claimed === 'object');
    assert.equal(claimed.doc.status, 'sending');
    assert.deepEqual(claimed.payload, payload);
    assert.equal(await payloadRows(), 0);
  });
});
