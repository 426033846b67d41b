/**
 * eb:From/eb:PartyId names C2 by the seat id in the CN of its AP certificate (peppol-reference §4.2): a
 * validly signed message that names another access point is refused with EBMS:0004 (§4.5, checklist step
 * 8) and nothing is stored, so no document is ever filed under an access point that did not send it.
 */
import assert from 'node:assert/strict';
import { header, message, post, sbd, signal, startInboundEnv, type InboundEnv } from './support.js';

describe('inbound eb:From against the signing certificate', function () {
  this.timeout(60_000);
  let env: InboundEnv;
  before(async () => {
    env = await startInboundEnv();
  });
  after(() => env?.close());

  const stored = async () => Number((await env.db.knex('documents').count('* as n'))[0]!.n);

  it('refuses with EBMS:0004 a message signed by POP000001 whose eb:From names POP000003, and stores nothing', async () => {
    const before = await stored();
    const m = await message(sbd(), { header: header({ fromPartyId: 'POP000003' }) });
    const r = await post(env.url, m);
    assert.equal(r.status, 400, r.body.toString().slice(0, 2000));
    const s = await signal(r);
    assert.equal(s.kind, 'error');
    assert.ok(s.signed, 'the error signal is signed');
    const e = s.signal.errors[0]!;
    assert.equal(e.errorCode, 'EBMS:0004', e.description ?? '');
    assert.equal(e.severity, 'failure');
    assert.match(e.description ?? '', /eb:From\/eb:PartyId POP000003 is not the seat id of the signing certificate \(POP000001\)/);
    assert.equal(s.signal.refToMessageId, m.messageId);
    assert.equal(await stored(), before, 'nothing stored');
    assert.equal(await env.db.knex('as4_messages').where({ message_id: m.messageId }).first(), undefined);
  });

  it('receipts the same message when eb:From is the signer seat id (the control)', async () => {
    const m = await message(sbd({ instanceIdentifier: 'b6a3c1e4-3f57-4a55-9d2a-1c0f0b0a0f01' }));
    const r = await post(env.url, m);
    assert.equal(r.status, 200, r.body.toString().slice(0, 2000));
    assert.equal((await signal(r, m)).kind, 'receipt');
  });
});
