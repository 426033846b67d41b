/** POST /as4 end to end: receipt after durable commit, duplicates, SBDH repeats, routing to the inbox. */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { buildMultipartRelated, parseMimeMessage } from '../../src/as4/index.js';
import {
  BUYER,
  CREDIT_NOTE,
  CREDIT_NOTE_XML,
  header,
  inbox,
  INVOICE,
  INVOICE_XML,
  message,
  post,
  sbd,
  signal,
  startInboundEnv,
  SUPPLIER,
  type InboundEnv,
} from './support.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The invoice with another number (a different business document). */
const invoiceNumbered = (n: string) => Buffer.from(INVOICE_XML.toString('utf8').replace(/<cbc:ID>Snippet1<\/cbc:ID>/, `<cbc:ID>${n}</cbc:ID>`));

describe('inbound AS4 pipeline', function () {
  this.timeout(60_000);
  let env: InboundEnv;
  before(async () => {
    env = await startInboundEnv();
  });
  after(() => env?.close());

  const docCount = async () => Number((await env.db.knex('documents').count('* as n'))[0]!.n);
  const eventsOf = (id: string) => env.db.knex('document_events').where({ document_id: id }).orderBy('id');

  it('stores the document, answers a signed receipt with the NRR of our signature, routes it to the inbox as available', async () => {
    const m = await message(sbd({ xml: invoiceNumbered('HAPPY-1') }));
    const r = await post(env.url, m);
    assert.equal(r.status, 200, r.body.toString());
    const s = await signal(r, m);
    assert.equal(s.kind, 'receipt');
    assert.equal(s.signal.refToMessageId, m.messageId);
    assert.ok(s.nonRepudiation.length >= 2 && s.nonRepudiation.every((c) => c.result === 'ok'));

    const rec = await env.db.knex('as4_messages').where({ message_id: m.messageId }).first();
    assert.ok(rec, 'message record stored');
    assert.equal(rec.direction, 'inbound');
    assert.equal(rec.from_party_id, 'POP000001');
    assert.equal(rec.to_party_id, 'POP000002');
    assert.equal(rec.original_sender, SUPPLIER);
    assert.equal(rec.final_recipient, BUYER);
    assert.equal(rec.country_c1, 'BE');
    assert.equal(rec.conversation_id, m.conversationId);
    assert.deepEqual(Buffer.from(rec.receipt), r.body, 'the receipt sent is the receipt stored');
    assert.equal(rec.receipt_message_id, s.signal.messageId);
    assert.deepEqual(
      rec.signature_references.map((x: { digestValue: string }) => x.digestValue),
      m.signatureReferences.map((x) => x.digestValue),
    );

    await env.service.handover.idle();
    const doc = await env.documents.get(rec.document_id);
    assert.equal(doc?.status, 'available', JSON.stringify(doc?.validationReport?.issues.slice(0, 3)));
    assert.equal(doc?.invoiceNumber, 'HAPPY-1');
    assert.equal(doc?.receiverId, BUYER);
    assert.ok(doc?.validationReport?.valid);
    const payload = (await env.documents.payload(rec.document_id))!;
    assert.equal(sha(payload), sha(invoiceNumbered('HAPPY-1')), 'the inbox payload is the invoice byte for byte');
    const ev = await eventsOf(rec.document_id);
    assert.deepEqual(
      ev.map((e) => e.to_status),
      ['received', 'available'],
    );
  });

  it('routes a credit note too', async () => {
    const m = await message(sbd({ xml: CREDIT_NOTE_XML, documentType: CREDIT_NOTE.documentType, process: CREDIT_NOTE.process }), {
      header: header({ documentTypeId: CREDIT_NOTE.documentType.value, processId: CREDIT_NOTE.process.value }),
    });
    const r = await post(env.url, m);
    assert.equal(r.status, 200, r.body.toString());
    await env.service.handover.idle();
    const rec = await env.db.knex('as4_messages').where({ message_id: m.messageId }).first();
    const doc = await env.documents.get(rec.document_id);
    assert.equal(doc?.status, 'available');
    assert.equal(doc?.documentKind, 'CreditNote');
    assert.equal(sha((await env.documents.payload(rec.document_id))!), sha(CREDIT_NOTE_XML));
  });

  it('answers a duplicate MessageId with the same stored receipt, stores one document and records an event', async () => {
    const m = await message(sbd({ xml: invoiceNumbered('DUP-1') }));
    const first = await post(env.url, m);
    assert.equal(first.status, 200);
    const before = await docCount();
    const again = await post(env.url, m);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body, 'byte-identical receipt');
    assert.equal(await docCount(), before, 'no second document');
    const recs = await env.db.knex('as4_messages').where({ message_id: m.messageId });
    assert.equal(recs.length, 1);
    const ev = await eventsOf(recs[0].document_id);
    assert.ok(ev.some((e) => e.type === 'duplicate' && /received again/.test(e.reason)));
  });

  it('answers a rebuilt retransmission (same MessageId, signed anew) with a receipt over what it signed, storing nothing twice', async () => {
    const xml = invoiceNumbered('DUP-REBUILT');
    const m = await message(sbd({ xml }));
    assert.equal((await post(env.url, m)).status, 200);
    const before = await docCount();
    // The sender's first attempt was cut off before it recorded our receipt: it builds the message again.
    const rebuilt = await message(sbd({ xml }), { header: header({ messageId: m.messageId }) });
    assert.equal(rebuilt.messageId, m.messageId);
    const again = await post(env.url, rebuilt);
    assert.equal(again.status, 200);
    // signal() checks the receipt's non-repudiation information against the rebuilt message.
    assert.equal((await signal(again, rebuilt)).kind, 'receipt');
    assert.equal(await docCount(), before, 'no second document');
    const recs = await env.db.knex('as4_messages').where({ message_id: m.messageId });
    assert.equal(recs.length, 1);
    assert.ok((await eventsOf(recs[0].document_id)).some((e) => e.type === 'duplicate' && /signed anew/.test(e.reason)));
  });

  it('answers concurrent copies of one message with one stored document', async () => {
    const m = await message(sbd({ xml: invoiceNumbered('DUP-RACE') }));
    const before = await docCount();
    const rs = await Promise.all([post(env.url, m), post(env.url, m), post(env.url, m)]);
    for (const r of rs) assert.equal(r.status, 200);
    assert.ok(rs.every((r) => r.body.equals(rs[0]!.body)), 'every copy gets the one stored receipt');
    assert.equal(await docCount(), before + 1);
  });

  it('flags a repeated SBDH InstanceIdentifier under a new MessageId: receipt, record with duplicate_of, no second document', async () => {
    const instance = randomUUID();
    const payload = sbd({ instanceIdentifier: instance, xml: invoiceNumbered('REPEAT-1') });
    const a = await message(payload);
    const b = await message(payload);
    assert.equal((await post(env.url, a)).status, 200);
    const before = await docCount();
    const rb = await post(env.url, b);
    assert.equal(rb.status, 200);
    const sb = await signal(rb, b);
    assert.equal(sb.kind, 'receipt');
    assert.equal(await docCount(), before);
    const ra = await env.db.knex('as4_messages').where({ message_id: a.messageId }).first();
    const rrb = await env.db.knex('as4_messages').where({ message_id: b.messageId }).first();
    assert.equal(String(rrb.duplicate_of), String(ra.id));
    assert.equal(rrb.document_id, ra.document_id);
    // The document's evidence lists both messages that carried it.
    const evidence = await env.service.messages.forDocument(ra.document_id);
    assert.deepEqual(evidence.map((e) => e.messageId), [a.messageId, b.messageId]);
    assert.ok(evidence.every((e) => e.receipt && e.receiptMessageId && e.receiptAt));
    const ev = await eventsOf(ra.document_id);
    assert.ok(ev.some((e) => e.type === 'duplicate' && /InstanceIdentifier/.test(e.reason)));
  });

  it('stores a different document that reuses an InstanceIdentifier, flagged', async () => {
    const instance = randomUUID();
    const a = await message(sbd({ instanceIdentifier: instance, xml: invoiceNumbered('REUSE-A') }));
    const b = await message(sbd({ instanceIdentifier: instance, xml: invoiceNumbered('REUSE-B') }));
    assert.equal((await post(env.url, a)).status, 200);
    assert.equal((await post(env.url, b)).status, 200);
    const ra = await env.db.knex('as4_messages').where({ message_id: a.messageId }).first();
    const rb = await env.db.knex('as4_messages').where({ message_id: b.messageId }).first();
    assert.notEqual(rb.document_id, ra.document_id);
    assert.equal(String(rb.duplicate_of), String(ra.id));
    const ev = await eventsOf(rb.document_id);
    assert.match(ev[0].reason, /flagged: SBDH InstanceIdentifier repeats/);
  });

  it('flags a business duplicate (same supplier, buyer, number, date) and rejects it as Mercurius does', async () => {
    const a = await message(sbd({ xml: invoiceNumbered('BIZ-1') }));
    const b = await message(sbd({ xml: invoiceNumbered('BIZ-1') }));
    assert.equal((await post(env.url, a)).status, 200);
    assert.equal((await post(env.url, b)).status, 200);
    await env.service.handover.idle();
    const ra = await env.db.knex('as4_messages').where({ message_id: a.messageId }).first();
    const rb = await env.db.knex('as4_messages').where({ message_id: b.messageId }).first();
    const da = await env.db.knex('documents').where({ id: ra.document_id }).first();
    const db = await env.db.knex('documents').where({ id: rb.document_id }).first();
    assert.equal(da.status, 'available');
    assert.equal(db.status, 'rejected');
    assert.equal(db.duplicate_of, da.id);
    const types = (await eventsOf(db.id)).map((e) => e.type);
    assert.ok(types.includes('business-duplicate'));
  });

  it('among concurrent copies of one invoice (new InstanceIdentifiers), exactly one is available and the others are rejected as duplicates of it', async () => {
    const ms = await Promise.all([1, 2, 3, 4].map(() => message(sbd({ xml: invoiceNumbered('BIZ-RACE') }))));
    const rs = await Promise.all(ms.map((m) => post(env.url, m)));
    for (const r of rs) assert.equal(r.status, 200);
    await env.service.handover.idle();
    const docs = await env.db.knex('documents').where({ invoice_number: 'BIZ-RACE' }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
    assert.equal(docs.length, 4);
    // Concurrent transactions commit out of start order, so the original is the first committed and routed
    // copy, not necessarily the one with the earliest created_at.
    const available = docs.filter((d) => d.status === 'available');
    assert.equal(available.length, 1, 'exactly one copy reaches the inbox');
    for (const d of docs.filter((x) => x.id !== available[0].id)) {
      assert.equal(d.status, 'rejected');
      assert.equal(d.duplicate_of, available[0].id);
    }
  });

  it('rejects an invoice that fails validation, with the report stored and a negative response due', async () => {
    const broken = Buffer.from(INVOICE_XML.toString('utf8').replace(/<cbc:IssueDate>[^<]*<\/cbc:IssueDate>/, '').replace('Snippet1', 'BROKEN-1'));
    const m = await message(sbd({ xml: broken }));
    const r = await post(env.url, m);
    assert.equal(r.status, 200, 'the receipt does not depend on business validation');
    await env.service.handover.idle();
    const rec = await env.db.knex('as4_messages').where({ message_id: m.messageId }).first();
    const doc = await env.documents.get(rec.document_id);
    assert.equal(doc?.status, 'rejected');
    assert.equal(doc?.validationReport?.valid, false);
    assert.ok(doc?.validationReport?.issues.some((i) => i.flag === 'fatal'));
    const ev = await eventsOf(rec.document_id);
    assert.ok(ev.some((e) => e.to_status === 'rejected' && /validation failed/.test(e.reason)));
  });

  it('receipts a well-formed header with a malformed business document, then rejects it with a PARSE issue (header-only parse before the receipt)', async () => {
    const bad = '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>1</Invoice>';
    const m = await message(sbd({ xml: bad }));
    const r = await post(env.url, m);
    assert.equal(r.status, 200);
    await env.service.handover.idle();
    const rec = await env.db.knex('as4_messages').where({ message_id: m.messageId }).first();
    const doc = await env.documents.get(rec.document_id);
    assert.equal(doc?.status, 'rejected');
    assert.ok(doc?.validationReport?.issues.some((i) => i.layer === 'PARSE'));
  });

  it('reads an SBD whose root declares extra namespace prefixes through the full parse (serialised business document)', async () => {
    const text = sbd({ xml: invoiceNumbered('PREFIX-1') })
      .toString('utf8')
      .replace(/<StandardBusinessDocument xmlns="([^"]+)">/, '<StandardBusinessDocument xmlns="$1" xmlns:x="urn:example:unused">');
    const m = await message(Buffer.from(text));
    assert.equal((await post(env.url, m)).status, 200);
    await env.service.handover.idle();
    const rec = await env.db.knex('as4_messages').where({ message_id: m.messageId }).first();
    const doc = await env.documents.get(rec.document_id);
    assert.equal(doc?.status, 'available', JSON.stringify(doc?.validationReport?.issues.slice(0, 3)));
    assert.equal(doc?.invoiceNumber, 'PREFIX-1');
  });

  it('answers EBMS:0004 PEPPOL:NOT_SERVICED for a recipient not hosted here, storing nothing', async () => {
    const other = '0208:0203201340';
    const m = await message(sbd({ receiver: other }), { header: header({ finalRecipient: other }) });
    const before = await docCount();
    const r = await post(env.url, m);
    assert.equal(r.status, 400);
    const s = await signal(r);
    assert.equal(s.kind, 'error');
    assert.equal(s.signal.errors[0]!.errorCode, 'EBMS:0004');
    assert.equal(s.signal.errors[0]!.errorDetail, 'PEPPOL:NOT_SERVICED');
    assert.equal(s.signal.refToMessageId, m.messageId);
    assert.equal(await docCount(), before);
  });

  it('answers EBMS:0004 PEPPOL:NOT_SERVICED for a hosted recipient and a document type it does not accept', async () => {
    const orderType = { scheme: 'busdox-docid-qns', value: 'urn:oasis:names:specification:ubl:schema:xsd:Order-2::Order##urn:fdc:peppol.eu:poacc:trns:order:3::2.1' };
    const proc = { scheme: 'cenbii-procid-ubl', value: 'urn:fdc:peppol.eu:poacc:bis:ordering:3' };
    const order = '<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"><ID>1</ID></Order>';
    const m = await message(sbd({ documentType: orderType, process: proc, xml: order }), { header: header({ documentTypeId: orderType.value, processId: proc.value }) });
    const s = await signal(await post(env.url, m));
    assert.equal(s.signal.errors[0]!.errorCode, 'EBMS:0004');
    assert.equal(s.signal.errors[0]!.errorDetail, 'PEPPOL:NOT_SERVICED');
  });

  it('takes a process identifier scheme other than cenbii-procid-ubl as data: a process not served here is PEPPOL:NOT_SERVICED', async () => {
    const proc = { scheme: 'peppol-procid-test', value: INVOICE.process.value };
    const m = await message(sbd({ process: proc }), { header: header({ processScheme: proc.scheme }) });
    const s = await signal(await post(env.url, m));
    assert.equal(s.kind, 'error');
    assert.equal(s.signal.errors[0]!.errorCode, 'EBMS:0004');
    assert.equal(s.signal.errors[0]!.errorDetail, 'PEPPOL:NOT_SERVICED');
  });

  describe('inbox', () => {
    const ids: string[] = [];
    before(async () => {
      for (const n of ['INBOX-1', 'INBOX-2', 'INBOX-3']) {
        const m = await message(sbd({ xml: invoiceNumbered(n) }));
        assert.equal((await post(env.url, m)).status, 200);
        ids.push((await env.db.knex('as4_messages').where({ message_id: m.messageId }).first()).document_id);
      }
      await env.service.handover.idle();
    });

    it('lists available documents oldest first, pages with the cursor, returns the payload, and ack removes it', async () => {
      const all = (await (await inbox(env, `${BUYER}/documents?limit=500`)).json()) as { documents: Array<{ id: string; cursor: string; as4: { messageId: string } }> };
      const mine = all.documents.filter((d) => ids.includes(d.id)).map((d) => d.id);
      assert.deepEqual(mine, ids);
      assert.ok(all.documents.every((d) => d.as4.messageId));

      // Page through with limit=1 from the start: every document exactly once, in order.
      const seen: string[] = [];
      let cursor: string | null = null;
      for (;;) {
        const page = (await (await inbox(env, `${BUYER}/documents?limit=1${cursor ? `&receivedAfter=${encodeURIComponent(cursor)}` : ''}`)).json()) as {
          documents: Array<{ id: string }>;
          nextCursor: string | null;
        };
        if (page.documents.length === 0) break;
        seen.push(page.documents[0]!.id);
        cursor = page.nextCursor;
      }
      assert.deepEqual(seen, all.documents.map((d) => d.id));

      const one = (await (await inbox(env, `${BUYER}/documents/${ids[0]}`)).json()) as { payload: string; invoiceNumber: string; status: string };
      assert.equal(one.invoiceNumber, 'INBOX-1');
      assert.equal(sha(Buffer.from(one.payload, 'base64')), sha(invoiceNumbered('INBOX-1')));
      const raw = await inbox(env, `${BUYER}/documents/${ids[0]}/payload`);
      assert.match(raw.headers.get('content-type') ?? '', /xml/);
      assert.equal(sha(Buffer.from(await raw.arrayBuffer())), sha(invoiceNumbered('INBOX-1')));

      const ack = await inbox(env, `${BUYER}/documents/${ids[0]}/ack`, { method: 'POST' });
      assert.equal(ack.status, 200);
      const after = (await (await inbox(env, `${BUYER}/documents?limit=500`)).json()) as { documents: Array<{ id: string }> };
      assert.ok(!after.documents.some((d) => d.id === ids[0]), 'acknowledged documents leave the inbox');
      assert.ok(after.documents.some((d) => d.id === ids[1]));
      assert.equal((await env.documents.get(ids[0]!))?.status, 'acknowledged');
      // Ack again: idempotent.
      assert.equal((await inbox(env, `${BUYER}/documents/${ids[0]}/ack`, { method: 'POST' })).status, 200);
    });

    it('refuses requests without a key, and the key opens no other participant\'s inbox (404, as if absent)', async () => {
      assert.equal((await fetch(`${env.url}/api/v1/inbox/${BUYER}/documents`)).status, 401);
      assert.equal((await inbox(env, `0208:0203201340/documents`)).status, 404);
      assert.equal((await inbox(env, `0208:0203201340/documents/${ids[1]}`)).status, 404);
      assert.equal((await inbox(env, `${BUYER}/documents?receivedAfter=yesterday`)).status, 400);
    });
  });

  it('keeps the stored message when the MIME body is re-framed (same MessageId, new boundary): still a duplicate', async () => {
    const m = await message(sbd({ xml: invoiceNumbered('REFRAME') }));
    const first = await post(env.url, m);
    const parsed = parseMimeMessage(m.contentType, m.body);
    const reframed = buildMultipartRelated({ body: parsed.root.body }, parsed.attachments.map((a) => ({ body: a.body, contentId: a.contentId!, contentType: 'application/octet-stream' })));
    const again = await post(env.url, reframed);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
  });
});
