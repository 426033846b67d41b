import assert from 'node:assert/strict';
import { ApError } from '../../src/errors.js';
import { parseParticipantId, parseProcessId } from '../../src/peppol/identifiers.js';
import { knownDocumentType } from '../../src/peppol/document-types.js';
import { buildSbd } from '../../src/sbdh/build.js';
import { checkSbd, parseSbd, wrappedContent } from '../../src/sbdh/parse.js';

const invoiceType = knownDocumentType('invoice')!;
const INVOICE = `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ID>INV-1</cbc:ID></Invoice>`;

const base = {
  sender: parseParticipantId('0208:0123456749'),
  receiver: parseParticipantId('9925:be0203201340'),
  documentType: invoiceType.documentType,
  process: invoiceType.process,
  countryC1: 'BE',
  instanceIdentifier: '3f7c2a10-2f57-4c55-9d3e-5b7f2e1b6a01',
  creationDateAndTime: new Date('2026-11-28T10:00:00Z'),
};
const valid = buildSbd({ ...base, payload: { xml: INVOICE } });

function failsOn(xml: string, field: string, pattern?: RegExp): void {
  const report = checkSbd(xml);
  assert.equal(report.valid, false);
  const hit = report.issues.find((i) => i.field === field);
  assert.ok(hit, `expected an issue on ${field}, got ${JSON.stringify(report.issues)}`);
  if (pattern) assert.match(hit.message, pattern);
  assert.throws(() => parseSbd(xml), (err: unknown) => err instanceof ApError && err.kind === 'sbdh.invalid' && Array.isArray(err.details?.issues));
}

