import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ApError } from '../../src/errors.js';
import { buildErrorSignal, buildReceipt, buildUserMessage } from '../../src/as4/index.js';
import { excC14n } from '../../src/as4/c14n.js';
import { NS } from '../../src/as4/ns.js';
import { collectIds } from '../../src/as4/tokens.js';
import { parseLiteDom } from '../../src/xml/lite-dom.js';
import { MAX_ATTRIBUTES, MAX_NAMESPACES } from '../../src/xml/decode.js';
import { parseDom } from '../../src/xml/safe.js';
import { assertLinear, attributeList, manyAttributeEnvelope } from '../support/hostile-xml.js';
import { as4Fixture } from './fixtures.js';

const LIMITS = { maxBytes: 1024 * 1024, maxDepth: 64 };
/** For the linear-time checks, whose larger documents pass 1 MB. */
const LARGE = { maxBytes: 64 * 1024 * 1024, maxDepth: 64 };

/** Not well-formed XML (namespace well-formedness included), each refused as xml.malformed ('' as input.empty). */
const NOT_WELL_FORMED = [
  '<a>',
  '<a></b>',
  '<a><b></a></b>',
  '<a/><b/>',
  'text<a/>',
  '<a/>text',
  '<a b="1" b="2"/>',
  '<a xmlns:p="urn:1" xmlns:q="urn:1" p:b="1" q:b="2"/>',
  '<a b=1/>',
  '<a b="1"c="2"/>',
  '<a b="<"/>',
  '<p:a/>',
  '<a p:b="1"/>',
  '<a xmlns:p=""/>',
  '<xmlns:a/>',
  '<a xmlns:xml="urn:x"/>',
  '<a>&unknown;</a>',
  '<a>&amp</a>',
  '<a>&#0;</a>',
  '<a>&#xD800;</a>',
  '<a>x]]>y</a>',
  '<a><!-- a -- b --></a>',
  '<a>\u0001</a>',
  '<a b="\u0001"/>',
  '<a>\uD800</a>',
  '<a b="\uDC00x"/>',
  '<a><?xml version="1.0"?></a>',
  ' <?xml version="1.0"?><a/>',
  '<1a/>',
  '<a><![CDATA[x</a>',
  '<a></a ',
  '',
];

/** Duplicates past the pairwise comparison (more than eight attributes), plain and through two prefixes. */
const MANY_WITH_DUPLICATE = [`<a${attributeList(20)} a3=""/>`, `<a xmlns:p="urn:1" xmlns:q="urn:1"${attributeList(20)} p:b="1" q:b="2"/>`];

/**
 * The tree as the AS4 code sees it: names, namespaces, attributes (declarations included) and text, with
 * adjacent text joined and comments dropped (the lite DOM joins text around a comment; neither affects
 * textContent or the canonical form).
 */
function dump(n: Node): unknown[] {
  const out: unknown[] = [];
  let textRun: string | null = null;
  const flush = () => {
    if (textRun !== null) out.push(['#text', textRun]);
    textRun = null;
  };
  for (let c = n.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 3 || c.nodeType === 4) textRun = (textRun ?? '') + (c as CharacterData).data;
    else if (c.nodeType === 1) {
      flush();
      const e = c as Element;
      const attrs = Array.from({ length: e.attributes.length }, (_, i) => {
        const a = e.attributes.item(i)!;
        return [a.name, a.prefix, a.localName, a.namespaceURI ?? null, a.value]; // xmldom leaves it undefined
      });
      // Under xmlns="" xmldom says '' where the DOM standard (and the lite DOM) says null.
      out.push([e.tagName, e.prefix, e.localName, e.namespaceURI || null, attrs, e.textContent, dump(e)]);
    } else if (c.nodeType === 7) {
      flush();
      out.push(['?', (c as ProcessingInstruction).target, (c as ProcessingInstruction).data.trim()]);
    }
  }
  flush();
  return out;
}

function sameAsXmldom(xml: string): void {
  const lite = parseLiteDom(xml, LIMITS);
  const ref = parseDom(xml);
  // From the root: outside it, xmldom keeps the XML declaration and white space as nodes, the lite DOM does not.
  const root = (d: Document) => ({ firstChild: d.documentElement, nextSibling: null }) as unknown as Node;
  assert.deepEqual(dump(root(lite)), dump(root(ref)));
  assert.equal(excC14n(lite.documentElement as Element), excC14n(ref.documentElement as Element));
  const names = (d: Document, ns: string | null, local: string) => {
    const list = d.getElementsByTagNameNS(ns, local);
    return Array.from({ length: list.length }, (_, i) => list[i]!.tagName);
  };
  assert.deepEqual(names(lite, '*', '*'), names(ref, '*', '*'));
  const first = ref.documentElement!.firstElementChild ?? ref.documentElement!;
  assert.deepEqual(names(lite, first.namespaceURI, first.localName), names(ref, first.namespaceURI, first.localName));
}

