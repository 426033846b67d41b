/** readUserMessage: the inbound checklist, each failure asserted with its exact EBMS code. */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { parseDom } from '../../src/xml/safe.js';
import { excC14n } from '../../src/as4/c14n.js';
import { NS } from '../../src/as4/ns.js';
import { ApError } from '../../src/errors.js';
import {
  buildMultipartRelated,
  buildUserMessage,
  gzip,
  parseMimeMessage,
  readUserMessage,
  type BuiltUserMessage,
  type MimeMessage,
  type ReadUserMessageOptions,
} from '../../src/as4/index.js';
import { buildUserMessageXml } from '../../src/as4/ebms.js';
import { encryptAttachments } from '../../src/as4/encryption.js';
import { newEnvelopeIds, signedEnvelope } from '../../src/as4/envelope.js';
import { cidUri } from '../../src/as4/signature.js';
import { as4Fixture, SAMPLE_SBDH, sampleHeader } from './fixtures.js';

const f = as4Fixture();
const DAY = 86_400_000;

async function build(opts: Partial<Parameters<typeof buildUserMessage>[0]> = {}): Promise<BuiltUserMessage> {
  return buildUserMessage({
    header: sampleHeader(),
    payload: Buffer.from(SAMPLE_SBDH),
    sender: f.senderId,
    receiverCertificate: f.receiver.cert,
    ...opts,
  });
}

const parse = (m: { contentType: string; body: Buffer }): MimeMessage => parseMimeMessage(m.contentType, m.body);

function read(message: MimeMessage, opts: Partial<ReadUserMessageOptions> = {}) {
  return readUserMessage(message, { receiver: f.receiverId, certificateValidator: f.validator, ...opts });
}

/** Rebuilds the MIME message with an edited SOAP envelope and/or attachments. */
function edit(
  built: BuiltUserMessage,
  soapEdit: (soap: string) => string = (s) => s,
  attEdit: (atts: Array<{ body: Buffer; contentId?: string }>) => Array<{ body: Buffer; contentId?: string }> = (a) => a,
): MimeMessage {
  const m = parse(built);
  const soap = soapEdit(m.root.body.toString('utf8'));
  const atts = attEdit(m.attachments.map((a) => ({ body: Buffer.from(a.body), ...(a.contentId ? { contentId: a.contentId } : {}) })));
  return parse(buildMultipartRelated({ body: soap }, atts));
}

/** A correctly signed message whose attachment and headers are put together by hand. */
function craft(data: Buffer, opts: { compressed: boolean; encrypt: boolean }): MimeMessage {
  const contentId = 'crafted@test';
  const ids = newEnvelopeIds();
  const messaging = buildUserMessageXml(
    { ...sampleHeader(), messageId: 'crafted-1@test', conversationId: 'c1' },
    { contentId, mimeType: 'application/xml', compressed: opts.compressed },
    ids.messaging,
  );
  const enc = opts.encrypt ? encryptAttachments(f.receiver.cert, [{ contentId, data, mimeType: 'application/gzip' }]) : null;
  const env = signedEnvelope(f.senderId, ids, messaging, enc?.xml ?? '', [{ contentId, uri: cidUri(contentId), data }]);
  return parse(buildMultipartRelated({ body: env.soap }, [{ body: enc ? enc.encrypted[0]!.data : data, contentId }]));
}

