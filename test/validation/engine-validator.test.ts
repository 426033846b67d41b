/**
 * The validator facade over the installed artifacts: UBL XSD + CEN + Peppol compiled once, the report per
 * document, and the cases outside the rules (malformed XML, DTDs, unsupported roots, XSD failures that
 * still get rule results). Expected rule results were checked with the reference (saxon-ref).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Validator, createValidator } from '../../src/validation/validator.js';
import { SCHEMATRON_DIR, UBL_SCHEMAS_DIR } from '../support/artifacts.js';

function dirs(): { schematronDir: string; ublSchemasDir: string; examples: string } {
  return { schematronDir: SCHEMATRON_DIR, ublSchemasDir: UBL_SCHEMAS_DIR, examples: join(SCHEMATRON_DIR, 'examples') };
}

describe('validation engine: validator over the official artifacts', function () {
  this.timeout(120_000);
  let v: Validator;
  let base: string;
  const d = dirs();
  const fired = (xml: string): string[] =>
    v
      .validate(xml)
      .issues.map((i) => `${i.layer} ${i.id} ${i.flag}`)
      .sort();

  before(async () => {
    v = await createValidator({ ublSchemasDir: d.ublSchemasDir, schematronDir: d.schematronDir });
    base = readFileSync(join(d.examples, 'peppol-3.0.21/base-example.xml'), 'utf8');
  });

  it('loads and compiles everything once, reporting the time', () => {
    assert.ok(v.loadMs > 0 && v.loadMs < 60_000, `loadMs ${v.loadMs}`);
  });

  it('finds the base example valid, with no issue at all, judged by the billing rules in force', () => {
    const r = v.validate(Buffer.from(base));
    assert.equal(r.valid, true);
    assert.equal(r.documentKind, 'Invoice');
    assert.deepEqual(r.ruleSet, { documentType: 'billing', release: '3.0.21', effectiveFrom: '2026-08-24', layers: ['CEN', 'PEPPOL'] });
    assert.deepEqual(r.issues, []);
    assert.ok(r.elapsedMs >= 0);
  });

  it('validates credit notes', () => {
    const r = v.validate(readFileSync(join(d.examples, 'peppol-3.0.21/base-creditnote-correction.xml')));
    assert.equal(r.documentKind, 'CreditNote');
    assert.deepEqual(r.issues, []);
  });

  it('reports the rules the reference fires on guide-example1 (CEN example, not a Peppol invoice)', () => {
    const r = v.validate(readFileSync(join(d.examples, 'cen-1.3.16/ubl-examples/guide-example1.xml')));
    assert.equal(r.valid, false);
    const got = r.issues.map((i) => `${i.layer} ${i.id} ${i.flag}`);
    for (const id of ['R001', 'R003', 'R004', 'R007', 'R010', 'R020']) assert.ok(got.includes(`PEPPOL PEPPOL-EN16931-${id} fatal`), id);
    assert.ok(got.includes('PEPPOL PEPPOL-COMMON-R056-2 warning'));
    const r020 = r.issues.find((i) => i.id === 'PEPPOL-EN16931-R020')!;
    assert.equal(
      r020.location,
      "/*:Invoice[namespace-uri()='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'][1]" +
        "/*:AccountingSupplierParty[namespace-uri()='urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2'][1]" +
        "/*:Party[namespace-uri()='urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2'][1]",
    );
    assert.match(r020.message, /^\[PEPPOL-EN16931-R020\]-Seller electronic address MUST be provided/);
    assert.ok(typeof r020.line === 'number' && r020.line > 1 && typeof r020.column === 'number');
  });

  it('computes amounts exactly: a line total off by 0.03 fires R120, off by 0.02 does not', () => {
    const line = '<cbc:LineExtensionAmount currencyID= "EUR">2800</cbc:LineExtensionAmount>';
    assert.ok(base.includes(line));
    const at = (amount: string): string[] => fired(base.replace(line, line.replace('2800', amount)));
    assert.ok(!at('2800.02').includes('PEPPOL PEPPOL-EN16931-R120 fatal'));
    assert.ok(at('2800.03').includes('PEPPOL PEPPOL-EN16931-R120 fatal'));
  });

  it('still runs the rules when the XSD layer fails, as the reference does', () => {
    const broken = base.replace('<cbc:IssueDate>2017-11-13</cbc:IssueDate>', '');
    const r = v.validate(broken);
    assert.equal(r.valid, false);
    assert.ok(r.issues.some((i) => i.layer === 'XSD'));
    assert.ok(r.issues.some((i) => i.layer === 'CEN' && i.id === 'BR-03'));
  });

  it('answers malformed XML, DTDs and empty input with a PARSE issue', () => {
    for (const bad of ['<Invoice><a></Invoice>', '<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>', '', '<Invoice><1a/></Invoice>', '<Invoice a="1" a="2"/>']) {
      const r = v.validate(bad);
      assert.equal(r.valid, false);
      assert.equal(r.documentKind, null);
      assert.deepEqual(
        r.issues.map((i) => i.layer),
        ['PARSE'],
      );
    }
  });

  it('answers an unsupported document with one UNSUPPORTED issue and no rule results', () => {
    const r = v.validate('<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>');
    assert.equal(r.valid, false);
    assert.equal(r.documentKind, null);
    assert.equal(r.ruleSet, null);
    assert.deepEqual(r.issues.map((i) => [i.layer, i.id, i.flag]), [['UNSUPPORTED', 'UNSUPPORTED', 'fatal']]);
    assert.match(r.issues[0].message, /^Unsupported document: root element \{urn:oasis:names:specification:ubl:schema:xsd:Order-2\}Order; supported: /);
  });
});
