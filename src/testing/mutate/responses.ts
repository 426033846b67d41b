/**
 * The differential corpus of the business responses (UBL ApplicationResponse: Invoice Response T111 and
 * MLS): the official examples, structural mutations of a few of them (every element dropped, doubled,
 * emptied, given a value outside its code list or an element outside the data model; every attribute
 * dropped or given a bad value), and hand-written mutations aimed at the rules that compute something
 * (identifier schemes and check digits, status and clarification code combinations, MLS response logic).
 * Deterministic, like corpus.ts: the same examples give the same documents with the same ids.
 */
import { NS, UblDoc, elementChildren } from './dom.js';
import { sha256, type CorpusDoc, type CorpusExample } from './corpus.js';

/** Examples whose every element and attribute the structural mutations go through. */
const STRUCTURAL_BASES = ['InvoiceResponse_Example', 'T111-uc008-Invoice_is_accepted_by_third_party', 'MessageLevelStatus_Example_RE4', 'MessageLevelStatus_Example_AB3'];

const PREFIX_OF: Record<string, string> = Object.fromEntries(Object.entries(NS).map(([p, u]) => [u, p]));
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

interface Located {
  path: string;
  el: Element;
}

/** Every element below the root with its path for UblDoc (an index where a name repeats among siblings). */
function located(d: UblDoc): Located[] {
  const out: Located[] = [];
  const walk = (parent: Element, base: string): void => {
    const kids = elementChildren(parent);
    for (const el of kids) {
      const prefix = PREFIX_OF[el.namespaceURI ?? ''];
      if (!prefix) continue;
      const same = kids.filter((k) => k.localName === el.localName && k.namespaceURI === el.namespaceURI);
      const step = `${prefix}:${el.localName}${same.length > 1 ? `[${same.indexOf(el) + 1}]` : ''}`;
      const path = base ? `${base}/${step}` : step;
      out.push({ path, el });
      walk(el, path);
    }
  };
  walk(d.root, '');
  return out;
}

type Apply = (d: UblDoc) => boolean | void;

/** Structural mutations of one base: [id suffix, change] in document order. */
function structural(d: UblDoc): [string, Apply][] {
  const out: [string, Apply][] = [];
  for (const { path, el } of located(d)) {
    const leaf = elementChildren(el).length === 0;
    out.push([`drop/${path}`, (m) => m.remove(path)]);
    out.push([`twice/${path}`, (m) => m.duplicate(path)]);
    if (leaf) {
      out.push([`empty/${path}`, (m) => m.set(path, '')]);
      out.push([`bad/${path}`, (m) => m.set(path, 'X X')]);
    } else out.push([`unknown/${path}`, (m) => m.add(path, '<cbc:UUID>1</cbc:UUID>')]);
    for (let i = 0; i < el.attributes.length; i++) {
      const name = el.attributes[i]!.name;
      if (name.startsWith('xmlns')) continue;
      out.push([`noattr/${path}/@${name}`, (m) => m.attr(path, name, null)]);
      out.push([`badattr/${path}/@${name}`, (m) => m.attr(path, name, 'XX')]);
    }
  }
  return out;
}

const IR = 'InvoiceResponse_Example';
const RE4 = 'MessageLevelStatus_Example_RE4';
const AB3 = 'MessageLevelStatus_Example_AB3';
const SENDER_ENDPOINT = 'cac:SenderParty/cbc:EndpointID';
const SENDER_PID = 'cac:SenderParty/cac:PartyIdentification/cbc:ID';
const STATUS = 'cac:DocumentResponse/cac:Response/cac:Status';

/** An identifier scheme and a value breaking its format or check digit, and one keeping them (PEPPOL-COMMON-R040 ff.). */
const SCHEMES: [scheme: string, bad: string, good: string][] = [
  ['0088', '5798000012340', '5798000012349'],
  ['0192', '987654321', '987654325'],
  ['0184', 'DK1234', 'DK12345678'],
  ['0096', '12345', '1234567890'],
  ['0198', 'DK123', 'DK12345678'],
  ['0208', '0123456788', '0123456749'],
  ['0201', 'AB', 'UFY9MH'],
  ['0210', 'XXXX', 'RSSMRA85T10A562S'],
  ['9907', 'XXXX', 'RSSMRA85T10A562S'],
  ['0211', 'IT123', 'IT12345678903'],
  ['0007', '1234567890', '5560360793'],
  ['0151', '12345678901', '51824753556'],
  ['0106', '1234', '12345678'],
  ['0190', '123', '12345678901234567890'],
  ['9944', 'NL123', 'NL123456789B12'],
  ['0217', '123', '123456789012'],
];

function lineResponse(code: string): string {
  return (
    `<cac:LineResponse><cac:LineReference><cbc:LineID>NA</cbc:LineID></cac:LineReference><cac:Response>` +
    `<cbc:Description>Issue</cbc:Description><cac:Status><cbc:StatusReasonCode>${code}</cbc:StatusReasonCode></cac:Status></cac:Response></cac:LineResponse>`
  );
}

