/**
 * POST /as4: every step of the inbound checklist (peppol-reference §4.8) answered with a signed ebMS error
 * signal carrying its exact EBMS code, the HTTP status of the failure, RefToMessageId when the MessageId
 * was readable, and nothing stored.
 */
import assert from 'node:assert/strict';
import { buildMultipartRelated, gzip, parseMimeMessage, type BuiltUserMessage } from '../../src/as4/index.js';
import { buildUserMessageXml } from '../../src/as4/ebms.js';
import { encryptAttachments } from '../../src/as4/encryption.js';
import { newEnvelopeIds, signedEnvelope } from '../../src/as4/envelope.js';
import { cidUri } from '../../src/as4/signature.js';
import { as4Fixture } from '../as4/fixtures.js';
import { CREDIT_NOTE, header, INVOICE_XML, message, post, sbd, signal, startInboundEnv, SUPPLIER, type InboundEnv } from './support.js';

type Body = { contentType: string; body: Buffer };

/** Rebuilds a message with an edited SOAP envelope and/or attachments. */
function edit(
  m: BuiltUserMessage,
  soapEdit: (s: string) => string = (s) => s,
  attEdit: (a: Array<{ body: Buffer; contentId: string }>) => Array<{ body: Buffer; contentId: string }> = (a) => a,
  rootContentType = 'application/soap+xml; charset=UTF-8',
): Body {
  const p = parseMimeMessage(m.contentType, m.body);
  const atts = attEdit(p.attachments.map((a) => ({ body: Buffer.from(a.body), contentId: a.contentId! })));
  return buildMultipartRelated(
    { body: soapEdit(p.root.body.toString('utf8')), contentType: rootContentType },
    atts.map((a) => ({ ...a, contentType: 'application/octet-stream' })),
  );
}

/** A correctly signed message whose attachment is put together by hand (not gzip, not encrypted...). */
function craft(data: Buffer, opts: { compressed: boolean; encrypt: boolean }): Body & { messageId: string } {
  const f = as4Fixture();
  const contentId = `crafted-${Date.now()}@test`;
  const messageId = `crafted-${Math.random()}@test`;
  const ids = newEnvelopeIds();
  const messaging = buildUserMessageXml({ ...header(), messageId, conversationId: 'c1' }, { contentId, mimeType: 'application/xml', compressed: opts.compressed }, ids.messaging);
  const enc = opts.encrypt ? encryptAttachments(f.receiver.cert, [{ contentId, data, mimeType: 'application/gzip' }]) : null;
  const env = signedEnvelope(f.senderId, ids, messaging, enc?.xml ?? '', [{ contentId, uri: cidUri(contentId), data }]);
  return { ...buildMultipartRelated({ body: env.soap }, [{ body: enc ? enc.encrypted[0]!.data : data, contentId }]), messageId };
}