function refused(xml: string, kind: string): void {
  assert.throws(() => parseLiteDom(xml, LIMITS), (e: unknown) => e instanceof ApError && e.kind === kind, xml);
}

describe('xml lite DOM (AS4 envelopes) against xmldom', () => {
  it('builds the same tree and canonical form for our user messages, receipts and error signals', async () => {
    const f = as4Fixture();
    const header = {
      fromPartyId: 'POP000001',
      toPartyId: 'POP000002',
      processId: 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0',
      documentTypeId: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1',
      originalSender: '0208:0123456749',
      finalRecipient: '0208:0987654321',
    };
    const sent = await buildUserMessage({ header, payload: randomBytes(500), sender: f.senderId, receiverCertificate: f.receiver.cert });
    sameAsXmldom(sent.soap.toString('utf8'));
    sameAsXmldom(buildReceipt(sent, f.receiverId).soap.toString('utf8'));
    sameAsXmldom(buildErrorSignal(sent.messageId, [{ code: 'EBMS:0004', description: 'a <b> & "c"', detail: 'PEPPOL:NOT_SERVICED' }], f.receiverId).soap.toString('utf8'));
  });

  it('agrees on line ends, attribute-value normalisation, references, CDATA, comments, PIs and namespaces', () => {
    sameAsXmldom('<?xml version="1.0"?>\r\n<!-- c -->\r\n<r xmlns="urn:d" a="x\r\ny\tz&#9;&#10;&#13;" xml:lang="en">\r\n t\rx&amp;&lt;&gt;&quot;&apos;&#x1F600;&#65;<![CDATA[<&>]]>a<!-- c -->b<?pi  some data?><e/></r>\n');
    sameAsXmldom(`<S12:Envelope xmlns:S12="${NS.S12}"><S12:Header><x:a xmlns:x="urn:x" xmlns:y="urn:y" y:b='1' b="2" x:c="3"><x:b xmlns:x="urn:other" xmlns=""><c/></x:b></x:a></S12:Header><S12:Body/></S12:Envelope>`);
    sameAsXmldom('<a:r xmlns:a="urn:a" xmlns:k="urn:k" xmlns="urn:d"><a:b/>  <c k:x="1"  >text</c ></a:r>');
    // Names and namespace URIs too long to be kept in the parser's caches.
    const long = 'n'.repeat(300);
    sameAsXmldom(`<p:${long} xmlns:p="urn:${long}" p:${long}="v"><${long}/></p:${long}>`);
  });

  it('refuses what is not well-formed XML', () => {
    for (const xml of [...NOT_WELL_FORMED, ...MANY_WITH_DUPLICATE]) refused(xml, xml === '' ? 'input.empty' : 'xml.malformed');
  });

  it('refuses a DOCTYPE anywhere, enforces the depth and size limits, and reports line and column', () => {
    refused('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 'xml.dtd-forbidden');
    refused('<a><!DOCTYPE a></a>', 'xml.dtd-forbidden');
    refused('<a><!ENTITY x "y"></a>', 'xml.dtd-forbidden');
    refused(`${'<d>'.repeat(65)}${'</d>'.repeat(65)}`, 'xml.too-deep');
    parseLiteDom(`${'<d>'.repeat(64)}${'</d>'.repeat(64)}`, LIMITS);
    assert.throws(() => parseLiteDom('<a>x</a>', { maxBytes: 4, maxDepth: 8 }), (e: unknown) => e instanceof ApError && e.kind === 'input.too-large');
    assert.throws(
      () => parseLiteDom('<a>\n  <b>\n</a>', LIMITS),
      (e: unknown) => e instanceof ApError && e.details?.['line'] === 3 && e.details?.['column'] === 1,
    );
  });

  it('refuses more than 256 attributes on an element and 128 namespace declarations in scope, as input.too-large', () => {
    const decls = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => ` xmlns:p${from + k}="urn:${from + k}"`).join('');
    assert.equal(parseLiteDom(`<a${attributeList(MAX_ATTRIBUTES)}/>`, LIMITS).documentElement!.attributes.length, MAX_ATTRIBUTES);
    refused(`<a${attributeList(MAX_ATTRIBUTES + 1)}/>`, 'input.too-large');
    refused(`<a xmlns="urn:d"${attributeList(MAX_ATTRIBUTES)}/>`, 'input.too-large');
    // Declarations count along the ancestors, and leave the scope with their element.
    parseLiteDom(`<a${decls(0, 64)}><b${decls(64, MAX_NAMESPACES)}/><c${decls(64, MAX_NAMESPACES)}/></a>`, LIMITS);
    refused(`<a${decls(0, 64)}><b${decls(64, MAX_NAMESPACES + 1)}/></a>`, 'input.too-large');
    assert.throws(
      () => parseLiteDom(`<r>\n  <a${attributeList(MAX_ATTRIBUTES + 1)}/></r>`, LIMITS),
      (e: unknown) => e instanceof ApError && /more than 256 attributes on element 'a'/.test(e.message) && e.details?.['line'] === 2 && e.details?.['column'] === 3,
    );
  });

  it('refuses the 0.94 MB envelope carrying 110,000 attributes in well under a second', () => {
    const envelope = manyAttributeEnvelope();
    const t0 = performance.now();
    assert.throws(() => parseLiteDom(envelope, LIMITS), (e: unknown) => e instanceof ApError && e.kind === 'input.too-large');
    const ms = performance.now() - t0;
    assert.ok(ms < 100, `${ms.toFixed(1)} ms for ${Buffer.byteLength(envelope)} bytes`);
  });

  it('parses or refuses in time linear in its attributes, namespace declarations and element names', () => {
    assertLinear((xml) => parseLiteDom(xml, LARGE), 20_000);
  });
});

