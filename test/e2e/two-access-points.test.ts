/**
 * Two access points, A and B, each with its own database, seat-id certificate and SMP; the local SML zone
 * points B's participants to B's SMP. Documents submitted to A's API travel over real discovery and real
 * AS4 to B's inbox.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseExposition, sampleValue } from '../support/prometheus-text.js';
import { belgianParticipant, startNetwork, ublDocument, type E2eNetwork, type TestAp } from './harness.js';

const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('two access points: A sends to B over SML/SMP and AS4', function () {
  this.timeout(90_000);
  let net: E2eNetwork;
  let a: TestAp;
  let b: TestAp;
  const supplier = belgianParticipant(1111111); // hosted at A (sender)
  const buyer = belgianParticipant(2222222); // hosted at B
  const localBuyer = belgianParticipant(3333333); // hosted at A too
  const unregistered = belgianParticipant(4444444);

  before(async () => {
    net = await startNetwork();
    a = await net.startAp('A', 'PBE000101');
    b = await net.startAp('B', 'PBE000202');
    await a.host(supplier);
    await a.host(localBuyer);
    await b.host(buyer);
  });
  after(() => net?.close());

  /** Waits for the document with this payload hash to be available in B's inbox; returns its payload. */
  async function inboxPayload(ap: TestAp, participant: string, payloadSha256: string): Promise<Buffer> {
    const end = Date.now() + 20_000;
    for (;;) {
      const list = (await (await ap.inbox(participant)).json()) as { documents: Array<{ id: string; status: string; payloadSha256: string }> };
      const item = list.documents.find((d) => d.payloadSha256 === payloadSha256);
      if (item) {
        assert.equal(item.status, 'available');
        return Buffer.from(await (await ap.inbox(participant, `documents/${item.id}/payload`)).arrayBuffer());
      }
      if (Date.now() > end) throw new Error(`no document ${payloadSha256} in the inbox of ${participant} at ${ap.name}: ${JSON.stringify(list)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  for (const kind of ['invoice', 'creditnote'] as const) {
    it(`delivers a${kind === 'invoice' ? 'n invoice' : ' credit note'}: delivered at A with B's receipt, available at B with identical bytes`, async () => {
      const xml = ublDocument(kind, supplier, buyer);
      const submitted = await a.submit(xml);
      assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
      assert.equal(submitted.body.status, 'queued');
      const doc = await a.waitFor(submitted.body.id, ['delivered', 'failed', 'undeliverable']);
      assert.equal(doc.status, 'delivered', JSON.stringify(doc.delivery));

      // A's evidence: B's receipt, stored, signed by B's certificate, for the message we sent.
      assert.equal(doc.delivery.receiverSeatId, 'PBE000202');
      assert.equal(doc.delivery.countryC1, 'GB', 'COUNTRY_C1 from the supplier postal address of the example');
      assert.match(doc.delivery.evidence.receiptMessageId, /\S+/);
      assert.ok(doc.delivery.evidence.receiptAt);
      assert.deepEqual(doc.events.map((e: any) => e.toStatus), ['queued', 'sending', 'delivered']);
      const receipt = Buffer.from(await (await a.api(doc.delivery.evidence.receiptHref)).arrayBuffer()).toString();
      assert.ok(receipt.includes(doc.delivery.evidence.receiptMessageId));
      assert.ok(receipt.includes(`<eb:RefToMessageId>${doc.delivery.as4MessageId}</eb:RefToMessageId>`) || receipt.includes(doc.delivery.as4MessageId));
      assert.ok(receipt.includes(b.cert.cert.raw.toString('base64').slice(0, 60)), 'signed with B\'s certificate (BST)');

      // B: the same message id on record, and the document in the buyer's inbox with identical bytes.
      const got = await inboxPayload(b, buyer, sha256(xml));
      assert.equal(sha256(got), sha256(xml));
      const record = await b.db.knex('as4_messages').where({ direction: 'inbound', message_id: doc.delivery.as4MessageId }).first();
      assert.ok(record, 'B recorded the AS4 message');
      assert.equal(record.receipt_message_id, doc.delivery.evidence.receiptMessageId);
      assert.equal(record.from_party_id, 'PBE000101');
      assert.equal(record.country_c1, 'GB');

      // B's documents API shows that record as the inbound document's reception evidence, with the receipt it sent.
      const inbound = await b.get(record.document_id);
      assert.equal(inbound.direction, 'inbound');
      assert.equal(inbound.reception.as4MessageId, doc.delivery.as4MessageId);
      assert.equal(inbound.reception.conversationId, doc.delivery.conversationId);
      assert.equal(inbound.reception.senderSeatId, 'PBE000101');
      assert.equal(inbound.reception.receiptMessageId, doc.delivery.evidence.receiptMessageId);
      assert.ok(inbound.reception.receiptSentAt);
      assert.deepEqual(inbound.reception.repeats, []);
      const sentReceipt = Buffer.from(await (await b.api(inbound.reception.receiptHref)).arrayBuffer()).toString();
      assert.ok(sentReceipt.includes(doc.delivery.evidence.receiptMessageId), 'the receipt B answered');
    });
  }

  it('marks a document for an unregistered participant undeliverable at once, with the reason', async () => {
    const submitted = await a.submit(ublDocument('invoice', supplier, unregistered));
    assert.equal(submitted.status, 201);
    const doc = await a.waitFor(submitted.body.id, ['undeliverable', 'failed', 'delivered']);
    assert.equal(doc.status, 'undeliverable');
    assert.equal(doc.delivery.attempts, 1, 'no retry for a permanent failure');
    assert.equal(doc.delivery.lastError.kind, 'sml.not-registered');
    assert.match(doc.events.at(-1).reason, /not registered/i);
  });

  it('retries while the receiving AP is down and delivers once it is back', async () => {
    await b.down();
    const xml = ublDocument('invoice', supplier, buyer);
    const submitted = await a.submit(xml);
    assert.equal(submitted.status, 201);
    // Wait for at least two failed attempts (SMP unreachable or AS4 endpoint refusing connections).
    const end = Date.now() + 15_000;
    let doc;
    for (;;) {
      doc = await a.get(submitted.body.id);
      if (doc.events.filter((e: any) => e.toStatus === 'retrying').length >= 2) break;
      assert.ok(Date.now() < end, `no retries seen: ${JSON.stringify(doc.events)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(doc.status === 'retrying' || doc.status === 'sending', true, doc.status);
    assert.ok(doc.delivery.lastError, 'the failure is recorded');
    await b.up();
    doc = await a.waitFor(submitted.body.id, ['delivered', 'failed', 'undeliverable'], 30_000);
    assert.equal(doc.status, 'delivered', JSON.stringify(doc.delivery));
    assert.ok(doc.delivery.attempts >= 2);
    assert.ok(doc.delivery.history.some((h: any) => h.outcome === 'transient'));
    assert.equal(sha256(await inboxPayload(b, buyer, sha256(xml))), sha256(xml));
  });

  it('delivers to a participant hosted on the same AP locally, without AS4, with the same events', async () => {
    const xml = ublDocument('invoice', supplier, localBuyer);
    const submitted = await a.submit(xml);
    const doc = await a.waitFor(submitted.body.id, ['delivered', 'failed', 'undeliverable']);
    assert.equal(doc.status, 'delivered');
    assert.equal(doc.delivery.evidence.localDelivery, true);
    const inboundId = doc.delivery.evidence.inboundDocumentId;
    const inbound = await a.get(inboundId);
    assert.equal(inbound.direction, 'inbound');
    assert.equal(inbound.status, 'available');
    assert.deepEqual(inbound.events.map((e: any) => e.toStatus), ['received', 'available']);
    assert.equal(sha256(await inboxPayload(a, localBuyer, sha256(xml))), sha256(xml));
    assert.equal(Number((await a.db.knex('as4_messages').where({ document_id: doc.id }).count({ n: '*' }))[0]!.n), 0, 'no AS4 message');
  });

  it('refuses a document with fatal validation errors with the report, and sends nothing', async () => {
    const bad = Buffer.from(ublDocument('invoice', supplier, buyer).toString().replace(/<cbc:IssueDate>[^<]*<\/cbc:IssueDate>/, ''));
    const res = await a.submit(bad);
    assert.equal(res.status, 422);
    assert.equal(res.body.status, 'rejected');
    assert.ok(res.body.validation.issues.some((i: any) => i.flag === 'fatal'));
    const doc = await a.get(res.body.id);
    assert.equal(doc.delivery, null);
  });

  it('answers the lookup pre-flight: where a participant receives, in either Belgian form, and why one cannot', async () => {
    const look = async (path: string) => (await (await a.api(`/api/v1/lookup/${path}`)).json()) as any;
    const remote = await look(`${buyer}?documentType=invoice`);
    assert.equal(remote.reachable, true);
    assert.equal(remote.accessPoint.seatId, 'PBE000202');
    assert.equal(remote.accessPoint.endpointUrl, `${b.url}/as4`);
    assert.equal(remote.tried[0].outcome, 'found');
    // The 9925 form of the same company is not registered; its 0208 form is, and is tried next.
    const other = await look(`9925:BE${buyer.slice(5)}`);
    assert.equal(other.reachable, true);
    assert.deepEqual(other.tried.map((t: any) => [t.participant, t.outcome]), [
      [`iso6523-actorid-upis::9925:be${buyer.slice(5)}`, 'not-registered'],
      [`iso6523-actorid-upis::${buyer}`, 'found'],
    ]);
    assert.ok(other.documentTypes.some((d: string) => d.includes('Invoice-2::Invoice')));
    const local = await look(localBuyer);
    assert.equal(local.reachable, true);
    assert.equal(local.tried[0].outcome, 'hosted-here');
    const nowhere = await look(unregistered);
    assert.equal(nowhere.reachable, false);
    assert.deepEqual(nowhere.tried.map((t: any) => t.outcome), ['not-registered', 'not-registered']);
    assert.match(nowhere.tried[0].detail, /SML/);
  });

  it('counts what the tests above did in each access point\'s /metrics', async () => {
    const scrape = async (ap: TestAp) => parseExposition(await (await fetch(ap.metricsUrl)).text());
    const [atA, atB] = [await scrape(a), await scrape(b)];
    // A sent the invoice, the credit note and the retried invoice over AS4, one locally; one was undeliverable, one rejected.
    assert.ok(sampleValue(atA, 'peppol_documents_sent_total', 'peppol_documents_sent_total', { via: 'as4' })! >= 3);
    assert.equal(sampleValue(atA, 'peppol_documents_sent_total', 'peppol_documents_sent_total', { via: 'local' }), 1);
    assert.equal(sampleValue(atA, 'peppol_documents_undelivered_total', 'peppol_documents_undelivered_total', { status: 'undeliverable', reason: 'sml.not-registered' }), 1);
    assert.equal(sampleValue(atA, 'peppol_documents_rejected_total', 'peppol_documents_rejected_total', { direction: 'outbound' }), 1);
    assert.ok(sampleValue(atA, 'peppol_as4_send_duration_seconds', 'peppol_as4_send_duration_seconds_count', { outcome: 'delivered' })! >= 3);
    // B received them (and A's MLS answers are not asked for: FAILURE_ONLY).
    assert.ok(sampleValue(atB, 'peppol_documents_received_total', 'peppol_documents_received_total')! >= 3);
    assert.ok(sampleValue(atB, 'peppol_as4_receive_duration_seconds', 'peppol_as4_receive_duration_seconds_count', { outcome: 'stored' })! >= 3);
    assert.ok(sampleValue(atB, 'peppol_validation_duration_seconds', 'peppol_validation_duration_seconds_count', { outcome: 'valid' })! >= 3);
  });
});
