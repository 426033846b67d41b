/**
 * Certificate rollover without outage: B replaces its AP certificate (same seat id) while A keeps sending.
 * A's cached SMP answer still names the old certificate for a while, so B must decrypt with the old key
 * and A must take receipts signed with B's new one; once A's cache expires it encrypts for the new one.
 * Every document sent before, during and after the rollover is delivered on its first attempt.
 */
import assert from 'node:assert/strict';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { belgianParticipant, INVOICE, startNetwork, ublDocument, type E2eNetwork, type TestAp } from './harness.js';

const LOOKUP_CACHE_MS = 3000;

describe('certificate rollover: B changes its AP certificate while A keeps sending', function () {
  this.timeout(120_000);
  let net: E2eNetwork;
  let a: TestAp;
  let b: TestAp;
  const supplier = belgianParticipant(5151511);
  const buyer = belgianParticipant(5252522);

  before(async () => {
    net = await startNetwork();
    a = await net.startAp('A', 'PBE000151', { lookupCacheMs: LOOKUP_CACHE_MS });
    b = await net.startAp('B', 'PBE000252');
    await a.host(supplier);
    await b.host(buyer);
  });
  after(() => net?.close());

  it('delivers every document on its first attempt, encrypted for the old certificate and then for the new one', async () => {
    const submitted: string[] = [];
    let sending = true;
    const sender = (async () => {
      while (sending) {
        const r = await a.submit(ublDocument('invoice', supplier, buyer));
        assert.equal(r.status, 201, JSON.stringify(r.body));
        submitted.push(r.body.id);
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    const waitForSubmitted = async (n: number) => {
      while (submitted.length < n) await new Promise((res) => setTimeout(res, 20));
    };

    await waitForSubmitted(3);
    await a.waitFor(submitted[0]!, ['delivered']);
    const old = b.cert;
    const next = await b.rollOver();
    assert.notEqual(next.cert.fingerprint256, old.cert.fingerprint256);

    // A still acts on the SMP answer it cached before the rollover: the old certificate.
    const cached = await a.lookup.lookup(parseParticipantId(buyer), INVOICE.documentType, INVOICE.process);
    const whileCached = submitted.length;
    if (cached.fromCache) assert.equal(cached.certificate.fingerprint256, old.cert.fingerprint256);

    // B's SMP publishes the new certificate at once.
    const smp = await (await fetch(`${b.smpUrl}/${encodeURIComponent(`iso6523-actorid-upis::${buyer}`)}/services/${encodeURIComponent(`busdox-docid-qns::${INVOICE.documentType.value}`)}`)).text();
    assert.ok(smp.includes(next.cert.raw.toString('base64')), 'the SMP publishes the new certificate');
    assert.ok(!smp.includes(old.cert.raw.toString('base64')), 'the SMP no longer publishes the old certificate');

    // Past A's cache: A looks B up again and encrypts for the new certificate.
    await new Promise((res) => setTimeout(res, LOOKUP_CACHE_MS + 500));
    await waitForSubmitted(submitted.length + 3);
    sending = false;
    await sender;
    const after = await a.lookup.lookup(parseParticipantId(buyer), INVOICE.documentType, INVOICE.process);
    assert.equal(after.certificate.fingerprint256, next.cert.fingerprint256);

    for (const id of submitted) {
      const doc = await a.waitFor(id, ['delivered', 'failed', 'undeliverable'], 30_000);
      assert.equal(doc.status, 'delivered', `${id}: ${JSON.stringify(doc.events?.map((e: any) => `${e.fromStatus}->${e.toStatus} ${e.reason}`))}`);
      // First attempt: no retry during the rollover.
      assert.ok(!doc.events.some((e: any) => e.toStatus === 'retrying'), `${id} was retried: ${JSON.stringify(doc.events)}`);
    }
    assert.ok(whileCached >= 3 && submitted.length > whileCached + 2, `sent ${whileCached} before and ${submitted.length - whileCached} after the rollover`);

    // B's receipts: signed with the old certificate before the rollover, with the new one after it.
    const receipts = await b.db.knex('as4_messages').where({ direction: 'inbound' }).whereNotNull('receipt').select('receipt');
    const signedBy = (cert: typeof old) => receipts.filter((r: any) => Buffer.from(r.receipt).includes(cert.cert.raw.toString('base64'))).length;
    assert.ok(signedBy(old) >= 1, 'receipts before the rollover are signed with the old key');
    assert.ok(signedBy(next) >= 3, 'receipts after the rollover are signed with the new key');
    assert.equal(signedBy(old) + signedBy(next), submitted.length);
  });
});