const t = (name: string, base: string, apply: Apply): [string, string, Apply] => [name, base, apply];

const TARGETED: [name: string, base: string, apply: Apply][] = [
  ...SCHEMES.flatMap(([scheme, bad, good]) => [
    t(`endpoint-${scheme}-bad`, IR, (d) => d.attr(SENDER_ENDPOINT, 'schemeID', scheme) && d.set(SENDER_ENDPOINT, bad)),
    t(`endpoint-${scheme}-good`, IR, (d) => d.attr(SENDER_ENDPOINT, 'schemeID', scheme) && d.set(SENDER_ENDPOINT, good)),
    t(`party-id-${scheme}-bad`, IR, (d) => d.attr(SENDER_PID, 'schemeID', scheme) && d.set(SENDER_PID, bad)),
  ]),
  t('company-id-0088-bad', IR, (d) => d.add('cac:SenderParty/cac:PartyLegalEntity', '<cbc:CompanyID schemeID="0088">123</cbc:CompanyID>')),
  t('vat-nl-bad', IR, (d) =>
    d.add('cac:SenderParty', '<cac:PartyTaxScheme><cbc:CompanyID>NL12</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>', 'cac:PartyLegalEntity'),
  ),
  t('issue-date-one-digit-day', IR, (d) => d.set('cbc:IssueDate', '2017-12-1')),
  t('issue-date-dotted', IR, (d) => d.set('cbc:IssueDate', '01.12.2017')),
  t('reference-date-30-february', IR, (d) => d.set('cac:DocumentResponse/cac:DocumentReference/cbc:IssueDate', '2018-02-30')),
  t('schema-location', IR, (d) => d.root.setAttributeNS(XSI, 'xsi:schemaLocation', 'urn:x x.xsd')),
  ...['AB', 'AP', 'IP', 'UQ', 'CA', 'PD', 'XX'].map((c) => t(`response-code-${c}`, IR, (d) => d.set('cac:DocumentResponse/cac:Response/cbc:ResponseCode', c))),
  ...['RE', 'UQ', 'CA'].map((c) =>
    t(`response-code-${c}-without-status`, IR, (d) => d.set('cac:DocumentResponse/cac:Response/cbc:ResponseCode', c) && d.remove(STATUS)),
  ),
  t('oth-without-reason', IR, (d) => d.set(`${STATUS}/cbc:StatusReasonCode`, 'OTH') && d.remove(`${STATUS}/cbc:StatusReason`)),
  t('ppd-without-reason', IR, (d) => d.attr(`${STATUS}/cbc:StatusReasonCode`, 'listID', 'OPStatusReason') && d.set(`${STATUS}/cbc:StatusReasonCode`, 'PPD') && d.remove(`${STATUS}/cbc:StatusReason`)),
  t('ppd-with-status-ap', IR, (d) => d.set('cac:DocumentResponse/cac:Response/cbc:ResponseCode', 'AP') && d.set(`${STATUS}/cbc:StatusReasonCode`, 'PPD')),
  t('action-list-with-reason-code', IR, (d) => d.set(`${STATUS}/cbc:StatusReasonCode`, 'REF')),
  t('reason-list-with-action-code', IR, (d) => d.attr(`${STATUS}/cbc:StatusReasonCode`, 'listID', 'OPStatusReason')),
  t('reason-code-with-space', IR, (d) => d.set(`${STATUS}/cbc:StatusReasonCode`, 'NOA PIN')),
  t('second-status', IR, (d) => d.duplicate(STATUS) && d.set(`${STATUS}[2]/cbc:StatusReasonCode`, 'OTH') && d.remove(`${STATUS}[2]/cbc:StatusReason`)),
  t('unknown-root-element', IR, (d) => d.add('.', '<cbc:UUID>1</cbc:UUID>')),
  t('second-customization-id', IR, (d) => d.add('.', '<cbc:CustomizationID>urn:other</cbc:CustomizationID>', 'cbc:ProfileID')),
  t('customization-id-padded', IR, (d) => d.set('cbc:CustomizationID', '\n  urn:fdc:peppol.eu:poacc:trns:invoice_response:3 \t')),
  t('customization-id-3.1', IR, (d) => d.set('cbc:CustomizationID', 'urn:fdc:peppol.eu:poacc:trns:invoice_response:3.1')),
  t('customization-id-version-2', IR, (d) => d.set('cbc:CustomizationID', 'urn:fdc:peppol.eu:poacc:trns:invoice_response:2')),
  t('profile-billing-with-response', IR, (d) => d.set('cbc:ProfileID', 'urn:peppol:bis:billing_with_response')),
  t('document-type-code-381', IR, (d) => d.set('cac:DocumentResponse/cac:DocumentReference/cbc:DocumentTypeCode', '381')),
  t('document-type-code-9999', IR, (d) => d.set('cac:DocumentResponse/cac:DocumentReference/cbc:DocumentTypeCode', '9999')),
  t('endpoint-scheme-unknown', IR, (d) => d.attr(SENDER_ENDPOINT, 'schemeID', '9999')),
  t('party-id-scheme-unknown', IR, (d) => d.attr(SENDER_PID, 'schemeID', '9999')),
  t('issuer-party-id-scheme-unknown', IR, (d) => d.attr('cac:DocumentResponse/cac:IssuerParty/cac:PartyIdentification/cbc:ID', 'schemeID', '9999')),
  t('issue-time-without-zone', RE4, (d) => d.set('cbc:IssueTime', '12:00:00')),
  t('issue-time-offset', RE4, (d) => d.set('cbc:IssueTime', '12:00:00+02:00')),
  t('issue-date-short', RE4, (d) => d.set('cbc:IssueDate', '2025-3-11')),
  ...[
    ['sender', 'cac:SenderParty/cbc:EndpointID'],
    ['receiver', 'cac:ReceiverParty/cbc:EndpointID'],
  ].flatMap(([who, p]) => [
    t(`${who}-spis-too-short`, RE4, (d) => d.set(p!, '12345')),
    t(`${who}-spis-letters`, RE4, (d) => d.set(p!, 'abcdef')),
    t(`${who}-spis-short-suffix`, RE4, (d) => d.set(p!, '123456-AB')),
    t(`${who}-spis-lower-case`, RE4, (d) => d.set(p!, '234567-mls.p12345.99')),
    t(`${who}-scheme-0088`, RE4, (d) => d.attr(p!, 'schemeID', '0088')),
  ]),
  t('re-without-lines', RE4, (d) => d.remove('cac:DocumentResponse/cac:LineResponse')),
  t('re-warnings-only', RE4, (d) => d.set('cac:DocumentResponse/cac:LineResponse/cac:Response/cac:Status/cbc:StatusReasonCode', 'BW')),
  t('re-delivery-failure', RE4, (d) => d.set('cac:DocumentResponse/cac:LineResponse/cac:Response/cac:Status/cbc:StatusReasonCode', 'FD')),
  t('re-syntax-violation', RE4, (d) => d.set('cac:DocumentResponse/cac:LineResponse/cac:Response/cac:Status/cbc:StatusReasonCode', 'SV')),
  t('re-without-description', RE4, (d) => d.remove('cac:DocumentResponse/cac:Response/cbc:Description')),
  t('response-code-with-space', RE4, (d) => d.set('cac:DocumentResponse/cac:Response/cbc:ResponseCode', 'RE AB')),
  t('line-status-with-space', RE4, (d) => d.set('cac:DocumentResponse/cac:LineResponse/cac:Response/cac:Status/cbc:StatusReasonCode', 'BV BW')),
  t('ap-with-failure', AB3, (d) => d.set('cac:DocumentResponse/cac:Response/cbc:ResponseCode', 'AP') && d.add('cac:DocumentResponse', lineResponse('BV'))),
  t('ab-with-delivery-failure', AB3, (d) => d.add('cac:DocumentResponse', lineResponse('FD'))),
  t('ab-with-warning', AB3, (d) => d.add('cac:DocumentResponse', lineResponse('BW'))),
  t('ab-with-syntax-violation', AB3, (d) => d.add('cac:DocumentResponse', lineResponse('SV'))),
  t('re-without-line-but-description', AB3, (d) => d.set('cac:DocumentResponse/cac:Response/cbc:ResponseCode', 'RE')),
  t('mls-customization-id-padded', AB3, (d) => d.set('cbc:CustomizationID', ' urn:peppol:edec:mls:1.0\n')),
  t('mls-customization-id-suffix', AB3, (d) => d.set('cbc:CustomizationID', 'urn:peppol:edec:mls:1.0a')),
  t('mls-two-document-responses', AB3, (d) => d.duplicate('cac:DocumentResponse')),
];