describe('inbound AS4 checklist over HTTP', function () {
  this.timeout(60_000);
  let env: InboundEnv;
  let good: BuiltUserMessage;
  const f = as4Fixture();
  before(async () => {
    env = await startInboundEnv();
    good = await message(sbd());
  });
  after(() => env?.close());

  async function expectError(m: Body, status: number, code: string, opts: { detail?: string; ref?: string | null; description?: RegExp } = {}) {
    const before = Number((await env.db.knex('documents').count('* as n'))[0]!.n);
    const r = await post(env.url, m);
    assert.equal(r.status, status, r.body.toString().slice(0, 2000));
    const s = await signal(r);
    assert.equal(s.kind, 'error');
    assert.ok(s.signed, 'error signals are signed');
    const e = s.signal.errors[0]!;
    assert.equal(e.errorCode, code, e.description ?? '');
    if (opts.detail !== undefined) assert.equal(e.errorDetail, opts.detail);
    if (opts.ref !== undefined) assert.equal(s.signal.refToMessageId, opts.ref);
    if (opts.description) assert.match(e.description ?? '', opts.description);
    assert.equal(Number((await env.db.knex('documents').count('* as n'))[0]!.n), before, 'nothing stored');
    assert.equal(await env.db.knex('as4_messages').where({ message_id: s.signal.refToMessageId ?? '-' }).first(), undefined);
  }

  it('1. EBMS:0007 (415) for a body that is not multipart/related', async () => {
    await expectError({ contentType: 'application/soap+xml', body: parseMimeMessage(good.contentType, good.body).root.body }, 415, 'EBMS:0007', { ref: null });
  });

  it('1. EBMS:0004 for a truncated MIME message', async () => {
    await expectError({ contentType: good.contentType, body: good.body.subarray(0, good.body.length >> 1) }, 400, 'EBMS:0004', { ref: null });
  });

  it('1. EBMS:0004 for a DOCTYPE in the envelope', async () => {
    await expectError(edit(good, (s) => s.replace(/^<\?xml[^>]*\?>/, '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>')), 400, 'EBMS:0004', { description: /DTD|DOCTYPE/i });
  });

  it('1. EBMS:0004 for a SOAP envelope over its own limit (1 MB), refused before it is parsed', async () => {
    const big = edit(good, (s) => s.replace(/(<\/S12:Envelope>|<\/[A-Za-z0-9]+:Envelope>)\s*$/, (end) => `${' '.repeat(1024 * 1024)}${end}`));
    await expectError(big, 413, 'EBMS:0004', { description: /limit|large|bytes/i });
  });

  it('1. EBMS:0004 (413) for a message of 5,000 MIME parts, refused at the 17th', async () => {
    const many = edit(good, (s) => s, (a) => [...a, ...Array.from({ length: 5000 }, (_, i) => ({ body: Buffer.from('x'), contentId: `extra-${i}@test` }))]);
    await expectError(many, 413, 'EBMS:0004', { description: /more than 16 parts/ });
  });

  it('1. EBMS:0004 for a UTF-16 envelope: only UTF-8 is read, whatever the charset parameter says', async () => {
    const utf16 = (m: BuiltUserMessage): Body => {
      const p = parseMimeMessage(m.contentType, m.body);
      const soap = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(p.root.body.toString('utf8').replace(/^<\?xml[^>]*\?>/, ''), 'utf16le')]);
      return buildMultipartRelated(
        { body: soap, contentType: 'application/soap+xml; charset=UTF-16' },
        p.attachments.map((a) => ({ body: Buffer.from(a.body), contentId: a.contentId!, contentType: 'application/octet-stream' })),
      );
    };
    await expectError(utf16(good), 400, 'EBMS:0004', { description: /only UTF-8/ });
  });

  it('1. a charset parameter that lies about UTF-8 bytes does not change how they are read: the message is received', async () => {
    for (const charset of ['ISO-8859-1', 'UTF-16']) {
      const m = await message(sbd());
      const r = await post(env.url, edit(m, undefined, undefined, `application/soap+xml; charset=${charset}`));
      assert.equal(r.status, 200, charset);
      assert.equal((await signal(r, m)).kind, 'receipt', charset);
    }
  });

  it('1. EBMS:0007 (415) for a root part that is not application/soap+xml', async () => {
    await expectError(edit(good, undefined, undefined, 'text/plain; charset=UTF-8'), 415, 'EBMS:0007', { description: /text\/plain/ });
  });

  it('2. EBMS:0004 for a wrong AgreementRef, before the signature is looked at', async () => {
    await expectError(edit(good, (s) => s.replace('tia:ap_provider', 'tia:other')), 400, 'EBMS:0004', { ref: good.messageId, description: /AgreementRef/ });
  });

  it('3. EBMS:0101 for an unsigned message', async () => {
    const m = edit(good, (s) => s.replace(/<wsse:BinarySecurityToken [^>]*>[^<]*<\/wsse:BinarySecurityToken><ds:Signature .*<\/ds:Signature>/, ''));
    await expectError(m, 400, 'EBMS:0101', { ref: good.messageId, description: /not signed/ });
  });

  it('3. EBMS:0102 for a signed but unencrypted payload', async () => {
    const m = craft(await gzip(sbd()), { compressed: true, encrypt: false });
    await expectError(m, 400, 'EBMS:0102', { ref: m.messageId, description: /not encrypted/ });
  });

  it('3. EBMS:0103 when the signing certificate is not referenced as a BinarySecurityToken', async () => {
    const m = edit(good, (s) =>
      s.replace(/<ds:KeyInfo><wsse:SecurityTokenReference>.*?<\/wsse:SecurityTokenReference><\/ds:KeyInfo><\/ds:Signature>/, (ki) =>
        ki.replace(/<wsse:Reference [^>]*\/>/, '<wsse:KeyIdentifier ValueType="x">AAAA</wsse:KeyIdentifier>'),
      ),
    );
    await expectError(m, 400, 'EBMS:0103', { ref: good.messageId });
  });

  it('4. EBMS:0101 for a signer from an untrusted CA', async () => {
    const rogue = f.issue('POP000013', { issuer: 'untrusted' });
    const m = await message(sbd(), { sender: f.identity(rogue), header: header({ fromPartyId: 'POP000013' }) });
    await expectError(m, 400, 'EBMS:0101', { ref: m.messageId });
  });

  it('4. EBMS:0101 for a revoked signer certificate', async () => {
    const revoked = f.issue('POP000012', { revoked: true });
    f.refreshCrl();
    const m = await message(sbd(), { sender: f.identity(revoked), header: header({ fromPartyId: 'POP000012' }) });
    await expectError(m, 400, 'EBMS:0101', { ref: m.messageId, description: /revoked/i });
  });

  it('5. EBMS:0102 for a message encrypted for another access point', async () => {
    const other = f.issue('POP000004');
    const m = await message(sbd(), { receiverCertificate: other.cert });
    await expectError(m, 400, 'EBMS:0102', { ref: m.messageId });
  });

  it('5. EBMS:0102 for a tampered attachment byte', async () => {
    const m = edit(good, undefined, (a) => {
      a[0]!.body[40]! ^= 0x01;
      return a;
    });
    await expectError(m, 400, 'EBMS:0102', { ref: good.messageId });
  });

  it('5. EBMS:0101 for a tampered eb:Messaging', async () => {
    await expectError(edit(good, (s) => s.replace(/<eb:ConversationId>[^<]*</, '<eb:ConversationId>forged<')), 400, 'EBMS:0101', { ref: good.messageId });
  });

  it('7. EBMS:0303 for an attachment that is not gzip although CompressionType says so', async () => {
    const m = craft(sbd(), { compressed: true, encrypt: true });
    await expectError(m, 400, 'EBMS:0303', { ref: m.messageId });
  });

  it('7. EBMS:0004 for two attachments', async () => {
    await expectError(edit(good, undefined, (a) => [...a, { body: Buffer.from('second'), contentId: 'second@test' }]), 400, 'EBMS:0004', { ref: good.messageId });
  });

  it('8. EBMS:0004 when eb:To names another access point', async () => {
    const m = await message(sbd(), { header: header({ toPartyId: 'POP000099' }) });
    await expectError(m, 400, 'EBMS:0004', { ref: m.messageId, description: /POP000099/ });
  });

  it('10. EBMS:0004 when the payload is not an SBD', async () => {
    const m = await message(INVOICE_XML);
    await expectError(m, 400, 'EBMS:0004', { ref: m.messageId });
  });

  it('10. EBMS:0004 for an SBDH ending past its first MiB (20,000 Scope elements), refused without parsing it', async () => {
    const scopes = Array.from({ length: 20_000 }, (_, i) => `<Scope><Type>X${i}</Type><InstanceIdentifier>v</InstanceIdentifier></Scope>`).join('');
    const m = await message(Buffer.from(sbd().toString('utf8').replace('</BusinessScope>', `${scopes}</BusinessScope>`)));
    await expectError(m, 400, 'EBMS:0004', { ref: m.messageId, description: /SBDH ends past/ });
  });

  it('10. EBMS:0004 when the SBDH Sender differs from originalSender', async () => {
    const m = await message(sbd({ sender: '0208:0203201340' }), { header: header({ originalSender: SUPPLIER }) });
    await expectError(m, 400, 'EBMS:0004', { ref: m.messageId, description: /Sender/ });
  });

  it('10. EBMS:0004 when the SBDH Receiver differs from finalRecipient', async () => {
    const m = await message(sbd({ receiver: '0208:0203201340' }));
    await expectError(m, 400, 'EBMS:0004', { ref: m.messageId, description: /Receiver/ });
  });

  it('10. EBMS:0004 when DOCUMENTID differs from the Action', async () => {
    const m = await message(sbd({ documentType: CREDIT_NOTE.documentType, xml: INVOICE_XML.toString().replace(/Invoice/g, 'CreditNote') }));
    await expectError(m, 400, 'EBMS:0004', { ref: m.messageId });
  });

  it('10. EBMS:0004 when PROCESSID differs from the Service', async () => {
    const m = await message(sbd(), { header: header({ processId: 'urn:fdc:peppol.eu:2017:poacc:billing:01:9.9' }) });
    await expectError(m, 400, 'EBMS:0004', { ref: m.messageId, description: /PROCESSID/ });
  });

  it('11. EBMS:0004 PEPPOL:NOT_SERVICED for a recipient not hosted here', async () => {
    const other = '0208:0203201340';
    const m = await message(sbd({ receiver: other }), { header: header({ finalRecipient: other }) });
    await expectError(m, 400, 'EBMS:0004', { ref: m.messageId, detail: 'PEPPOL:NOT_SERVICED' });
  });

  it('the good message itself is received (the failures above are the edits)', async () => {
    const r = await post(env.url, good);
    assert.equal(r.status, 200);
    assert.equal((await signal(r, good)).kind, 'receipt');
  });
});

describe('inbound AS4 size limit', function () {
  this.timeout(60_000);
  let env: InboundEnv;
  before(async () => {
    env = await startInboundEnv({ maxMessageBytes: 8 * 1024 });
  });
  after(() => env?.close());

  it('EBMS:0004 (413) for a message over the configured MIME limit, read no further than the limit', async () => {
    const m = await message(sbd());
    const r = await post(env.url, m);
    assert.equal(r.status, 413);
    const s = await signal(r);
    assert.equal(s.signal.errors[0]!.errorCode, 'EBMS:0004');
    assert.equal(Number((await env.db.knex('documents').count('* as n'))[0]!.n), 0);
  });
});
