import assert from 'node:assert/strict';
import { ApError } from '../../src/errors.js';
import {
  buildInvoiceResponse,
  buildMessageLevelStatus,
  type InvoiceResponse,
  type MessageLevelStatus,
  readInvoiceResponse,
  readMessageLevelStatus,
} from '../../src/responses/index.js';
import { parseDocument, type XNode } from '../../src/validation/dom.js';
import { BUILT_INVOICE_RESPONSES, BUILT_MLS, INVOICE_RESPONSE_EXAMPLES, MLS_EXAMPLES } from './cases.js';

/** What the response model does not carry, left out when a rebuilt example is compared with the original. */
const NOT_MODELLED = new Set(['PartyIdentification', 'Contact', 'IssuerParty', 'RecipientParty']);

/** Leaf elements and attributes in document order, as path=value: order, nesting and values at once. */
function outline(n: XNode, path = n.local): string[] {
  const own = n.attrs.filter((a) => a.ns === '').map((a) => `${path}/@${a.local}=${a.value}`);
  if (n.elems.length === 0) return [...own, `${path}=${n.stringValue().trim()}`];
  return [...own, ...n.elems.filter((e) => !NOT_MODELLED.has(e.local)).flatMap((e) => outline(e, `${path}/${e.local}`))];
}

const root = (xml: string): XNode => parseDocument(xml).root;
const error = (kind: string, message: RegExp) => (e: unknown) => e instanceof ApError && e.kind === kind && message.test(e.message);
const clone = <T>(x: T): T => structuredClone(x);