describe('SBDH', () => {
  it('builds a header that parses back to the same values', () => {
    const parsed = parseSbd(valid);
    assert.deepEqual(parsed.header, {
      headerVersion: '1.0',
      sender: base.sender,
      receiver: base.receiver,
      documentIdentification: {
        standard: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
        typeVersion: '2.1',
        instanceIdentifier: base.instanceIdentifier,
        type: 'Invoice',
        creationDateAndTime: '2026-11-28T10:00:00Z',
      },
      documentType: invoiceType.documentType,
      process: invoiceType.process,
      countryC1: 'BE',
    });
    assert.deepEqual(parsed.payload, { kind: 'xml', namespace: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2', localName: 'Invoice' });
    assert.equal(parsed.payloadElement.getElementsByTagNameNS('*', 'ID')[0]!.textContent, 'INV-1');
  });

  it('takes the PROCESSID scheme from its Identifier, as the reference reader does; a malformed one is refused', () => {
    const other = valid.replace('<Identifier>cenbii-procid-ubl</Identifier>', '<Identifier>peppol-procid-test</Identifier>');
    assert.notEqual(other, valid);
    assert.deepEqual(parseSbd(other).header.process, { scheme: 'peppol-procid-test', value: invoiceType.process.value });
    const tooLong = valid.replace('<Identifier>cenbii-procid-ubl</Identifier>', `<Identifier>${'x'.repeat(26)}</Identifier>`);
    failsOn(tooLong, 'BusinessScope/Scope[PROCESSID]/Identifier', /1 to 25 characters/);
  });

  it('carries the optional MLS_TO and MLS_TYPE scopes', () => {
    const mlsTo = parseParticipantId('0242:000123');
    const parsed = parseSbd(buildSbd({ ...base, mlsTo, mlsType: 'ALWAYS_SEND', payload: { xml: INVOICE } }));
    assert.deepEqual(parsed.header.mlsTo, mlsTo);
    assert.equal(parsed.header.mlsType, 'ALWAYS_SEND');
  });

  it('wraps any payload, e.g. a PDF in BinaryContent', () => {
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n');
    const xml = buildSbd({
      ...base,
      documentType: { scheme: 'busdox-docid-qns', value: 'urn:example:doctype:pdf' },
      process: parseProcessId('urn:example:process:archive'),
      documentIdentification: { standard: 'urn:example:pdf', type: 'PDF', typeVersion: '1.7' },
      payload: { binary: pdf, mimeType: 'application/pdf' },
    });
    const parsed = parseSbd(xml);
    assert.deepEqual(parsed.payload, { kind: 'binary', mimeType: 'application/pdf', size: pdf.length });
    assert.deepEqual(wrappedContent(parsed), pdf);
    failsOn(xml.replace(' mimeType="application/pdf"', ''), 'BusinessDocument/BinaryContent/@mimeType');
  });

  describe('refuses invalid headers, naming the field', () => {
    it('missing COUNTRY_C1', () =>
      failsOn(valid.replace(/<Scope><Type>COUNTRY_C1<\/Type>.*?<\/Scope>/, ''), 'BusinessScope/Scope[COUNTRY_C1]', /missing/));
    it('bad COUNTRY_C1', () =>
      failsOn(valid.replace('<InstanceIdentifier>BE<', '<InstanceIdentifier>Belgium<'), 'BusinessScope/Scope[COUNTRY_C1]/InstanceIdentifier'));
    it('Type differs from the payload root', () =>
      failsOn(valid.replace('<Type>Invoice</Type>', '<Type>CreditNote</Type>'), 'DocumentIdentification/Type', /payload root element 'Invoice'/));
    it('Standard differs from the payload namespace', () =>
      failsOn(
        valid.replace('<Standard>urn:oasis:names:specification:ubl:schema:xsd:Invoice-2<', '<Standard>urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2<'),
        'DocumentIdentification/Standard',
        /payload root namespace/,
      ));
    it('payload inconsistent with the document type id', () =>
      failsOn(
        buildSbd({ ...base, payload: { xml: INVOICE.replaceAll('Invoice', 'CreditNote') }, documentIdentification: { standard: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2', type: 'CreditNote', typeVersion: '2.1' } }),
        'BusinessScope/Scope[DOCUMENTID]/InstanceIdentifier',
        /differs/,
      ));
    it('TypeVersion differs from the document type', () =>
      failsOn(valid.replace('<TypeVersion>2.1<', '<TypeVersion>2.2<'), 'DocumentIdentification/TypeVersion'));
    it('two receivers', () =>
      failsOn(valid.replace(/(<Receiver>.*?<\/Receiver>)/, '$1$1'), 'Receiver', /2 times/));
    it('bad Authority', () =>
      failsOn(valid.replace('<Sender><Identifier Authority="iso6523-actorid-upis">', '<Sender><Identifier Authority="GLN">'), 'Sender/Identifier/@Authority'));
    it('invalid participant identifier', () =>
      failsOn(valid.replace('>0208:0123456749<', '>0208:0123456789<'), 'Sender/Identifier', /mod-97/));
    it('bad date', () =>
      failsOn(valid.replace('2026-11-28T10:00:00Z', '2026-02-30T10:00:00Z'), 'DocumentIdentification/CreationDateAndTime'));
    it('date without time zone', () =>
      failsOn(valid.replace('2026-11-28T10:00:00Z', '2026-11-28T10:00:00'), 'DocumentIdentification/CreationDateAndTime', /time zone/));
    it('wrong HeaderVersion', () => failsOn(valid.replace('<HeaderVersion>1.0<', '<HeaderVersion>2.0<'), 'HeaderVersion'));
    it('missing InstanceIdentifier', () =>
      failsOn(valid.replace(/<InstanceIdentifier>3f7c[^<]*<\/InstanceIdentifier>/, ''), 'DocumentIdentification/InstanceIdentifier', /missing/));
    it('missing PROCESSID', () =>
      failsOn(valid.replace(/<Scope><Type>PROCESSID<\/Type>.*?<\/Scope>/, ''), 'BusinessScope/Scope[PROCESSID]'));
    it('bad MLS_TYPE', () =>
      failsOn(buildSbd({ ...base, payload: { xml: INVOICE } }).replace('</BusinessScope>', '<Scope><Type>MLS_TYPE</Type><InstanceIdentifier>SOMETIMES</InstanceIdentifier></Scope></BusinessScope>'), 'BusinessScope/Scope[MLS_TYPE]/InstanceIdentifier'));
    it('no business document', () => failsOn(valid.replace(/<Invoice[\s\S]*<\/Invoice>/, ''), 'BusinessDocument'));
    it('not an SBD at all', () => failsOn(INVOICE, 'StandardBusinessDocument'));
  });

  it('reports every failure at once', () => {
    const report = checkSbd(valid.replace('<HeaderVersion>1.0<', '<HeaderVersion>2.0<').replace('<Type>Invoice</Type>', '<Type>X</Type>'));
    assert.ok(report.issues.length >= 2);
  });

  it('refuses a DTD before parsing', () => {
    assert.throws(() => checkSbd('<!DOCTYPE x [<!ENTITY a "b">]>' + valid.replace(/^<\?xml[^>]*>\n/, '')), (e: unknown) => e instanceof ApError && e.kind === 'xml.dtd-forbidden');
  });
});
