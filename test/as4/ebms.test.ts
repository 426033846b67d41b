/** ebMS 3 header model, Peppol profile rules, exclusive c14n and bounded gunzip. */
import assert from 'node:assert/strict';
import { ApError } from '../../src/errors.js';
import { parseDom } from '../../src/xml/safe.js';
import { excC14n } from '../../src/as4/c14n.js';
import { DEFAULT_DECOMPRESSION_LIMITS, gunzipBounded, gzip } from '../../src/as4/compression.js';
import { buildUserMessageXml, checkAgreement, checkPeppolHeaders, documentTypeOf, parseUserMessage, type UserMessage } from '../../src/as4/ebms.js';
import { NS } from '../../src/as4/ns.js';
import { sampleHeader } from './fixtures.js';

function parsed(): UserMessage {
  const xml = buildUserMessageXml(
    { ...sampleHeader(), messageId: 'm-1@test', conversationId: 'conv-1' },
    { contentId: 'p@test', mimeType: 'application/xml', compressed: true, characterSet: 'UTF-8' },
    '_msg-1',
  );
  const doc = parseDom(`<S12:Envelope xmlns:S12="${NS.S12}"><S12:Header>${xml}</S12:Header></S12:Envelope>`);
  return parseUserMessage(doc.getElementsByTagNameNS(NS.EB, 'UserMessage')[0] as Element);
}

const profileError = (fn: () => void, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof ApError && e.kind === 'ebms.profile-violation' && e.ebmsCode === 'EBMS:0004' && re.test(e.message));

describe('as4 ebMS model', () => {
  it('builds and parses a Peppol UserMessage', () => {
    const um = parsed();
    assert.equal(um.messageId, 'm-1@test');
    assert.deepEqual(um.from, { partyId: 'POP000001', partyIdType: 'urn:fdc:peppol.eu:2017:identifiers:ap', role: NS.EB + 'initiator' });
    assert.equal(um.to.role, NS.EB + 'responder');
    assert.equal(um.agreementRef, 'urn:fdc:peppol.eu:2017:agreements:tia:ap_provider');
    assert.equal(um.serviceType, 'cenbii-procid-ubl');
    assert.equal(documentTypeOf(um.action).scheme, 'busdox-docid-qns');
    assert.deepEqual(um.originalSender, { value: '0208:0123456749', type: 'iso6523-actorid-upis' });
    assert.deepEqual(um.parts.map((p) => [p.contentId, p.mimeType, p.compressionType, p.characterSet]), [['p@test', 'application/xml', 'application/gzip', 'UTF-8']]);
    checkAgreement(um);
    checkPeppolHeaders(um, 'POP000002');
  });

  it('rejects a missing or different AgreementRef, or one with a pmode attribute', () => {
    profileError(() => checkAgreement({ ...parsed(), agreementRef: null }), /no eb:AgreementRef/);
    profileError(() => checkAgreement({ ...parsed(), agreementRef: 'urn:other' }), /expected urn:fdc/);
    profileError(() => checkAgreement({ ...parsed(), agreementRefAttributes: ['pmode'] }), /must not carry attributes/);
  });

  it('rejects more than one payload, a second PartyId, a wrong PartyId type, missing or untyped originalSender/finalRecipient', () => {
    const um = parsed();
    profileError(() => checkPeppolHeaders({ ...um, parts: [um.parts[0]!, um.parts[0]!] }), /2 payloads/);
    profileError(() => checkPeppolHeaders({ ...um, fromPartyIds: [...um.fromPartyIds, { value: 'POP000009', type: null }] }), /2 PartyIds/);
    profileError(() => checkPeppolHeaders({ ...um, toPartyIds: [{ value: 'POP000002', type: 'urn:oasis:names:tc:ebcore:partyid-type:unregistered' }] }), /type/);
    profileError(() => checkPeppolHeaders({ ...um, originalSender: null }), /no originalSender/);
    profileError(() => checkPeppolHeaders({ ...um, finalRecipient: { value: '0208:1', type: null } }), /finalRecipient has no type/);
    profileError(() => checkPeppolHeaders({ ...um, serviceType: null }), /Service has no type/);
  });

  it('reports a missing MessageId as EBMS:0009', () => {
    const doc = parseDom(`<eb:UserMessage xmlns:eb="${NS.EB}"><eb:MessageInfo><eb:Timestamp>2026-01-01T00:00:00Z</eb:Timestamp></eb:MessageInfo></eb:UserMessage>`);
    assert.throws(() => parseUserMessage(doc.documentElement as Element), (e: unknown) => e instanceof ApError && e.ebmsCode === 'EBMS:0009');
  });
});

describe('as4 exclusive c14n', () => {
  it('orders namespace declarations by code point and renders only visibly used ones', () => {
    const doc = parseDom(
      `<S12:Envelope xmlns:S12="urn:s12" xmlns:unused="urn:u"><S12:Header><eb:Messaging xmlns:eb="urn:eb" xmlns:wsu="urn:wsu" wsu:Id="a" S12:mustUnderstand="true" b="1&#13;"><eb:X>a&amp;b&gt;<![CDATA[<c>]]></eb:X><!-- gone --><eb:E/></eb:Messaging></S12:Header></S12:Envelope>`,
    );
    const m = doc.getElementsByTagNameNS('urn:eb', 'Messaging')[0] as Element;
    assert.equal(
      excC14n(m),
      '<eb:Messaging xmlns:S12="urn:s12" xmlns:eb="urn:eb" xmlns:wsu="urn:wsu" b="1&#xD;" S12:mustUnderstand="true" wsu:Id="a">' +
        '<eb:X>a&amp;b&gt;&lt;c&gt;</eb:X><eb:E></eb:E></eb:Messaging>',
    );
  });

  it('renders in-scope namespaces named in the InclusiveNamespaces PrefixList, without touching the DOM', () => {
    const doc = parseDom('<a:r xmlns:a="urn:a" xmlns:k="urn:k" xmlns="urn:d"><a:b/></a:r>');
    const b = doc.documentElement!.firstChild as Element;
    assert.equal(excC14n(b), '<a:b xmlns:a="urn:a"></a:b>');
    assert.equal(excC14n(b, ['k', '#default']), '<a:b xmlns="urn:d" xmlns:a="urn:a" xmlns:k="urn:k"></a:b>');
    assert.equal(b.attributes.length, 0);
  });
});

describe('as4 compression', () => {
  it('round-trips and rejects data that is not gzip with EBMS:0303', async () => {
    const data = Buffer.from('<x>payload</x>');
    assert.ok((await gunzipBounded(await gzip(data))).equals(data));
    await assert.rejects(gunzipBounded(data, DEFAULT_DECOMPRESSION_LIMITS), (e: unknown) => e instanceof ApError && e.ebmsCode === 'EBMS:0303');
  });

  it('stops inflating at the absolute cap', async () => {
    const z = await gzip(Buffer.alloc(2 * 1024 * 1024));
    await assert.rejects(gunzipBounded(z, { maxBytes: 1024 * 1024, maxRatio: 1e9 }), /more than 1048576 bytes/);
    assert.equal((await gunzipBounded(z, { maxBytes: 2 * 1024 * 1024, maxRatio: 1e9 })).length, 2 * 1024 * 1024);
  });
});