describe('building business responses', () => {
  it('rebuilds every Invoice Response example with the same elements, order and values, but what the model leaves out', () => {
    for (const e of INVOICE_RESPONSE_EXAMPLES) assert.deepEqual(outline(root(buildInvoiceResponse(readInvoiceResponse(e.root)))), outline(e.root), e.name);
  });

  it('rebuilds every MLS example with the same elements, order and values', () => {
    for (const e of MLS_EXAMPLES) assert.deepEqual(outline(root(buildMessageLevelStatus(readMessageLevelStatus(e.root)))), outline(e.root), e.name);
  });

  it('reads back what it built: read(build(x)) equals x, for the examples and every built case', () => {
    const responses = [...INVOICE_RESPONSE_EXAMPLES.map((e) => readInvoiceResponse(e.root)), ...Object.values(BUILT_INVOICE_RESPONSES)];
    for (const r of responses) assert.deepEqual(readInvoiceResponse(root(buildInvoiceResponse(r))), r, r.id);
    const statuses = [...MLS_EXAMPLES.map((e) => readMessageLevelStatus(e.root)), ...Object.values(BUILT_MLS)];
    for (const m of statuses) assert.deepEqual(readMessageLevelStatus(root(buildMessageLevelStatus(m))), m, m.id);
  });

  it('writes the Invoice Response in the order of the UBL schema, with the Peppol identifiers and listIDs', () => {
    const xml = buildInvoiceResponse(BUILT_INVOICE_RESPONSES['RE']!);
    assert.deepEqual(outline(root(xml)), [
      'ApplicationResponse/CustomizationID=urn:fdc:peppol.eu:poacc:trns:invoice_response:3',
      'ApplicationResponse/ProfileID=urn:fdc:peppol.eu:poacc:bis:invoice_response:3',
      'ApplicationResponse/ID=IR-RE',
      'ApplicationResponse/IssueDate=2026-05-04',
      'ApplicationResponse/IssueTime=17:05:00+02:00',
      'ApplicationResponse/SenderParty/EndpointID/@schemeID=0208',
      'ApplicationResponse/SenderParty/EndpointID=0123456749',
      'ApplicationResponse/SenderParty/PartyLegalEntity/RegistrationName=Stad Gent',
      'ApplicationResponse/ReceiverParty/EndpointID/@schemeID=9925',
      'ApplicationResponse/ReceiverParty/EndpointID=BE0314595348',
      'ApplicationResponse/ReceiverParty/PartyLegalEntity/RegistrationName=Société Générale de Belgique',
      'ApplicationResponse/DocumentResponse/Response/ResponseCode=RE',
      'ApplicationResponse/DocumentResponse/Response/Status/StatusReasonCode/@listID=OPStatusReason',
      'ApplicationResponse/DocumentResponse/Response/Status/StatusReasonCode=LEG',
      'ApplicationResponse/DocumentResponse/Response/Status/StatusReason=VAT number missing',
      'ApplicationResponse/DocumentResponse/Response/Status/StatusReasonCode/@listID=OPStatusReason',
      'ApplicationResponse/DocumentResponse/Response/Status/StatusReasonCode=OTH',
      'ApplicationResponse/DocumentResponse/Response/Status/StatusReason=Bank account unknown',
      'ApplicationResponse/DocumentResponse/Response/Status/StatusReasonCode/@listID=OPStatusAction',
      'ApplicationResponse/DocumentResponse/Response/Status/StatusReasonCode=NIN',
      'ApplicationResponse/DocumentResponse/Response/Status/StatusReasonCode/@listID=OPStatusAction',
      'ApplicationResponse/DocumentResponse/Response/Status/StatusReasonCode=OTH',
      'ApplicationResponse/DocumentResponse/Response/Status/StatusReason=Call the accounts desk',
      'ApplicationResponse/DocumentResponse/DocumentReference/ID=INV-2026-001',
      'ApplicationResponse/DocumentResponse/DocumentReference/IssueDate=2026-05-01',
      'ApplicationResponse/DocumentResponse/DocumentReference/DocumentTypeCode=380',
    ]);
    const r = root(xml);
    assert.equal(r.ns, 'urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2');
    assert.deepEqual(
      r.elems.map((e) => e.qname),
      ['cbc:CustomizationID', 'cbc:ProfileID', 'cbc:ID', 'cbc:IssueDate', 'cbc:IssueTime', 'cac:SenderParty', 'cac:ReceiverParty', 'cac:DocumentResponse'],
    );
  });

  it('writes an MLS rejection with consecutive issues of one location in one LineResponse', () => {
    const r = root(buildMessageLevelStatus(BUILT_MLS['RE']!));
    const documentResponse = r.elems.find((e) => e.local === 'DocumentResponse')!;
    assert.deepEqual(
      documentResponse.elems.map((e) => `${e.local}:${e.elems.filter((c) => c.local === 'Response').length}`),
      ['Response:0', 'DocumentReference:0', 'LineResponse:1', 'LineResponse:2', 'LineResponse:1'],
    );
  });

  it('escapes &, <, > and quotes, and keeps non-ASCII text as it is', () => {
    const r = BUILT_INVOICE_RESPONSES['escaping']!;
    const xml = buildInvoiceResponse(r);
    assert.match(xml, /<cbc:RegistrationName>Dupont &amp; Fils &lt;SA&gt; "Le Bon"<\/cbc:RegistrationName>/);
    assert.match(xml, /<cbc:RegistrationName>Société Générale<\/cbc:RegistrationName>/);
    assert.match(xml, /<cbc:ID>IR-&lt;&amp;&gt;"'<\/cbc:ID>/);
    assert.match(xml, /ünïcödé ✓ 😀/);
    const read = readInvoiceResponse(root(xml));
    assert.equal(read.note, r.note);
    assert.equal(read.clarifications[0]!.text, 'Unit price 5 < 7 & "agreed" > 3');
    assert.deepEqual(read.clarifications[0]!.conditions, [{ attributeId: "BT-146 'net'", description: '<7.00> & more' }]);
    assert.equal(read.document.id, 'INV/2026&<1>');
    const mls = buildMessageLevelStatus({ ...BUILT_MLS['AP']!, id: 'a"b<c>&d' });
    assert.match(mls, /<cbc:ID>a"b&lt;c&gt;&amp;d<\/cbc:ID>/);
  });

  it('refuses caller errors in an Invoice Response before writing anything', () => {
    const ok = BUILT_INVOICE_RESPONSES['RE']!;
    const bad = (change: (r: InvoiceResponse) => void): InvoiceResponse => {
      const r = clone(ok);
      change(r);
      return r;
    };
    const refuses = (r: InvoiceResponse, message: RegExp, kind = 'validation.invalid') => assert.throws(() => buildInvoiceResponse(r), error(kind, message));
    refuses(bad((r) => ((r as { responseCode: string }).responseCode = 'XX')), /responseCode must be one of AB, IP, UQ, CA, RE, AP, PD/);
    refuses(bad((r) => (r.clarifications = [])), /response code RE needs at least one coded clarification/);
    refuses(bad((r) => (r.clarifications[0]!.code = 'NOA')), /clarifications\[0\]\.code must be one of NON, REF/);
    refuses(bad((r) => ((r.clarifications[0] as { listId: string }).listId = 'UNCL4343')), /clarifications\[0\]\.listId/);
    refuses(bad((r) => (r.clarifications[0] = { listId: 'OPStatusReason', code: 'PPD', text: 'half' })), /PPD .* goes with response code PD only, not RE/);
    refuses(bad((r) => ((r.responseCode = 'PD'), (r.clarifications = [{ listId: 'OPStatusReason', code: 'PPD' }]))), /PPD \(partial payment\) needs a text/);
    refuses(bad((r) => (r.issueDate = '2026-02-30')), /issueDate must be a date YYYY-MM-DD/);
    refuses(bad((r) => (r.issueDate = '2026-05-04+02:00')), /issueDate must be a date/);
    refuses(bad((r) => (r.issueTime = '25:00:00')), /issueTime must be a time/);
    refuses(bad((r) => (r.effectiveDate = '4/5/2026')), /effectiveDate must be a date/);
    refuses(bad((r) => (r.note = '  ')), /note must be a non-empty string/);
    refuses(bad((r) => (r.note = 'bell \u0007')), /note contains a character XML cannot carry/);
    refuses(bad((r) => delete r.sender.name), /sender\.name must be a non-empty string/);
    refuses(bad((r) => (r.receiver.id = 'BE0314595348')), /receiver\.id must be 'ICD:value'/);
    refuses(bad((r) => (r.sender.id = '0208:0123456789')), /mod-97/, 'identifier.invalid');
    refuses(bad((r) => (r.document.typeCode = 'invoice')), /document\.typeCode must be a UNCL1001 code/);
    refuses(bad((r) => (r.clarifications[0]!.conditions = [{ attributeId: '' }])), /conditions\[0\]\.attributeId/);
    refuses(bad((r) => (r.textClarifications = [''])), /textClarifications\[0\]/);
  });

  it('refuses caller errors in an MLS before writing anything', () => {
    const bad = (base: MessageLevelStatus, change: (m: MessageLevelStatus) => void): MessageLevelStatus => {
      const m = clone(base);
      change(m);
      return m;
    };
    const refuses = (m: MessageLevelStatus, message: RegExp) => assert.throws(() => buildMessageLevelStatus(m), error('validation.invalid', message));
    const re = BUILT_MLS['RE']!;
    const ap = BUILT_MLS['AP']!;
    refuses(bad(re, (m) => (m.lines = [])), /RE needs at least one line with reason SV, BV or FD/);
    refuses(bad(re, (m) => (m.lines = [{ lineId: 'NA', description: 'only a warning', reason: 'BW' }])), /RE needs at least one line/);
    refuses(bad(re, (m) => delete m.description), /description \(required for RE/);
    refuses(bad(ap, (m) => (m.lines = [{ lineId: 'NA', description: 'fatal', reason: 'BV' }])), /AP cannot carry lines with reason SV, BV or FD/);
    refuses(bad(ap, (m) => ((m as { responseCode: string }).responseCode = 'PD')), /responseCode must be one of AP, AB, RE/);
    refuses(bad(re, (m) => ((m.lines[0] as { reason: string }).reason = 'XX')), /lines\[0\]\.reason must be one of SV, BV, BW, FD/);
    refuses(bad(re, (m) => (m.lines[1]!.lineId = '')), /lines\[1\]\.lineId/);
    refuses(bad(ap, (m) => (m.issueTime = '10:15:00')), /issueTime must carry a time zone/);
    refuses(bad(ap, (m) => (m.sender.id = '0208:0123456749')), /sender\.id must be a service provider id/);
    refuses(bad(ap, (m) => (m.receiver.id = '0242:POP987654')), /receiver\.id must be a service provider id/);
    refuses(bad(ap, (m) => (m.receiver.name = 'Other AP')), /receiver has a name, which an MLS does not carry/);
    refuses(bad(ap, (m) => (m.referencedInstanceId = '')), /referencedInstanceId/);
  });
});