describe('parseDom (hardened xmldom): the lite DOM\'s well-formedness and limits, in linear time', () => {
  const refusedByDom = (xml: string, kind: string) =>
    assert.throws(() => parseDom(xml), (e: unknown) => e instanceof ApError && e.kind === kind, JSON.stringify(xml.slice(0, 100)));

  it('refuses XML that is not well-formed (mismatched tags, control characters…) as xml.malformed, with line and column', () => {
    for (const xml of [...NOT_WELL_FORMED, ...MANY_WITH_DUPLICATE]) refusedByDom(xml, xml === '' ? 'input.empty' : 'xml.malformed');
    assert.throws(
      () => parseDom('<a>\n  <b>x</c></a>'),
      (e: unknown) => e instanceof ApError && e.kind === 'xml.malformed' && e.details?.['line'] === 2 && e.details?.['column'] === 7,
    );
  });

  it('refuses a DOCTYPE, and more than 256 levels, 256 attributes on an element, 128 namespaces in scope or 512 element names', () => {
    refusedByDom('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 'xml.dtd-forbidden');
    parseDom(`${'<d>'.repeat(256)}${'</d>'.repeat(256)}`);
    refusedByDom(`${'<d>'.repeat(257)}${'</d>'.repeat(257)}`, 'xml.too-deep');
    refusedByDom(`<a${attributeList(MAX_ATTRIBUTES + 1)}/>`, 'input.too-large');
    refusedByDom(`<a${Array.from({ length: MAX_NAMESPACES + 1 }, (_, k) => ` xmlns:p${k}="urn:${k}"`).join('')}/>`, 'input.too-large');
    const names = (n: number) => `<r>${Array.from({ length: n }, (_, k) => `<e${k}>x</e${k}>`).join('')}</r>`;
    parseDom(names(511)); // and r: 512 names
    refusedByDom(names(512), 'input.too-large');
  });

  it('parses or refuses in time linear in its attributes, namespace declarations and element names', () => {
    assertLinear((xml) => parseDom(xml, LARGE), 20_000);
  });
});

describe('as4 ID registry (signature wrapping) over the lite DOM', () => {
  const wsu = `xmlns:wsu="${NS.WSU}"`;
  it('registers wsu:Id, Id, ID and xml:id, and refuses a value used by two elements whatever the attribute', () => {
    const ids = collectIds(parseLiteDom(`<r ${wsu}><a wsu:Id="1"/><b Id="2"/><c ID="3"/><d xml:id="4"/><e wsu:Id="5" Id="5"/><f x:Id="6" xmlns:x="urn:x"/></r>`, LIMITS));
    assert.deepEqual([...ids.keys()].sort(), ['1', '2', '3', '4', '5']);
    assert.equal(ids.get('4')!.localName, 'd');
    for (const [a, b] of [
      ['wsu:Id', 'Id'],
      ['Id', 'ID'],
      ['ID', 'xml:id'],
      ['xml:id', 'wsu:Id'],
    ]) {
      assert.throws(
        () => collectIds(parseLiteDom(`<r ${wsu}><a ${a}="x"/><b><c ${b}="x"/></b></r>`, LIMITS)),
        (e: unknown) => e instanceof ApError && e.kind === 'security.failed-authentication',
      );
    }
  });
});
