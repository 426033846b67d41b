/**
 * Hostile input to the validation engine: its document model parses or refuses in time linear in the
 * text, and a report lists a bounded number of findings (REPORT_LIMITS), saying what it left out.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ApError } from '../../src/errors.js';
import { parseDocument } from '../../src/validation/dom.js';
import { FindingCap, REPORT_LIMITS, type ValidationIssue } from '../../src/validation/types.js';
import { createValidator, type Validator } from '../../src/validation/validator.js';
import { MAX_ATTRIBUTES, MAX_NAMESPACES } from '../../src/xml/decode.js';
import { officialExamples, SCHEMATRON_DIR, UBL_SCHEMAS_DIR } from '../support/artifacts.js';
import {
  assertLinear,
  attributeList,
  invoiceWithBrokenLines,
  invoiceWithForeignAttributes,
  manyAttributeInvoice,
} from '../support/hostile-xml.js';

const refused = (xml: string, kind: string) =>
  assert.throws(() => parseDocument(xml), (e: unknown) => e instanceof ApError && e.kind === kind, JSON.stringify(xml.slice(0, 100)));

const counts = (issues: ValidationIssue[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const i of issues) m.set(`${i.layer} ${i.id}`, (m.get(`${i.layer} ${i.id}`) ?? 0) + 1);
  return m;
};

describe('validation engine: hostile input is parsed in linear time and reported in bounded size', function () {
  this.timeout(120_000);
  let v: Validator;
  before(async () => {
    v = await createValidator({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: SCHEMATRON_DIR });
  });

  it('the document model refuses more than 256 attributes on an element or 128 namespaces in scope, and duplicates among many', () => {
    assert.equal(parseDocument(`<a${attributeList(MAX_ATTRIBUTES)}/>`).root.attrs.length, MAX_ATTRIBUTES);
    refused(`<a${attributeList(MAX_ATTRIBUTES + 1)}/>`, 'input.too-large');
    refused(`<a xmlns="urn:d"${attributeList(MAX_ATTRIBUTES)}/>`, 'input.too-large');
    const decls = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => ` xmlns:p${from + k}="urn:${from + k}"`).join('');
    parseDocument(`<a${decls(0, 64)}><b${decls(64, MAX_NAMESPACES)}/><c${decls(64, MAX_NAMESPACES)}/></a>`);
    refused(`<a${decls(0, 64)}><b${decls(64, MAX_NAMESPACES + 1)}/></a>`, 'input.too-large');
    refused(`<a${attributeList(20)} a3=""/>`, 'xml.malformed');
    refused(`<a xmlns:p="urn:1" xmlns:q="urn:1"${attributeList(20)} p:b="1" q:b="2"/>`, 'xml.malformed');
  });

  it('the document model parses or refuses in time linear in its attributes, namespace declarations and element names', () => {
    assertLinear((xml) => parseDocument(xml), 20_000);
  });

  it('refuses the 789 KB document with 88,745 attributes on one element at once, in a one-issue report', () => {
    const xml = manyAttributeInvoice();
    const t0 = performance.now();
    const r = v.validate(xml);
    const ms = performance.now() - t0;
    assert.ok(ms < 250, `${ms.toFixed(1)} ms for ${Buffer.byteLength(xml)} bytes`);
    assert.equal(r.issues.length, 1);
    assert.equal(r.issues[0]!.layer, 'PARSE');
    assert.match(r.issues[0]!.message, /more than 256 attributes on element 'cbc:CustomizationID'/);
  });

  it('lists the first 200 findings of a rule, then a REPORT-TRUNCATED summary (a 790 KB invoice with 58,000 attributes the schema forbids)', () => {
    const xml = invoiceWithForeignAttributes(290, 200);
    assert.ok(Buffer.byteLength(xml) > 780 * 1024, `${Buffer.byteLength(xml)} bytes`);
    const t0 = performance.now();
    const r = v.validate(xml);
    const ms = performance.now() - t0;
    assert.ok(ms < 3000, `${ms.toFixed(0)} ms`);
    assert.equal(counts(r.issues).get('XSD XSD'), REPORT_LIMITS.perRule);
    const summary = r.issues.at(-1)!;
    assert.deepEqual([summary.layer, summary.id, summary.flag], ['REPORT', 'REPORT-TRUNCATED', 'fatal']);
    assert.match(summary.message, /57800 more findings are not listed .*: XSD ×57800$/);
    assert.equal(r.valid, false);
    assert.ok(JSON.stringify(r).length < 100_000, `${JSON.stringify(r).length} bytes of JSON`);
  });

  it('keeps at most 200 findings per rule and 1000 in all, the first in document order, the same on every run', () => {
    const xml = invoiceWithBrokenLines(300);
    const r = v.validate(xml);
    const byRule = counts(r.issues);
    assert.ok([...byRule.values()].every((n) => n <= REPORT_LIMITS.perRule), JSON.stringify([...byRule]));
    assert.equal(r.issues.length, REPORT_LIMITS.total + 1);
    assert.equal(byRule.get('CEN BR-27'), REPORT_LIMITS.perRule);
    // The first lines' findings are the ones listed.
    const lines = r.issues.filter((i) => i.id === 'BR-27').map((i) => Number(/InvoiceLine\[namespace-uri\(\)='[^']*'\]\[(\d+)\]/.exec(i.location!)![1]));
    assert.deepEqual(lines, Array.from({ length: REPORT_LIMITS.perRule }, (_, k) => k + 1));
    const summary = r.issues.at(-1)!;
    assert.equal(summary.id, 'REPORT-TRUNCATED');
    assert.match(summary.message, /^The report is truncated: \d+ more findings are not listed/);
    const again = v.validate(xml);
    assert.deepEqual(again.issues, r.issues);
  });

  it('clips a message or location past 4096 characters and stops listing past 1 MiB of them', () => {
    const cap = new FindingCap();
    const long = 'x'.repeat(REPORT_LIMITS.fieldChars + 10);
    const first = cap.take('XSD', 'XSD', 'warning', () => ({ layer: 'XSD', id: 'XSD', flag: 'warning', message: long, location: long }))!;
    assert.equal(first.message, `${'x'.repeat(REPORT_LIMITS.fieldChars)}… (10 more characters)`);
    assert.equal(first.location, first.message);
    let listed = 1;
    const build = (): ValidationIssue => ({ layer: 'CEN', id: `R${listed}`, flag: 'warning', message: long });
    while (cap.take('CEN', `R${listed}`, 'warning', build)) listed++;
    assert.equal(listed, Math.ceil(REPORT_LIMITS.textChars / first.message.length) - 1);
    const summary = cap.summary()!;
    assert.equal(summary.flag, 'warning');
    assert.match(summary.message, /: CEN R\d+ ×1$/);
  });

  it('leaves the reports of the official examples as they were: no summary, no clipped message', () => {
    for (const file of officialExamples()) {
      const r = v.validate(readFileSync(file));
      assert.ok(!r.issues.some((i) => i.layer === 'REPORT' || i.message.length > REPORT_LIMITS.fieldChars), file);
    }
  });

  it('gives a capped report no summary while nothing is left out, and a fatal one when a left-out finding is fatal', () => {
    const cap = new FindingCap();
    const issue = (id: string, flag: 'fatal' | 'warning'): ValidationIssue => ({ layer: 'PEPPOL', id, flag, message: id });
    for (let k = 0; k < REPORT_LIMITS.perRule; k++) assert.ok(cap.take('PEPPOL', 'W', 'warning', () => issue('W', 'warning')));
    assert.equal(cap.summary(), null);
    assert.equal(cap.take('PEPPOL', 'W', 'warning', () => issue('W', 'warning')), null);
    assert.equal(cap.summary()!.flag, 'warning');
    for (let k = 0; k < REPORT_LIMITS.total - REPORT_LIMITS.perRule; k++) assert.ok(cap.take('PEPPOL', `F${k % 50}`, 'fatal', () => issue(`F${k % 50}`, 'fatal')));
    assert.equal(cap.take('PEPPOL', 'G', 'fatal', () => issue('G', 'fatal')), null);
    const summary = cap.summary()!;
    assert.equal(summary.flag, 'fatal');
    assert.match(summary.message, /2 more findings .*: PEPPOL W ×1, PEPPOL G ×1$/);
  });
});
