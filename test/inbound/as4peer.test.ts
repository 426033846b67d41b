/**
 * Third-party sender: the independent Java AS4 peer (/work/shared/tools/as4peer) builds a message and
 * `as4peer send` posts it into our /as4; the peer then verifies our receipt (signature, NRR). Runs when
 * java and the Santuario jar are present; otherwise skipped with the reason printed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toP12 } from '../../src/testing/test-pki.js';
import { as4Fixture } from '../as4/fixtures.js';
import { as4peerMissing, buildAs4Peer, type As4Peer } from '../support/as4peer.js';
import { INVOICE_XML, sbd, startInboundEnv, type InboundEnv } from './support.js';

describe('inbound from as4peer send (Java, Santuario)', function () {
  this.timeout(180_000);
  const f = as4Fixture();
  let env: InboundEnv;
  let dir = '';
  let peer: As4Peer['run'];
  const file = (name: string) => join(dir, name);

  before(async function () {
    const missing = as4peerMissing();
    if (missing) {
      console.log(`    skipping as4peer inbound tests: ${missing}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'as4peer-in-'));
    const as4peer = await buildAs4Peer(dir);
    peer = (args) => as4peer.run(args);
    writeFileSync(file('sender.p12'), toP12(f.sender, 'secret'));
    writeFileSync(file('receiver.pem'), f.receiver.certPem);
    writeFileSync(file('ca.pem'), [...f.pki.trustedPems.roots, ...f.pki.trustedPems.ap].join('\n'));
    env = await startInboundEnv();
  });

  after(async () => {
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('receives a message as4peer built and sent, answers a receipt as4peer verifies, and files the invoice byte for byte', async () => {
    const invoice = Buffer.from(INVOICE_XML.toString('utf8').replace('<cbc:ID>Snippet1</cbc:ID>', '<cbc:ID>PEER-1</cbc:ID>'));
    writeFileSync(file('sbd.xml'), sbd({ xml: invoice }));
    const built = await peer(['build-message', '--sender-p12', file('sender.p12'), '--pass', 'secret', '--receiver-cert', file('receiver.pem'), '--payload', file('sbd.xml'), '--out', file('msg.mime')]);
    assert.equal(built.code, 0, built.stdout);
    const messageId = JSON.parse(built.stdout).messageId as string;

    const sent = await peer(['send', '--url', `${env.url}/as4`, '--message', file('msg.mime'), '--save-response', file('resp.xml')]);
    assert.equal(sent.code, 0, sent.stdout);
    const check = await peer(['verify-receipt', '--in', file('resp.xml'), '--sent', file('msg.mime'), '--trust', file('ca.pem'), '--expect-signer', file('receiver.pem')]);
    assert.equal(check.code, 0, check.stdout);
    assert.equal(JSON.parse(check.stdout).ok, true);

    await env.service.handover.idle();
    const rec = await env.db.knex('as4_messages').where({ message_id: messageId }).first();
    assert.ok(rec);
    assert.deepEqual(Buffer.from(rec.receipt), readFileSync(file('resp.xml')));
    const doc = await env.documents.get(rec.document_id);
    assert.equal(doc?.status, 'available');
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(sha((await env.documents.payload(rec.document_id))!), sha(invoice));

    // The same message again (a retry after a lost receipt): the same receipt, still one document.
    const again = await peer(['send', '--url', `${env.url}/as4`, '--message', file('msg.mime'), '--save-response', file('resp2.xml')]);
    assert.equal(again.code, 0, again.stdout);
    assert.deepEqual(readFileSync(file('resp2.xml')), readFileSync(file('resp.xml')));
    assert.equal((await env.db.knex('documents').where({ id: rec.document_id })).length, 1);
  });
});
