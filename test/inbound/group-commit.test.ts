/**
 * Group commit of received messages (As4MessageStore.storeReceived): many concurrent stores share
 * statements, yet each message's rows are its own (document, payload, creation event, message record with
 * its receipt), and a duplicate key among a group gives that caller its duplicate outcome while the others
 * are stored.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { checkCreate } from '../../src/core/state-machine.js';
import { As4MessageStore, type ReceivedDocument, type ReceivedMessage } from '../../src/store/as4-messages.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

function received(i: number, ids: { messageId: string; instanceId: string }): { message: ReceivedMessage; doc: ReceivedDocument } {
  const payload = Buffer.from(`<Invoice><ID>GROUP-${i}</ID>${'x'.repeat(i * 7)}</Invoice>`);
  return {
    message: {
      headers: {
        messageId: ids.messageId,
        conversationId: `conv-${i}`,
        fromPartyId: 'POP000001',
        toPartyId: 'POP000002',
        originalSender: '0208:0123456749',
        finalRecipient: '0208:0987654394',
        sbdhInstanceId: ids.instanceId,
        countryC1: 'BE',
        service: 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0',
        action: 'busdox-docid-qns::invoice',
        signatureReferences: [{ uri: `cid:${i}`, digestMethod: 'http://www.w3.org/2001/04/xmlenc#sha256', digestValue: `d${i}` }] as never,
        mlsTo: null,
        mlsType: null,
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
      invoiceNumber: `GROUP-${i}`,
      issueDate: '2026-11-28',
      initial: checkCreate('inbound', 'received'),
      payload,
      reporting: null,
    payloadSha256: createHash('sha256').update(payload).digest('hex'),
      event: { reason: `received ${i}`, actor: 'as4', details: { n: i } },
    },
  };
}

describe('inbound: group commit of received messages', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db?.drop());

  it('stores 60 concurrent messages, each with its own rows, and refuses the duplicates among them one by one', async () => {
    const store = new As4MessageStore(db.knex);
    const ids = Array.from({ length: 60 }, () => ({ messageId: `${randomUUID()}@test`, instanceId: randomUUID() }));
    // Message 50 repeats 10's MessageId, 55 repeats 20's InstanceIdentifier.
    ids[50] = { messageId: ids[10]!.messageId, instanceId: randomUUID() };
    ids[55] = { messageId: `${randomUUID()}@test`, instanceId: ids[20]!.instanceId };
    const inputs = ids.map((x, i) => received(i, x));
    const results = await Promise.all(inputs.map(({ message, doc }) => store.storeReceived(message, doc)));

    const refused = results.flatMap((r, i) => (r.duplicate !== undefined ? [[i, r.duplicate] as const] : []));
    assert.equal(refused.length, 2, JSON.stringify(refused));
    for (const [i, key] of refused) assert.ok((i === 10 || i === 50) ? key === 'message' : key === 'instance', `${i}: ${key}`);
    for (const [i, r] of results.entries()) {
      if (r.stored === undefined) continue;
      const { documentId, recordId } = r.stored;
      const { message, doc } = inputs[i]!;
      const d = await db.knex('documents').where({ id: documentId }).first();
      assert.equal(d.invoice_number, `GROUP-${i}`);
      assert.equal(d.payload_sha256, doc.payloadSha256);
      assert.equal(d.payload_size, (doc.payload as Buffer).length);
      assert.equal(d.status, 'received');
      const p = await db.knex('payloads').where({ document_id: documentId }).first();
      assert.deepEqual(Buffer.from(p.content), doc.payload);
      const m = await db.knex('as4_messages').where({ id: recordId }).first();
      assert.equal(m.document_id, documentId);
      assert.equal(m.message_id, message.headers.messageId);
      assert.equal(m.sbdh_instance_id, message.headers.sbdhInstanceId);
      assert.equal(m.conversation_id, `conv-${i}`);
      assert.deepEqual(Buffer.from(m.receipt), message.receipt.soap);
      assert.deepEqual(m.signature_references, message.headers.signatureReferences);
      const ev = await db.knex('document_events').where({ document_id: documentId });
      assert.equal(ev.length, 1);
      assert.equal(ev[0].to_status, 'received');
      assert.equal(ev[0].reason, `received ${i}`);
      assert.deepEqual(ev[0].details, { n: i });
    }
    assert.equal(Number((await db.knex('documents').count('* as n'))[0]!.n), 58);
    assert.equal(Number((await db.knex('as4_messages').count('* as n'))[0]!.n), 58);
  });
});
