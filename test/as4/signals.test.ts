/** Receipts and error signals: building, reading, signature and NRR checks on the sending side. */
import assert from 'node:assert/strict';
import { ApError } from '../../src/errors.js';
import {
  buildErrorSignal,
  buildMultipartRelated,
  buildReceipt,
  buildUserMessage,
  errorFromApError,
  errorSignalFor,
  NOT_SERVICED,
  parseMimeMessage,
  readSignal,
  readUserMessage,
  type As4Message,
  type BuiltUserMessage,
  type ReceivedUserMessage,
} from '../../src/as4/index.js';
import { buildSignalMessageXml } from '../../src/as4/ebms.js';
import { canonicalMessaging } from '../../src/as4/envelope.js';
import { NS } from '../../src/as4/ns.js';
import { receiptMessagingCanonical } from '../../src/as4/signals.js';
import type { NrReference } from '../../src/as4/signature.js';
import { as4Fixture, SAMPLE_SBDH, sampleHeader } from './fixtures.js';

const f = as4Fixture();

const asMime = (m: { contentType: string; body: Buffer }) => parseMimeMessage(m.contentType, m.body);
const withSoap = (m: As4Message, soap: string) => asMime({ contentType: m.contentType, body: Buffer.from(soap) });

async function invalidReceipt(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ApError);
    assert.equal(err.kind, 'as4.receipt-invalid', err.message);
    assert.equal(err.ebmsCode, 'EBMS:0302');
    assert.match(err.message, message);
    return true;
  });
}

