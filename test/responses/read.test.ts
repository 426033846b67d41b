import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApError } from '../../src/errors.js';
import { applicationResponseKind, readInvoiceResponse, readMessageLevelStatus } from '../../src/responses/index.js';
import { parseDocument, type XNode } from '../../src/validation/dom.js';
import { EXAMPLES_DIR, INVOICE_RESPONSE_EXAMPLES, MLS_EXAMPLES } from './cases.js';

const example = (list: { name: string; root: XNode }[], prefix: string): XNode => list.find((e) => e.name.startsWith(prefix))!.root;
const parse = (xml: string): XNode => parseDocument(xml).root;
const invalid = (kind: string) => (e: unknown) => e instanceof ApError && e.kind === kind;

describe('reading business responses', () => {
  it('finds all 14 Invoice Response and 8 MLS examples, and tells each kind', () => {
    assert.equal(INVOICE_RESPONSE_EXAMPLES.length, 14);
    assert.equal(MLS_EXAMPLES.length, 8);
    for (const e of INVOICE_RESPONSE_EXAMPLES) assert.equal(applicationResponseKind(e.root), 'invoice-response', e.name);
    for (const e of MLS_EXAMPLES) assert.equal(applicationResponseKind(e.root), 'mls', e.name);
  });

  it('reads every official example', () => {
    for (const e of INVOICE_RESPONSE_EXAMPLES) assert.equal(readInvoiceResponse(e.root).document.id, 'inv021', e.name);
    for (const e of MLS_EXAMPLES) assert.equal(readMessageLevelStatus(e.root).referencedInstanceId, '90f14eff-3705-4869-ad3c-caae270a234e', e.name);
  });

  it('reads the full Invoice Response example: head, parties, code, effective date, action with reason text and condition, reference', () => {
    assert.deepEqual(readInvoiceResponse(example(INVOICE_RESPONSE_EXAMPLES, 'InvoiceResponse_Example')), {
      id: 'imrid001',
      issueDate: '2017-12-01',
      issueTime: '12:00:00',
      note: 'text',
      sender: { id: '0088:5798000012349', name: 'Buyer organization' },
      receiver: { id: '0088:7330001000000', name: 'Seller company' },
      responseCode: 'RE',
      effectiveDate: '2018-09-24',
      clarifications: [{ listId: 'OPStatusAction', code: 'NOA', text: 'VAT Reference not found', conditions: [{ attributeId: 'BT-48', description: 'EU123456789' }] }],
      document: { id: 'inv021', issueDate: '2018-09-22', typeCode: '380' },
    });
  });

  it('reads several clarifications in order (uc004c: a reason and two actions)', () => {
    const r = readInvoiceResponse(example(INVOICE_RESPONSE_EXAMPLES, 'T111-uc004c'));
    assert.equal(r.responseCode, 'RE');
    assert.deepEqual(r.sender, { id: '0196:6963495890', name: 'Buyer organization' });
    assert.deepEqual(r.clarifications, [
      { listId: 'OPStatusReason', code: 'REF' },
      { listId: 'OPStatusAction', code: 'CNF' },
      { listId: 'OPStatusAction', code: 'NIN' },
    ]);
    assert.equal(r.textClarifications, undefined);
    assert.deepEqual(r.document, { id: 'inv021', typeCode: '380' });
  });

  it('reads a clarification given as text only (uc002b) and a paid response with its date (uc007)', () => {
    const postponed = readInvoiceResponse(example(INVOICE_RESPONSE_EXAMPLES, 'T111-uc002b'));
    assert.equal(postponed.responseCode, 'IP');
    assert.equal(postponed.effectiveDate, '2017-12-15');
    assert.deepEqual(postponed.clarifications, []);
    assert.deepEqual(postponed.textClarifications, ['Shipment has not yet been received. Invoice processing will be attempted later.']);
    const paid = readInvoiceResponse(example(INVOICE_RESPONSE_EXAMPLES, 'T111-uc007'));
    assert.equal(paid.responseCode, 'PD');
    assert.equal(paid.effectiveDate, '2017-12-30');
    assert.equal(paid.issueDate, '2017-12-31');
  });

  it('reads an MLS rejection with one issue per line response (RE4) and two issues in one line response (RE2)', () => {
    const re4 = readMessageLevelStatus(example(MLS_EXAMPLES, 'MessageLevelStatus_Example_RE4'));
    assert.equal(re4.responseCode, 'RE');
    assert.equal(re4.description, 'Rejected due to validation errors');
    assert.deepEqual(
      re4.lines.map((l) => [l.lineId, l.reason]),
      [
        ['/Catalogue/cac:CatalogueLine[3]/cac:Item[1]/cac:ClassifiedTaxCategory[1]/cbc:ID[1]', 'BV'],
        ['/Catalogue/cac:CatalogueLine[4]/cac:Item[1]/cac:ClassifiedTaxCategory[1]/cbc:ID[1]', 'BV'],
      ],
    );
    const re2 = readMessageLevelStatus(example(MLS_EXAMPLES, 'MessageLevelStatus_Example_RE2'));
    assert.deepEqual(
      re2.lines.map((l) => [l.reason, l.description]),
      [
        ['BV', 'Validation gives error [CL-T77-R002]- Tax categories MUST be coded using UN/ECE 5305 code list'],
        ['BW', 'Something else went wrong - just a warning'],
      ],
    );
    assert.equal(re2.lines[0]!.lineId, re2.lines[1]!.lineId);
  });

  it('reads an MLS acceptance with service provider ids and a zoned time (AB2, AB3, AP)', () => {
    assert.deepEqual(readMessageLevelStatus(example(MLS_EXAMPLES, 'MessageLevelStatus_Example_AP')), {
      id: 'MLS-ID123',
      issueDate: '2025-03-11',
      issueTime: '12:00:00Z',
      sender: { id: '0242:123456' },
      receiver: { id: '0242:234567' },
      responseCode: 'AP',
      referencedInstanceId: '90f14eff-3705-4869-ad3c-caae270a234e',
      lines: [],
    });
    assert.equal(readMessageLevelStatus(example(MLS_EXAMPLES, 'MessageLevelStatus_Example_AB2')).issueTime, '12:00:00+01:00');
    const ab3 = readMessageLevelStatus(example(MLS_EXAMPLES, 'MessageLevelStatus_Example_AB3'));
    assert.deepEqual([ab3.sender.id, ab3.receiver.id, ab3.description], ['0242:123456-MLS.ANYTHING', '0242:234567-mls.P12345.99', 'Can have something here as well']);
  });

  it('reads values padded with white space as the schematron compares them, trimmed (RE3)', () => {
    const re3 = readMessageLevelStatus(example(MLS_EXAMPLES, 'MessageLevelStatus_Example_RE3'));
    assert.deepEqual([re3.id, re3.issueTime, re3.sender.id, re3.responseCode, re3.lines[1]!.reason], ['MLS-ID123', '12:00:00Z', '0242:123456', 'RE', 'BW']);
  });

  it('tells no kind for an invoice, another namespace or an unknown CustomizationID', () => {
    assert.equal(applicationResponseKind(parseDocument(readFileSync(join(EXAMPLES_DIR, 'peppol-3.0.21', 'base-example.xml'))).root), null);
    const ar = (customization: string, ns = 'urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2') =>
      parse(`<ApplicationResponse xmlns="${ns}" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:CustomizationID>${customization}</cbc:CustomizationID></ApplicationResponse>`);
    assert.equal(applicationResponseKind(ar('urn:peppol:edec:mls:1.0a')), null);
    assert.equal(applicationResponseKind(ar('urn:fdc:peppol.eu:poacc:trns:mlr:3')), null);
    assert.equal(applicationResponseKind(ar('urn:peppol:edec:mls:1.0', 'urn:example:other')), null);
    assert.equal(applicationResponseKind(parse('<ApplicationResponse xmlns="urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"/>')), null);
    assert.equal(applicationResponseKind(ar(' urn:peppol:edec:mls:1.0 ')), 'mls');
    assert.equal(applicationResponseKind(ar('urn:fdc:peppol.eu:poacc:trns:invoice_response:3:extended:x')), 'invoice-response');
  });

  it('refuses what is not the response asked for, or lacks what the model needs, with validation.invalid', () => {
    const mls = example(MLS_EXAMPLES, 'MessageLevelStatus_Example_AP');
    assert.throws(() => readInvoiceResponse(mls), invalid('validation.invalid'));
    assert.throws(() => readMessageLevelStatus(example(INVOICE_RESPONSE_EXAMPLES, 'T111-uc001')), invalid('validation.invalid'));
    const text = readFileSync(join(EXAMPLES_DIR, 'invoice-response', 'T111-uc004a-Invoice_is_rejected.xml'), 'utf8');
    assert.throws(() => readInvoiceResponse(parse(text.replace('<cbc:ResponseCode>RE<', '<cbc:ResponseCode>XX<'))), /ResponseCode must be one of AB, IP/);
    assert.throws(() => readInvoiceResponse(parse(text.replace('listID="OPStatusReason"', 'listID="UNCL4343"'))), /listID must be one of/);
    assert.throws(() => readInvoiceResponse(parse(text.replace(/<cac:DocumentReference>[\s\S]*<\/cac:DocumentReference>/, ''))), /no cac:DocumentReference/);
    assert.throws(() => readInvoiceResponse(parse(text.replace(' schemeID="0196"', ''))), /SenderParty\/cbc:EndpointID has no schemeID/);
  });
});
