/**
 * One answer to "is this participant served here?": a capability past its ServiceExpirationDate is refused
 * over AS4 (PEPPOL:NOT_SERVICED) and gets no local delivery either; the outbound document then goes to
 * discovery like one for any other receiver, and a receiver the SML does not know is undeliverable.
 */
import assert from 'node:assert/strict';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { CREDIT_NOTE as IN_CREDIT_NOTE, header, INVOICE as IN_INVOICE, message, post, sbd, signal, startInboundEnv, type InboundEnv } from '../inbound/support.js';
import { belgianParticipant, CREDIT_NOTE, INVOICE, startNetwork, ublDocument, type E2eNetwork, type TestAp } from './harness.js';

const EXPIRED = new Date(Date.now() - 86_400_000);

describe('served here: an expired capability', function () {
  this.timeout(90_000);

  describe('over AS4', () => {
    let env: InboundEnv;
    const expired = '0208:0203201340';
    before(async () => {
      env = await startInboundEnv();
      const p = parseParticipantId(expired);
      await env.participants.addParticipant({ participant: p, name: 'Expired buyer' });
      for (const d of [IN_INVOICE, IN_CREDIT_NOTE]) await env.participants.addCapability(p, { documentType: d.documentType, process: d.process, serviceExpirationDate: EXPIRED });
    });
    after(() => env?.close());

    it('is refused with EBMS:0004 PEPPOL:NOT_SERVICED, nothing stored', async () => {
      const m = await message(sbd({ receiver: expired }), { header: header({ finalRecipient: expired }) });
      const r = await post(env.url, m);
      assert.equal(r.status, 400);
      const s = await signal(r);
      assert.equal(s.kind, 'error');
      assert.equal(s.signal.errors[0]!.errorCode, 'EBMS:0004');
      assert.equal(s.signal.errors[0]!.errorDetail, 'PEPPOL:NOT_SERVICED');
      assert.equal(Number((await env.db.knex('documents').count('* as n'))[0]!.n), 0);
    });
  });

  describe('for local delivery', () => {
    let net: E2eNetwork;
    let a: TestAp;
    const supplier = belgianParticipant(5555555);
    const expired = belgianParticipant(6666666); // hosted at A, but its capabilities expired; not in the SML

    before(async () => {
      net = await startNetwork();
      a = await net.startAp('A', 'PBE000303');
      await a.host(supplier);
      const p = parseParticipantId(expired);
      await a.participants.addParticipant({ participant: p, name: 'Expired buyer' });
      for (const d of [INVOICE, CREDIT_NOTE]) await a.participants.addCapability(p, { documentType: d.documentType, process: d.process, serviceExpirationDate: EXPIRED });
      await a.own(expired);
    });
    after(() => net?.close());

    it('is not delivered into the local inbox: the document goes to discovery and, unknown to the SML, is undeliverable', async () => {
      const submitted = await a.submit(ublDocument('invoice', supplier, expired));
      assert.equal(submitted.status, 201);
      const doc = await a.waitFor(submitted.body.id, ['undeliverable', 'failed', 'delivered']);
      assert.equal(doc.status, 'undeliverable');
      assert.equal(doc.delivery.lastError.kind, 'sml.not-registered');
      assert.equal(doc.delivery.evidence, null, 'no local delivery');
      const inbox = (await (await a.inbox(expired)).json()) as { documents: unknown[] };
      assert.deepEqual(inbox.documents, []);
      assert.equal(Number((await a.db.knex('documents').where({ direction: 'inbound' }).count('* as n'))[0]!.n), 0);
    });
  });
});