async function rejects(p: Promise<unknown>, code: string, kind?: string, message?: RegExp): Promise<ApError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApError, `expected an ApError, got ${String(err)}`);
    assert.equal(err.ebmsCode, code, `${err.kind}: ${err.message}`);
    if (kind) assert.equal(err.kind, kind, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected a rejection with ${code}`);
}

describe('as4 inbound user message', () => {
  let good: BuiltUserMessage;
  before(async () => {
    good = await build();
  });

  it('accepts a well-formed message and returns payload, headers, signer and references', async () => {
    const r = await read(parse(good), { ourSeatId: 'POP000002' });
    assert.equal(r.payload.toString('utf8'), SAMPLE_SBDH);
    assert.equal(r.messageId, good.messageId);
    assert.equal(r.userMessage.originalSender?.value, '0208:0123456749');
    assert.equal(r.userMessage.parts[0]!.compressionType, 'application/gzip');
    assert.equal(r.signer.seatId, 'POP000001');
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(
      r.signatureReferences.map((x) => x.digestValue),
      good.signatureReferences.map((x) => x.digestValue),
    );
  });

  it('accepts an uncompressed payload (no CompressionType)', async () => {
    const r = await read(parse(await build({ compress: false })));
    assert.equal(r.payloadWasCompressed, false);
    assert.equal(r.payload.toString('utf8'), SAMPLE_SBDH);
  });

  it('honours an InclusiveNamespaces PrefixList on a reference transform (as WSS4J-based senders write)', async () => {
    const withPrefixList = (s: string) =>
      s
        .replace('<S12:Envelope ', `<S12:Envelope xmlns:eb="${NS.EB}" `)
        .replace(
          /(<ds:Reference URI="#_body-[^"]+"><ds:Transforms><ds:Transform Algorithm="[^"]+">)/,
          `$1<ec:InclusiveNamespaces xmlns:ec="${NS.EC}" PrefixList="eb"></ec:InclusiveNamespaces>`,
        );
    const resign = (s: string, bodyDigest: string) => {
      const bodyRef = /<ds:Reference URI="#_body-.*?<\/ds:Reference>/.exec(s)![0];
      s = s.replace(bodyRef, bodyRef.replace(/<ds:DigestValue>[^<]*</, `<ds:DigestValue>${bodyDigest}<`));
      const signedInfo = parseDom(s).getElementsByTagNameNS(NS.DS, 'SignedInfo')[0] as Element;
      const value = sign('sha256', Buffer.from(excC14n(signedInfo)), f.senderId.privateKey).toString('base64');
      return s.replace(/<ds:SignatureValue>[^<]*</, `<ds:SignatureValue>${value}<`);
    };
    const bodyId = /<S12:Body [^>]*wsu:Id="([^"]+)"/.exec(parse(good).root.body.toString())![1]!;
    // Written out by hand: with PrefixList="eb" the in-scope eb namespace is rendered on the Body.
    const canonicalBody = `<S12:Body xmlns:S12="${NS.S12}" xmlns:eb="${NS.EB}" xmlns:wsu="${NS.WSU}" wsu:Id="${bodyId}"></S12:Body>`;
    const digest = createHash('sha256').update(canonicalBody).digest('base64');
    const r = await read(edit(good, (s) => resign(withPrefixList(s), digest)));
    assert.equal(r.payload.toString('utf8'), SAMPLE_SBDH);
    // The digest without the prefix list no longer matches: the PrefixList is really applied.
    const plainDigest = createHash('sha256').update(canonicalBody.replace(` xmlns:eb="${NS.EB}"`, '')).digest('base64');
    await rejects(read(edit(good, (s) => resign(withPrefixList(s), plainDigest))), 'EBMS:0101', 'security.failed-authentication', /_body-/);
  });

  it('EBMS:0102 for a tampered attachment byte', async () => {
    const m = edit(good, undefined, (a) => {
      a[0]!.body[40]! ^= 0x01;
      return a;
    });
    await rejects(read(m), 'EBMS:0102', 'security.failed-decryption', /AES-GCM authentication failed/);
  });

  it('EBMS:0101 for a tampered Messaging header, with the MessageId in the details', async () => {
    const m = edit(good, (s) => s.replace(/<eb:ConversationId>[^<]*</, '<eb:ConversationId>forged<'));
    const err = await rejects(read(m), 'EBMS:0101', 'security.failed-authentication', /digest mismatch/);
    assert.equal(err.details?.['messageId'], good.messageId);
  });

  it('EBMS:0101 for signature wrapping: a duplicated wsu:Id', async () => {
    const m = edit(good, (s) => {
      const id = /eb:Messaging [^>]*wsu:Id="([^"]+)"/.exec(s)![1]!;
      return s.replace('</wsse:Security>', `<wsu:Timestamp wsu:Id="${id}"/></wsse:Security>`);
    });
    await rejects(read(m), 'EBMS:0101', 'security.failed-authentication', /duplicate IDs/);
  });

  it('EBMS:0101 for signature wrapping: a second eb:Messaging (original hidden in a wrapper)', async () => {
    const m = edit(good, (s) => {
      const original = /<eb:Messaging .*<\/eb:Messaging>/.exec(s)![0];
      const forged = original.replace(/wsu:Id="[^"]+"/, 'wsu:Id="forged"').replace(/<eb:ConversationId>[^<]*</, '<eb:ConversationId>forged<');
      return s.replace(original, forged).replace('</wsse:Security>', `<wrapper>${original}</wrapper></wsse:Security>`);
    });
    await rejects(read(m), 'EBMS:0101', 'security.failed-authentication', /eb:Messaging/);
  });

  it('EBMS:0101 for signature wrapping: the signed Body moved into the header, a new Body in its place', async () => {
    const m = edit(good, (s) => {
      const body = /<S12:Body [^>]*\/>/.exec(s)![0];
      return s.replace(body, '<S12:Body/>').replace('</wsse:Security>', `<wrapper>${body}</wrapper></wsse:Security>`);
    });
    await rejects(read(m), 'EBMS:0101', 'security.failed-authentication', /S12:Body/);
  });

  it('EBMS:0101 when the signature references an element other than the processed Messaging', async () => {
    const m = edit(good, (s) => {
      const id = /eb:Messaging [^>]*wsu:Id="([^"]+)"/.exec(s)![1]!;
      // The processed Messaging loses its ID; the reference now resolves to a look-alike elsewhere.
      return s
        .replace(`wsu:Id="${id}"`, 'wsu:Id="renamed"')
        .replace('</wsse:Security>', `<wsu:Timestamp wsu:Id="${id}"/></wsse:Security>`);
    });
    await rejects(read(m), 'EBMS:0101', 'security.failed-authentication', /not the eb:Messaging or S12:Body/);
  });

  it('EBMS:0102 when decrypting with the wrong key (message addressed to another AP)', async () => {
    const other = f.issue('POP000003');
    await rejects(read(parse(good), { receiver: f.identity(other) }), 'EBMS:0102', 'security.failed-decryption', /encrypted for .*POP000002/);
  });

  it('EBMS:0102 when the private key does not match the EncryptedKey', async () => {
    const other = f.issue('POP000004');
    const receiver = { privateKey: createPrivateKey(other.keyPem), certificate: f.receiver.cert };
    await rejects(read(parse(good), { receiver }), 'EBMS:0102', 'security.failed-decryption', /RSA-OAEP failed/);
  });

  it('EBMS:0101 for an unsigned message', async () => {
    const m = edit(good, (s) => s.replace(/<wsse:BinarySecurityToken [^>]*>[^<]*<\/wsse:BinarySecurityToken><ds:Signature .*<\/ds:Signature>/, ''));
    await rejects(read(m), 'EBMS:0101', 'security.failed-authentication', /not signed/);
  });

  it('EBMS:0102 for a signed but unencrypted payload', async () => {
    const gz = await gzip(Buffer.from(SAMPLE_SBDH));
    await rejects(read(craft(gz, { compressed: true, encrypt: false })), 'EBMS:0102', 'security.failed-decryption', /not encrypted/);
  });

  it('EBMS:0101 for a disallowed signature algorithm (RSA-SHA1)', async () => {
    const m = edit(good, (s) => s.replace('xmldsig-more#rsa-sha256', 'xmldsig#rsa-sha1'));
    await rejects(read(m), 'EBMS:0101', 'security.failed-authentication', /only RSA-SHA256/);
  });

  it('EBMS:0101 for a disallowed digest algorithm (SHA-1)', async () => {
    const m = edit(good, (s) => s.replace('xmlenc#sha256"></ds:DigestMethod>', 'xmldsig#sha1"></ds:DigestMethod>'));
    await rejects(read(m), 'EBMS:0101', 'security.failed-authentication', /only SHA-256/);
  });

  it('EBMS:0102 for a disallowed key transport (rsa-oaep-mgf1p)', async () => {
    const m = edit(good, (s) => s.replace('http://www.w3.org/2009/xmlenc11#rsa-oaep"', 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"'));
    await rejects(read(m), 'EBMS:0102', 'security.failed-decryption', /Key transport/);
  });

  it('EBMS:0103 when the signing certificate is not referenced as a BinarySecurityToken', async () => {
    const m = edit(good, (s) =>
      s.replace(/<ds:KeyInfo><wsse:SecurityTokenReference>.*?<\/wsse:SecurityTokenReference><\/ds:KeyInfo><\/ds:Signature>/, (ki) =>
        ki.replace(/<wsse:Reference [^>]*\/>/, '<wsse:KeyIdentifier ValueType="x">AAAA</wsse:KeyIdentifier>'),
      ),
    );
    await rejects(read(m), 'EBMS:0103', 'security.policy-noncompliance', /KeyIdentifier/);
  });

  it('EBMS:0101 for an expired signer certificate', async () => {
    const expired = f.issue('POP000011', { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) });
    await rejects(read(parse(await build({ sender: f.identity(expired), header: sampleHeader({ fromPartyId: 'POP000011' }) }))), 'EBMS:0101', 'pki.expired');
  });

  it('EBMS:0101 for a revoked signer certificate', async () => {
    const revoked = f.issue('POP000012', { revoked: true });
    f.refreshCrl();
    await rejects(read(parse(await build({ sender: f.identity(revoked), header: sampleHeader({ fromPartyId: 'POP000012' }) }))), 'EBMS:0101', 'pki.revoked');
  });

  it('EBMS:0101 for a signer from an untrusted CA', async () => {
    const rogue = f.issue('POP000013', { issuer: 'untrusted' });
    await rejects(read(parse(await build({ sender: f.identity(rogue), header: sampleHeader({ fromPartyId: 'POP000013' }) }))), 'EBMS:0101', 'pki.untrusted');
  });

  it('EBMS:0303 for a gzip bomb, with memory bounded by the limit', async () => {
    const bomb = await build({ payload: Buffer.alloc(16 * 1024 * 1024, 0x20) });
    const before = process.memoryUsage().arrayBuffers;
    await rejects(
      read(parse(bomb), { limits: { decompression: { maxBytes: 4 * 1024 * 1024, maxRatio: 100 } } }),
      'EBMS:0303',
      'as4.decompression-failed',
      /gzip bomb/,
    );
    assert.ok(process.memoryUsage().arrayBuffers - before < 12 * 1024 * 1024, 'inflation was not stopped at the budget');
  });

  it('EBMS:0303 for an attachment that is not gzip although CompressionType says so', async () => {
    await rejects(read(craft(Buffer.from(SAMPLE_SBDH), { compressed: true, encrypt: true })), 'EBMS:0303', 'as4.decompression-failed', /not valid gzip/);
  });

  it('EBMS:0004 for a truncated MIME message', async () => {
    await assert.rejects(
      async () => read(parseMimeMessage(good.contentType, good.body.subarray(0, Math.floor(good.body.length / 2)))),
      (err: unknown) => err instanceof ApError && err.ebmsCode === 'EBMS:0004' && err.kind === 'mime.malformed',
    );
  });

  it('EBMS:0004 for two attachments', async () => {
    const m = edit(good, undefined, (a) => [...a, { body: Buffer.from('second'), contentId: 'second@test' }]);
    await rejects(read(m), 'EBMS:0004', 'ebms.profile-violation', /2 attachments/);
  });

  it('EBMS:0004 for a missing attachment', async () => {
    const m = edit(good, undefined, () => []);
    await rejects(read(m), 'EBMS:0004', 'ebms.profile-violation', /0 attachments/);
  });

  it('EBMS:0004 for a wrong AgreementRef, before any signature check', async () => {
    const m = edit(good, (s) => s.replace('tia:ap_provider', 'tia:other'));
    await rejects(read(m), 'EBMS:0004', 'ebms.profile-violation', /AgreementRef/);
  });

  it('EBMS:0004 for a non-empty SOAP Body', async () => {
    const m = edit(good, (s) => s.replace(/(<S12:Body [^>]*)\/>/, '$1><x/></S12:Body>'));
    await rejects(read(m), 'EBMS:0004', 'ebms.profile-violation', /Body must be empty/);
  });

  it('EBMS:0004 for a wrong PartyId (not a seat id), after the security checks', async () => {
    await rejects(read(parse(await build({ header: sampleHeader({ toPartyId: 'receiver-ap' }) }))), 'EBMS:0004', 'ebms.profile-violation', /seat id/);
  });

  it('EBMS:0004 when the From PartyId is not the signer seat id', async () => {
    await rejects(read(parse(await build({ header: sampleHeader({ fromPartyId: 'POP000077' }) }))), 'EBMS:0004', 'ebms.profile-violation', /POP000077 is not the seat id of the signing certificate \(POP000001\)/);
  });

  it('EBMS:0004 when the message is addressed to another access point', async () => {
    await rejects(read(parse(good), { ourSeatId: 'POP000099' }), 'EBMS:0004', 'ebms.profile-violation', /POP000099/);
  });

  it('EBMS:4001 for a duplicate MessageId', async () => {
    const seen = new Set([good.messageId]);
    await rejects(read(parse(good), { isDuplicate: (id) => seen.has(id) }), 'EBMS:4001', 'as4.duplicate');
  });

  it('EBMS:0004 for an envelope over the size limit, and for one nested too deep', async () => {
    const big = edit(good, (s) => s.replace('</wsse:Security>', `<pad>${'x'.repeat(1024 * 1024)}</pad></wsse:Security>`));
    await rejects(read(big), 'EBMS:0004', 'input.too-large');
    const deep = edit(good, (s) => s.replace('</wsse:Security>', `${'<d>'.repeat(100)}${'</d>'.repeat(100)}</wsse:Security>`));
    await rejects(read(deep), 'EBMS:0004', 'xml.too-deep');
  });

  it('EBMS:0101 for extra signature references', async () => {
    const m = edit(good, (s) => s.replace('</ds:SignedInfo>', (/<ds:Reference .*?<\/ds:Reference>/.exec(s)![0]) + '</ds:SignedInfo>'));
    await rejects(read(m), 'EBMS:0101', 'security.failed-authentication', /4 references; expected 3/);
  });

  it('EBMS:0004 for a DOCTYPE in the envelope', async () => {
    const m = edit(good, (s) => s.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'));
    await rejects(read(m), 'EBMS:0004', 'xml.dtd-forbidden');
  });
});
