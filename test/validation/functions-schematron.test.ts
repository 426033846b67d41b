/**
 * The functions the Peppol schematron defines in XSLT (u:gln, u:mod11, ...), compiled from the .sch by
 * the engine and called directly. Every expected value was checked with the reference (saxon-ref on the
 * base example with the seller EndpointID set to the value: the rule that calls the function fires exactly
 * when the function is false; the rule is noted per case).
 */
import assert from 'node:assert/strict';
import { parseDocument } from '../../src/validation/dom.js';
import { invokeFunction } from '../../src/validation/schematron/evaluate.js';
import { loadSchematron } from '../../src/validation/schematron/load.js';
import type { CompiledSchema } from '../../src/validation/schematron/model.js';
import { readRuleSets } from '../../src/validation/rule-sets.js';
import { Dec } from '../../src/validation/xpath/decimal.js';
import { SCHEMATRON_DIR } from '../support/artifacts.js';

describe('schematron-defined functions (Peppol BIS 3.0.21), against reference results', function () {
  this.timeout(60_000);
  let peppol: CompiledSchema;
  const ctxDoc = parseDocument('<x/>');
  const call = (name: string, ...args: unknown[]): unknown => {
    const r = invokeFunction(peppol, name, args.map((a) => [a as string]), ctxDoc);
    assert.equal(r.length, 1);
    return r[0];
  };

  before(() => {
    const release = readRuleSets(SCHEMATRON_DIR).get('billing')?.find((r) => r.ref.release === '3.0.21');
    const layer = release?.layers.find((l) => l.layer === 'PEPPOL');
    assert.ok(layer, 'billing 3.0.21 is installed');
    peppol = loadSchematron(layer.file, 'PEPPOL');
  });

  // [value, expected] pairs; "fired" in the reference ⇔ expected false.
  const cases: Record<string, { rule: string; values: [string, boolean][] }> = {
    'u:gln': {
      rule: 'PEPPOL-COMMON-R040 (0088)',
      values: [
        ['7300010000001', true],
        ['7300010000002', false],
        ['5790000435975', true],
        ['4006381333931', true],
        ['4006381333932', false],
        ['0000000000000', true],
        ['9482348239847239874', true],
      ],
    },
    'u:mod11': {
      rule: 'PEPPOL-COMMON-R041 (0192)',
      values: [
        ['974760673', true],
        ['974760674', false],
        ['000000000', false],
        ['923609016', true],
        ['123456785', true],
        ['810305282', true],
      ],
    },
    'u:mod97-0208': {
      rule: 'PEPPOL-COMMON-R043 (0208)',
      values: [
        ['0202239951', true],
        ['0202239952', false],
        ['0417497106', true],
        ['0123456749', true],
        ['0999999999', false],
        ['0000000097', true],
        ['1000000096', false],
      ],
    },
    'u:checkCodiceIPA': {
      rule: 'PEPPOL-COMMON-R044 (0201)',
      values: [
        ['ABC123', true],
        ['ABC12', false],
        ['ABC_12', false],
        ['abcdef', true],
        ['UFXYZ1', true],
      ],
    },
    'u:checkCF': {
      rule: 'PEPPOL-COMMON-R045 (0210), through u:checkCF16',
      values: [
        ['RSSMRA85T10A562S', true],
        ['RSSMRA85T10A562', false],
        ['12345678901', true],
        ['1234567890A', false],
        ['RSSMRA85T1XA562S', false],
        ['RSSMRA8XT10A562S', false],
        ['rssmra85t10a562s', true],
      ],
    },
    'u:checkPIVAseIT': {
      rule: 'PEPPOL-COMMON-R047 (0211), through u:checkPIVA and the recursive u:addPIVA',
      values: [
        ['IT00743110157', true],
        ['IT00743110158', false],
        ['IT12345678903', true],
        ['DE123456789', true],
        ['IT1234567890', false],
        ['it00743110157', true],
        ['ITABCDEFGHIJK', false],
      ],
    },
    'u:checkSEOrgnr': {
      rule: 'PEPPOL-COMMON-R049 (0007)',
      values: [
        ['5567321707', true],
        ['5567321708', false],
        ['2021005489', true],
        ['2021005488', false],
        ['1234567897', true],
        ['0000000000', true],
      ],
    },
    'u:abn': {
      rule: 'PEPPOL-COMMON-R050 (0151)',
      values: [
        ['51824753556', true],
        ['51824753557', false],
        ['53004085616', true],
        ['12345678901', false],
        ['10000000000', true],
      ],
    },
    'u:TinVerification': {
      rule: 'GR-R-009 (Greek seller, EndpointID 9933)',
      values: [
        ['094019245', true],
        ['094019246', false],
        ['123456789', false],
        ['000000000', true],
        ['997000250', false],
        ['090000045', true],
      ],
    },
  };

  for (const [fn, { rule, values }] of Object.entries(cases)) {
    it(`${fn} agrees with the reference (${rule})`, () => {
      for (const [v, expected] of values) assert.equal(call(fn, v), expected, `${fn}('${v}')`);
    });
  }

  it('u:checkPIVA returns the mod-10 remainder (0 for a valid Partita IVA, 1 when not numeric)', () => {
    assert.equal(call('u:checkPIVA', '00743110157'), 0n);
    assert.notEqual(call('u:checkPIVA', '00743110158'), 0n);
    assert.equal(call('u:checkPIVA', 'ABCDEFGHIJK'), 1n);
  });

  it('u:checkCF16 checks the 16-character fiscal code layout', () => {
    assert.equal(call('u:checkCF16', 'RSSMRA85T10A562S'), true);
    assert.equal(call('u:checkCF16', 'RSSMRA8XT10A562S'), false);
  });

  it('u:slack compares exact decimals (PEPPOL-EN16931-R120 on the base example: line 7 × 400 with slack 0.02)', () => {
    const slack = (exp: string, val: string, s: string): unknown =>
      invokeFunction(peppol, 'u:slack', [[Dec.parse(exp)!], [Dec.parse(val)!], [Dec.parse(s)!]], ctxDoc)[0];
    // Reference: LineExtensionAmount 2800.02 and 2799.98 pass R120; 2800.03, 2799.97 and 2800.021 fire it.
    assert.equal(slack('2800.02', '2800', '0.02'), true);
    assert.equal(slack('2799.98', '2800', '0.02'), true);
    assert.equal(slack('2800.03', '2800', '0.02'), false);
    assert.equal(slack('2799.97', '2800', '0.02'), false);
    assert.equal(slack('2800.021', '2800', '0.02'), false);
  });

  it('u:slack refuses a double where xs:decimal is declared, as the function conversion rules require', () => {
    assert.throws(() => invokeFunction(peppol, 'u:slack', [[1.5], [Dec.parse('1')!], [Dec.parse('0.02')!]], ctxDoc), /XPTY0004/);
  });
});
