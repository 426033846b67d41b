import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { ApError } from '../../src/errors.js';
import { extractAttachment, MAX_RENDER_LINES, renderHtml, renderPdf, type RenderLanguage } from '../../src/rendering/index.js';
import { largeInvoice } from '../../src/testing/mutate/large.js';
import { parseDom } from '../../src/xml/safe.js';
import { parseLiteDom } from '../../src/xml/lite-dom.js';
import { BASE_INVOICE, CEN_EXAMPLES_DIR, officialExamples, SCHEMATRON_DIR } from '../support/artifacts.js';
import { foldSpace, readPdf } from '../support/pdf-text.js';

const CAC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2';
const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
const LANGUAGES: RenderLanguage[] = ['nl', 'fr', 'en'];
/** The oracle for the locale formats: ICU through Intl, given the decimal text (exact, no float in between). */
const LOCALES: Record<RenderLanguage, string> = { nl: 'nl-BE', fr: 'fr-BE', en: 'en-GB' };
/** A word each language's rendering must show, so that a rendering in the wrong language fails. */
const PAYABLE: Record<RenderLanguage, string> = { nl: 'Te betalen', fr: 'Montant à payer', en: 'Amount due' };
const RESPONDED: Record<RenderLanguage, string> = { nl: 'Beantwoorde factuur', fr: 'Facture concernée', en: 'Invoice responded to' };

