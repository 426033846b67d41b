/**
 * The built responses against the reference validator (saxon-ref: UBL ApplicationResponse XSD, then the
 * T111 or MLS schematron), all in one run: the rebuilt official examples, one response per code, and two
 * documents broken on purpose, which show that the oracle does look at what it is given.
 */
import assert from 'node:assert/strict';
import { buildInvoiceResponse, buildMessageLevelStatus, readInvoiceResponse, readMessageLevelStatus } from '../../src/responses/index.js';
import { type Fired, saxonRefCheck, saxonRefMissing } from '../support/saxon-ref.js';
import { BUILT_INVOICE_RESPONSES, BUILT_MLS, INVOICE_RESPONSE_EXAMPLES, MLS_EXAMPLES } from './cases.js';

describe('built business responses under the reference validator (saxon-ref)', function () {
  this.timeout(120_000);
  const documents = new Map<string, string>();
  let fired = new Map<string, Fired[]>();

  before(function () {
    const missing = saxonRefMissing();
    if (missing) {
      console.log(`    skipping saxon-ref checks: ${missing}`);
      this.skip();
    }
    for (const e of INVOICE_RESPONSE_EXAMPLES) documents.set(`rebuilt ${e.name}`, buildInvoiceResponse(readInvoiceResponse(e.root)));
    for (const e of MLS_EXAMPLES) documents.set(`rebuilt ${e.name}`, buildMessageLevelStatus(readMessageLevelStatus(e.root)));
    for (const [name, r] of Object.entries(BUILT_INVOICE_RESPONSES)) documents.set(`invoice response ${name}`, buildInvoiceResponse(r));
    for (const [name, m] of Object.entries(BUILT_MLS)) documents.set(`mls ${name}`, buildMessageLevelStatus(m));
    const re = buildMessageLevelStatus(BUILT_MLS['RE']!);
    documents.set('broken: mls RE without lines', re.replace(/<cac:LineResponse>[\s\S]*<\/cac:LineResponse>/, ''));
    const uq = buildInvoiceResponse(BUILT_INVOICE_RESPONSES['UQ']!);
    documents.set('broken: invoice response UQ with an empty note and no clarification', uq.replace(/<cac:Status>[\s\S]*<\/cac:Status>/, '').replace('<cac:SenderParty>', '<cbc:Note> </cbc:Note><cac:SenderParty>'));
    fired = saxonRefCheck(documents);
  });

  it('checks every document it was given', () => {
    assert.deepEqual([...fired.keys()].sort(), [...documents.keys()].sort());
    assert.equal(documents.size, 14 + 8 + 8 + 3 + 2);
  });

  it('finds every rebuilt official example valid, nothing fired', () => {
    for (const [name, f] of fired) if (name.startsWith('rebuilt ')) assert.deepEqual(f, [], name);
  });

  it('finds an Invoice Response valid for every status code (AB, IP, UQ, CA, RE, AP, PD) and with escaped text', () => {
    for (const name of ['AB', 'IP', 'UQ', 'CA', 'RE', 'AP', 'PD', 'escaping']) assert.deepEqual(fired.get(`invoice response ${name}`), [], name);
  });

  it('finds an MLS valid for AP, AB with a warning, and RE with all four reasons', () => {
    assert.deepEqual(
      BUILT_MLS['RE']!.lines.map((l) => l.reason),
      ['SV', 'BV', 'BW', 'FD'],
    );
    for (const name of ['AP', 'AB', 'RE']) assert.deepEqual(fired.get(`mls ${name}`), [], name);
  });

  it('fires the expected rules on the documents broken on purpose', () => {
    const ids = (name: string) => fired.get(name)!.map((f) => `${f.layer} ${f.id} ${f.flag}`).sort();
    assert.deepEqual(ids('broken: mls RE without lines'), ['MLS SCH-MLS-23 fatal', 'MLS SCH-MLS-24 fatal']);
    assert.deepEqual(ids('broken: invoice response UQ with an empty note and no clarification'), ['T111 PEPPOL-COMMON-R001 fatal', 'T111 PEPPOL-T111-R001 fatal']);
  });
});