describe('as4 receipts and error signals', () => {
  let sent: BuiltUserMessage;
  let received: ReceivedUserMessage;
  let receipt: As4Message;
  const opts = () => ({ certificateValidator: f.validator, sent, expectedSigner: f.receiver.cert });

  before(async () => {
    sent = await buildUserMessage({ header: sampleHeader(), payload: Buffer.from(SAMPLE_SBDH), sender: f.senderId, receiverCertificate: f.receiver.cert });
    received = await readUserMessage(asMime(sent), { receiver: f.receiverId, certificateValidator: f.validator });
    receipt = buildReceipt(received, f.receiverId);
  });

  it('builds a signed receipt, not encrypted and without attachments, that the sender verifies', async () => {
    assert.match(receipt.contentType, /^application\/soap\+xml/);
    const soap = receipt.body.toString('utf8');
    assert.doesNotMatch(soap, /EncryptedKey|EncryptedData/);
    assert.equal((soap.match(/<ebbp:MessagePartNRInformation>/g) ?? []).length, 3);
    const r = await readSignal(asMime(receipt), opts());
    assert.equal(r.kind, 'receipt');
    assert.equal(r.signed, true);
    assert.equal(r.signer?.seatId, 'POP000002');
    assert.equal(r.signal.refToMessageId, sent.messageId);
    assert.deepEqual(r.nonRepudiation.map((c) => c.result), ['ok', 'ok', 'ok']);
  });

  it('writes the receipt eb:Messaging in the canonical form a parse and exclusive c14n give, or declines', () => {
    const receiptXml = (refTo: string, refs: readonly NrReference[], wsuId = '_msg-1') => {
      const nri = refs.map((r) => `<ebbp:MessagePartNRInformation>${r.xml}</ebbp:MessagePartNRInformation>`).join('');
      const inner = `<eb:Receipt><ebbp:NonRepudiationInformation xmlns:ebbp="${NS.EBBP}">${nri}</ebbp:NonRepudiationInformation></eb:Receipt>`;
      return buildSignalMessageXml(wsuId, 'r-1@test', refTo, inner);
    };
    for (const refTo of [sent.messageId, 'a&b<c>"d\'e\tf\ng@x', 'ümlaut-😀@x']) {
      const xml = receiptXml(refTo, received.signatureReferences);
      assert.equal(receiptMessagingCanonical(xml, '_msg-1', received.signatureReferences), canonicalMessaging(xml), refTo);
    }
    // A carriage return, a control character, or a reference that declares a prefix bound around it: no shortcut.
    assert.equal(receiptMessagingCanonical(receiptXml('a\rb@x', received.signatureReferences), '_msg-1', received.signatureReferences), null);
    assert.equal(receiptMessagingCanonical(receiptXml('a\u0001b@x', received.signatureReferences), '_msg-1', received.signatureReferences), null);
    const ebRef = { ...received.signatureReferences[0]!, xml: received.signatureReferences[0]!.xml.replace('<ds:Reference ', `<ds:Reference xmlns:eb="${NS.EB}" `) };
    const xml = receiptXml(sent.messageId, [ebRef]);
    assert.equal(receiptMessagingCanonical(xml, '_msg-1', [ebRef]), null);
    assert.notEqual(canonicalMessaging(xml), xml.replace('<eb:Messaging ', `<eb:Messaging xmlns:S12="${NS.S12}" `));
  });

  it('a receipt whose MessageId reference holds a carriage return still verifies (canonicalized from the parsed text)', async () => {
    const odd = buildReceipt({ messageId: 'odd\r\nid@x', signatureReferences: received.signatureReferences }, f.receiverId);
    const r = await readSignal(asMime(odd), { certificateValidator: f.validator, expectedSigner: f.receiver.cert });
    assert.equal(r.kind, 'receipt');
    assert.equal(r.signal.refToMessageId, 'odd\nid@x');
  });

  it('accepts a receipt that arrives as multipart/related', async () => {
    const multipart = buildMultipartRelated({ body: receipt.body });
    const r = await readSignal(asMime(multipart), opts());
    assert.equal(r.kind, 'receipt');
  });

  it('EBMS:0302 when the receipt refers to another message', async () => {
    const other = await buildUserMessage({ header: sampleHeader(), payload: Buffer.from(SAMPLE_SBDH), sender: f.senderId, receiverCertificate: f.receiver.cert });
    await invalidReceipt(readSignal(asMime(receipt), { ...opts(), sent: other }), /RefToMessageId/);
  });

  it('EBMS:0302 when the NRR digests differ from what we signed', async () => {
    const other = await buildUserMessage({ header: sampleHeader(), payload: Buffer.from(SAMPLE_SBDH), sender: f.senderId, receiverCertificate: f.receiver.cert });
    const sentAs = { messageId: sent.messageId, signatureReferences: other.signatureReferences };
    await invalidReceipt(readSignal(asMime(receipt), { ...opts(), sent: sentAs }), /non-repudiation .*(missing|different)/);
  });

  it('EBMS:0302 for a receipt altered after signing', async () => {
    const soap = receipt.body.toString('utf8');
    const altered = soap.replace(/(<ebbp:MessagePartNRInformation>.*?<ds:DigestValue>)(.)/, (_m, a: string, c: string) => a + (c === 'A' ? 'B' : 'A'));
    assert.notEqual(altered, soap);
    await invalidReceipt(readSignal(withSoap(receipt, altered), opts()), /digest mismatch/);
  });

  it('EBMS:0302 for an unsigned receipt', async () => {
    const soap = receipt.body
      .toString('utf8')
      .replace(/<wsse:BinarySecurityToken [^>]*>[^<]*<\/wsse:BinarySecurityToken><ds:Signature .*<\/ds:Signature>/, '');
    await invalidReceipt(readSignal(withSoap(receipt, soap), opts()), /not signed/);
  });

  it('EBMS:0302 for a receipt signed by another access point than the one we sent to', async () => {
    const stranger = buildReceipt(received, f.senderId);
    await invalidReceipt(readSignal(asMime(stranger), opts()), /not by the receiver/);
  });

  it('accepts a receipt signed by a new certificate of the same seat (the receiver rolled over), still refusing another seat', async () => {
    const renewed = f.issue('POP000002');
    const fromRenewed = buildReceipt(received, f.identity(renewed));
    await invalidReceipt(readSignal(asMime(fromRenewed), opts()), /not by the receiver/);
    const r = await readSignal(asMime(fromRenewed), { ...opts(), expectedSigner: { raw: f.receiver.cert.raw, seatId: 'POP000002' } });
    assert.equal(r.kind, 'receipt');
    assert.equal(r.signer!.certificate.raw.equals(renewed.cert.raw), true);
    const stranger = buildReceipt(received, f.senderId);
    await invalidReceipt(readSignal(asMime(stranger), { ...opts(), expectedSigner: { raw: f.receiver.cert.raw, seatId: 'POP000002' } }), /not by the receiver we encrypted to \(seat POP000002\)/);
  });

  it('builds and reads a signed EBMS:0004 PEPPOL:NOT_SERVICED error', async () => {
    const err = new ApError('as4.not-serviced', 'Participant 0208:0987654321 is not served here for this document type');
    const entry = errorFromApError(err)!;
    assert.equal(entry.detail, NOT_SERVICED);
    const signal = buildErrorSignal(sent.messageId, [entry], f.receiverId);
    const r = await readSignal(asMime(signal), opts());
    assert.equal(r.kind, 'error');
    assert.equal(r.signed, true);
    const e = r.signal.errors[0]!;
    assert.deepEqual(
      [e.errorCode, e.severity, e.shortDescription, e.category, e.origin, e.refToMessageInError, e.errorDetail],
      ['EBMS:0004', 'failure', 'Other', 'Content', 'ebMS', sent.messageId, NOT_SERVICED],
    );
    assert.match(e.description ?? '', /not served here/);
  });

  it('answers a failed inbound message with a signed error addressed to its MessageId', async () => {
    const tampered = asMime({ contentType: sent.contentType, body: Buffer.from(sent.body.toString('latin1').replace(/<eb:ConversationId>[^<]*/, '<eb:ConversationId>x'), 'latin1') });
    const failure = await readUserMessage(tampered, { receiver: f.receiverId, certificateValidator: f.validator }).catch((e: unknown) => e);
    const answer = errorSignalFor(failure, f.receiverId);
    assert.equal(answer.httpStatus, 400);
    const r = await readSignal(asMime(answer), opts());
    assert.equal(r.signal.refToMessageId, sent.messageId);
    assert.equal(r.signal.errors[0]!.errorCode, 'EBMS:0101');
    const internal = errorSignalFor(new Error('database password is wrong'), f.receiverId);
    assert.equal(internal.httpStatus, 500);
    assert.doesNotMatch(internal.body.toString(), /password/);
  });

  for (const [code, short] of [
    ['EBMS:0101', 'FailedAuthentication'],
    ['EBMS:0102', 'FailedDecryption'],
    ['EBMS:0103', 'PolicyNoncompliance'],
    ['EBMS:0303', 'DecompressionFailure'],
    ['EBMS:4001', 'DuplicateDetected'],
  ] as const) {
    it(`builds and reads a signed ${code} ${short} error`, async () => {
      const signal = buildErrorSignal(sent.messageId, [{ code, description: `test ${code}` }], f.receiverId);
      const r = await readSignal(asMime(signal), opts());
      assert.equal(r.signal.errors[0]!.errorCode, code);
      assert.equal(r.signal.errors[0]!.shortDescription, short);
      assert.equal(r.signed, true);
    });
  }

  it('accepts an unsigned error signal but says so; rejects one whose signature is broken', async () => {
    const signal = buildErrorSignal(null, [{ code: 'EBMS:0004', description: 'no MessageId' }], f.receiverId);
    const soap = signal.body.toString('utf8');
    const unsigned = soap.replace(/<wsse:BinarySecurityToken [^>]*>[^<]*<\/wsse:BinarySecurityToken><ds:Signature .*<\/ds:Signature>/, '');
    const r = await readSignal(withSoap(signal, unsigned), opts());
    assert.equal(r.signed, false);
    assert.equal(r.signal.errors[0]!.refToMessageInError, null);
    await invalidReceipt(readSignal(withSoap(signal, soap.replace('no MessageId', 'forged text')), opts()), /digest mismatch/);
  });
});