function localized(decimal: string, lang: RenderLanguage): string {
  const decimals = decimal.split('.')[1]?.length ?? 0;
  return new Intl.NumberFormat(LOCALES[lang], { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(decimal as unknown as number);
}

const children = (e: Element | undefined, ns: string, local: string): Element[] =>
  e ? Array.from(e.childNodes as unknown as ArrayLike<Node>).filter((c): c is Element => c.nodeType === 1 && (c as Element).localName === local && (c as Element).namespaceURI === ns) : [];
const child = (e: Element | undefined, ns: string, local: string): Element | undefined => children(e, ns, local)[0];
const textOf = (e: Element | undefined): string | undefined => e?.textContent?.trim() || undefined;

/** What every rendering of a billing document must show, read from the XML by the test itself. */
function expectedOfBilling(root: Element): { number: string; parties: string[]; amounts: string[] } {
  const partyName = (role: string): string => {
    const party = child(child(root, CAC, role), CAC, 'Party');
    return (textOf(child(child(party, CAC, 'PartyLegalEntity'), CBC, 'RegistrationName')) ?? textOf(child(child(party, CAC, 'PartyName'), CBC, 'Name')))!;
  };
  const lines = [...children(root, CAC, 'InvoiceLine'), ...children(root, CAC, 'CreditNoteLine')];
  return {
    number: textOf(child(root, CBC, 'ID'))!,
    parties: [partyName('AccountingSupplierParty'), partyName('AccountingCustomerParty')],
    amounts: [...lines.map((l) => textOf(child(l, CBC, 'LineExtensionAmount'))!), textOf(child(child(root, CAC, 'LegalMonetaryTotal'), CBC, 'PayableAmount'))!],
  };
}

type P5Node = DefaultTreeAdapterMap['node'];
type P5Element = DefaultTreeAdapterMap['element'];

function walk(n: P5Node, visit: (e: P5Element) => void): void {
  if ('tagName' in n) visit(n);
  const kids = 'content' in n && n.content ? n.content.childNodes : 'childNodes' in n ? n.childNodes : [];
  for (const c of kids) walk(c, visit);
}

function htmlText(n: P5Node): string {
  if (n.nodeName === '#text') return (n as DefaultTreeAdapterMap['textNode']).value;
  if ('tagName' in n && (n.tagName === 'style' || n.tagName === 'title')) return '';
  const kids = 'childNodes' in n ? n.childNodes : [];
  return kids.map(htmlText).join(n.nodeName === 'br' ? '' : ' ');
}

/** Parses the HTML: no parse error (HTML's own well-formedness), and well-formed as XML too (polyglot). */
function parseHtml(html: string): { text: string; elements: P5Element[] } {
  const errors: string[] = [];
  const doc = parse(html, { onParseError: (e) => errors.push(`${e.code} at ${e.startLine}:${e.startCol}`) });
  assert.deepEqual(errors, []);
  parseLiteDom(html.replace(/^<!DOCTYPE html>/, ''), { maxBytes: 64 * 1024 * 1024, maxDepth: 64 });
  const elements: P5Element[] = [];
  walk(doc, (e) => elements.push(e));
  return { text: foldSpace(htmlText(doc)), elements };
}

function assertShows(text: string, what: string[], where: string): void {
  for (const w of what) assert.ok(text.includes(foldSpace(w)), `${where} does not show '${w}'`);
}

const INVOICE_RESPONSE_EXAMPLES = join(SCHEMATRON_DIR, 'examples', 'invoice-response');

describe('rendering', function () {
  this.timeout(120_000);

  for (const file of officialExamples()) {
    it(`renders ${basename(file)} in nl, fr and en: number, both parties, every line amount and the payable amount as in the XML`, async () => {
      const xml = readFileSync(file);
      const expected = expectedOfBilling(parseDom(xml).documentElement);
      for (const lang of LANGUAGES) {
        const shows = [expected.number, ...expected.parties, ...expected.amounts.map((a) => localized(a, lang)), PAYABLE[lang]];
        const pdf = await readPdf(await renderPdf(xml, lang));
        assertShows(pdf.text, shows, `the ${lang} PDF of ${basename(file)}`);
        assertShows(parseHtml(renderHtml(xml, lang)).text, shows, `the ${lang} HTML of ${basename(file)}`);
      }
    });
  }

  for (const name of readdirSync(INVOICE_RESPONSE_EXAMPLES).filter((f) => f.endsWith('.xml')).sort()) {
    it(`renders the Invoice Response ${name}: its id, both parties, the invoice it answers`, async () => {
      const xml = readFileSync(join(INVOICE_RESPONSE_EXAMPLES, name));
      const root = parseDom(xml).documentElement;
      const partyName = (role: string) => textOf(child(child(child(root, CAC, role), CAC, 'PartyLegalEntity'), CBC, 'RegistrationName'))!;
      const invoiceId = textOf(child(child(child(root, CAC, 'DocumentResponse'), CAC, 'DocumentReference'), CBC, 'ID'))!;
      for (const lang of LANGUAGES) {
        const shows = [textOf(child(root, CBC, 'ID'))!, partyName('SenderParty'), partyName('ReceiverParty'), invoiceId, RESPONDED[lang]];
        assertShows((await readPdf(await renderPdf(xml, lang))).text, shows, `the ${lang} PDF of ${name}`);
        assertShows(parseHtml(renderHtml(xml, lang)).text, shows, `the ${lang} HTML of ${name}`);
      }
    });
  }

  it('shows the status of an Invoice Response by name in each language', async () => {
    const xml = readFileSync(join(INVOICE_RESPONSE_EXAMPLES, 'T111-uc004a-Invoice_is_rejected.xml'));
    const names: Record<RenderLanguage, string> = { nl: 'Geweigerd (RE)', fr: 'Refusée (RE)', en: 'Rejected (RE)' };
    for (const lang of LANGUAGES) assertShows(parseHtml(renderHtml(xml, lang)).text, [names[lang]], lang);
  });

  it('marks every rendering as a rendering of the XML, which stays the original', async () => {
    const xml = readFileSync(BASE_INVOICE);
    assertShows((await readPdf(await renderPdf(xml, 'en'))).text, ['The XML remains the original'], 'the PDF');
    assertShows(parseHtml(renderHtml(xml, 'nl')).text, ['Het XML-bestand blijft het origineel'], 'the HTML');
  });

  it('shows the structured communication, the IBAN in groups and the VAT breakdown of a Belgian invoice', async () => {
    const xml = readFileSync(BASE_INVOICE, 'utf8')
      .replace('<cbc:PaymentID>Snippet1</cbc:PaymentID>', '<cbc:PaymentID>090933755493</cbc:PaymentID>')
      .replace('<cbc:ID>IBAN32423940</cbc:ID>', '<cbc:ID>BE71096123456769</cbc:ID>');
    const text = (await readPdf(await renderPdf(xml, 'fr'))).text;
    assertShows(text, ['Communication structurée', '+++090/9337/55493+++', 'BE71 0961 2345 6769', 'Récapitulatif TVA', 'Taux normal (S)', localized('331.25', 'fr')], 'the PDF');
  });

  it('escapes hostile content: a script in a note, markup in a party name and in an attachment name stay text', async () => {
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const xml = readFileSync(BASE_INVOICE, 'utf8')
      .replace('<cbc:DueDate>', `<cbc:Note>${hostile.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</cbc:Note><cbc:DueDate>`)
      .replace('SupplierOfficialName Ltd', `Evil &quot;&gt;&lt;svg onload=alert(2)&gt; Ltd`)
      .replace(
        '<cac:AccountingSupplierParty>',
        `<cac:AdditionalDocumentReference><cbc:ID>a&quot; onclick=&quot;alert(3)</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="text/html" filename="x&quot;&gt;&lt;b&gt;.html">PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference><cac:AccountingSupplierParty>`,
      );
    const html = renderHtml(xml, 'en');
    const { text, elements } = parseHtml(html);
    assert.deepEqual(elements.filter((e) => ['script', 'img', 'svg', 'b', 'iframe', 'object'].includes(e.tagName)).map((e) => e.tagName), []);
    const handlers = elements.flatMap((e) => e.attrs.filter((a) => a.name.startsWith('on')).map((a) => `${e.tagName}@${a.name}`));
    assert.deepEqual(handlers, []);
    assertShows(text, [hostile, 'Evil "><svg onload=alert(2)> Ltd'], 'the HTML');
    // An attachment type BIS 3.0 does not allow is offered as plain bytes, never as a page to open.
    const links = elements.filter((e) => e.tagName === 'a').map((e) => e.attrs.find((a) => a.name === 'href')!.value);
    assert.deepEqual(links, ['data:application/octet-stream;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==']);
    // Self-contained: nothing refers outside the page.
    assert.deepEqual(elements.filter((e) => ['link', 'script', 'img', 'iframe'].includes(e.tagName) || e.attrs.some((a) => a.name === 'src')).length, 0);
    assert.ok(!/url\(|@import/.test(html.slice(html.indexOf('<style>'), html.indexOf('</style>'))), 'no resource in the CSS');
    assertShows((await readPdf(await renderPdf(xml, 'en'))).text, [hostile], 'the PDF');
  });

  it('offers every embedded attachment as it is: listed, extractable, and carried unchanged inside the PDF', async () => {
    const file = join(CEN_EXAMPLES_DIR, 'FT_G2G_TD01_con_Allegato_Bonifico_e_Split_Payment.xml');
    const xml = readFileSync(file);
    const root = parseDom(xml).documentElement;
    const refs = children(root, CAC, 'AdditionalDocumentReference');
    const embedded = refs.flatMap((r, index) => {
      const b = child(child(r, CAC, 'Attachment'), CBC, 'EmbeddedDocumentBinaryObject');
      return b ? [{ index, filename: b.getAttribute('filename')!, bytes: Buffer.from(b.textContent!, 'base64') }] : [];
    });
    assert.ok(embedded.length > 0);
    for (const e of embedded) {
      const got = extractAttachment(xml, e.index)!;
      assert.equal(got.filename, e.filename);
      assert.ok(got.content.equals(e.bytes), `attachment ${e.index} differs`);
    }
    assert.equal(extractAttachment(xml, refs.length), null);
    const pdf = await readPdf(await renderPdf(xml, 'nl'));
    assert.deepEqual(
      pdf.attachments.map((a) => Buffer.from(a.content).toString('base64')),
      embedded.map((e) => e.bytes.toString('base64')),
    );
    assertShows(pdf.text, ['Bijlagen', ...embedded.map((e) => e.filename)], 'the PDF');
    const html = parseHtml(renderHtml(xml, 'nl'));
    const hrefs = html.elements.filter((e) => e.tagName === 'a').map((e) => e.attrs.find((a) => a.name === 'href')!.value);
    assert.deepEqual(hrefs.map((h) => Buffer.from(h.slice(h.indexOf(',') + 1), 'base64').toString('base64')), embedded.map((e) => e.bytes.toString('base64')));
  });

  it('still renders an invoice whose attachment is not base64, listing it without offering other bytes', async () => {
    const xml = readFileSync(BASE_INVOICE, 'utf8').replace(
      '<cac:AccountingSupplierParty>',
      '<cac:AdditionalDocumentReference><cbc:ID>broken</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="broken.pdf">JVBE*Ri0x!</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference><cac:AccountingSupplierParty>',
    );
    const pdf = await readPdf(await renderPdf(xml, 'en'));
    assert.deepEqual(pdf.attachments, []);
    assertShows(pdf.text, ['broken · broken.pdf', 'Amount due'], 'the PDF');
    const html = parseHtml(renderHtml(xml, 'en'));
    assert.deepEqual(html.elements.filter((e) => e.tagName === 'a'), []);
    assert.throws(() => extractAttachment(xml, 0), (e: unknown) => e instanceof ApError && e.kind === 'rendering.unsupported-document');
  });

  it('renders a credit note as a credit note', async () => {
    const xml = readFileSync(join(SCHEMATRON_DIR, 'examples', 'peppol-3.0.21', 'base-creditnote-correction.xml'));
    assertShows((await readPdf(await renderPdf(xml, 'nl'))).text, ['Creditnota'], 'the PDF');
  });

  it(`bounds the work of one call: more than ${MAX_RENDER_LINES} lines is input.too-large`, async () => {
    const xml = largeInvoice(readFileSync(BASE_INVOICE, 'utf8'), MAX_RENDER_LINES + 1);
    await assert.rejects(renderPdf(xml, 'nl'), (e: unknown) => e instanceof ApError && e.kind === 'input.too-large' && e.httpStatus === 413);
    assert.throws(() => renderHtml(xml, 'nl'), (e: unknown) => e instanceof ApError && e.kind === 'input.too-large');
  });

  it('refuses what it cannot render: an MLS, another document, a DOCTYPE, XML that is not well-formed', async () => {
    const mls = readFileSync(join(SCHEMATRON_DIR, 'examples', 'mls', 'MessageLevelStatus_Example_AP.xml'));
    const kind = (k: string) => (e: unknown) => e instanceof ApError && e.kind === k;
    assert.throws(() => renderHtml(mls, 'en'), kind('rendering.unsupported-document'));
    await assert.rejects(renderPdf(mls, 'en'), kind('rendering.unsupported-document'));
    assert.throws(() => renderHtml('<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>', 'en'), kind('rendering.unsupported-document'));
    assert.throws(() => renderHtml('<!DOCTYPE x [<!ENTITY e "e">]><Invoice/>', 'en'), kind('xml.dtd-forbidden'));
    await assert.rejects(renderPdf('<Invoice><cbc:ID></Invoice>', 'fr'), kind('xml.malformed'));
  });
});