export function generateResponseCorpus(examples: CorpusExample[]): CorpusDoc[] {
  const byName = new Map(examples.map((e) => [e.name, e]));
  const masters = new Map<string, UblDoc>();
  const copyOf = (name: string): UblDoc | null => {
    const e = byName.get(name);
    if (!e) return null;
    let m = masters.get(name);
    if (!m) masters.set(name, (m = new UblDoc(e.xml)));
    return new UblDoc(m);
  };
  const docs: CorpusDoc[] = [];
  const seen = new Set<string>();
  const add = (id: string, xml: string): void => {
    if (seen.has(id)) throw new Error(`duplicate corpus id ${id}`);
    seen.add(id);
    docs.push({ id, xml, sha256: sha256(xml) });
  };
  const push = (id: string, d: UblDoc, apply: Apply): void => {
    if (apply(d) !== false) add(id, d.serialize());
  };
  for (const e of examples) add(`orig/${e.name}`, e.xml);
  for (const base of STRUCTURAL_BASES) {
    const d = copyOf(base);
    if (!d) continue;
    for (const [name, apply] of structural(d)) push(`s/${name}@${base}`, copyOf(base)!, apply);
  }
  for (const [name, base, apply] of TARGETED) {
    const d = copyOf(base);
    if (d) push(`t/${name}@${base}`, d, apply);
  }
  return docs;
}
