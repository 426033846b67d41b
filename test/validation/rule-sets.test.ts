/**
 * Rule sets chosen by document type and effective date: the official Invoice Response and MLS examples
 * judged by their own rules, unsupported documents refused with one issue, and two releases of the billing
 * rules installed side by side, the one in force picked per call by the validator's clock.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRuleSets } from '../../src/validation/rule-sets.js';
import { createValidator, type Validator } from '../../src/validation/validator.js';
import { BASE_INVOICE, SCHEMATRON_DIR, UBL_SCHEMAS_DIR } from '../support/artifacts.js';

const AR_NS = 'urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2';
const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
const examples = (folder: string): string[] =>
  readdirSync(join(SCHEMATRON_DIR, 'examples', folder))
    .filter((f) => f.endsWith('.xml'))
    .map((f) => join(SCHEMATRON_DIR, 'examples', folder, f));
const response = (customization: string | null): string =>
  `<ApplicationResponse xmlns="${AR_NS}" xmlns:cbc="${CBC}">${customization === null ? '' : `<cbc:CustomizationID>${customization}</cbc:CustomizationID>`}<cbc:ID>1</cbc:ID></ApplicationResponse>`;

describe('validation: rule sets by document type', function () {
  this.timeout(120_000);
  let v: Validator;
  before(async () => {
    v = await createValidator({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: SCHEMATRON_DIR });
  });

  it('finds every official Invoice Response example valid under the T111 rules', () => {
    const files = examples('invoice-response');
    assert.equal(files.length, 14);
    for (const f of files) {
      const r = v.validate(readFileSync(f));
      assert.deepEqual([r.valid, r.documentKind, r.issues], [true, 'ApplicationResponse', []], f);
      assert.deepEqual(r.ruleSet, { documentType: 'invoice-response', release: '2026.5', effectiveFrom: '2026-08-24', layers: ['T111'] });
    }
  });

  it('finds every official MLS example valid under the MLS rules', () => {
    const files = examples('mls');
    assert.equal(files.length, 8);
    for (const f of files) {
      const r = v.validate(readFileSync(f));
      assert.deepEqual([r.valid, r.documentKind, r.issues], [true, 'ApplicationResponse', []], f);
      assert.deepEqual(r.ruleSet, { documentType: 'mls', release: '1.0.1', effectiveFrom: '2025-12-15', layers: ['MLS'] });
    }
  });

  it('reports the T111 rules of an Invoice Response, not the billing ones', () => {
    const xml = readFileSync(examples('invoice-response').find((f) => f.includes('InvoiceResponse_Example'))!, 'utf8').replace(
      '<cbc:ResponseCode>RE</cbc:ResponseCode>',
      '<cbc:ResponseCode>XX</cbc:ResponseCode>',
    );
    const r = v.validate(xml);
    assert.equal(r.valid, false);
    assert.deepEqual([...new Set(r.issues.map((i) => i.layer))], ['T111']);
    assert.ok(r.issues.some((i) => i.id === 'PEPPOL-T111-B03001'), JSON.stringify(r.issues));
  });

  it('refuses an ApplicationResponse with another or no CustomizationID, and another root, with one UNSUPPORTED issue', () => {
    const cases: [string, RegExp][] = [
      [response('urn:peppol:edec:mls:1.0a'), /root element \{urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2\}ApplicationResponse, CustomizationID 'urn:peppol:edec:mls:1\.0a'; supported: /],
      [response(' urn:fdc:peppol.eu:poacc:trns:invoice_response:2 '), /CustomizationID 'urn:fdc:peppol\.eu:poacc:trns:invoice_response:2'/],
      [response(null), /ApplicationResponse, no CustomizationID; supported: /],
      ['<ApplicationResponse xmlns="urn:other"/>', /root element \{urn:other\}ApplicationResponse, no CustomizationID/],
      ['<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"/>', /root element \{urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2\}Catalogue; supported: /],
      ['<plain/>', /root element plain; supported: /],
    ];
    for (const [xml, message] of cases) {
      const r = v.validate(xml);
      assert.deepEqual([r.valid, r.documentKind, r.ruleSet], [false, null, null], xml);
      assert.deepEqual(r.issues.map((i) => [i.layer, i.id, i.flag]), [['UNSUPPORTED', 'UNSUPPORTED', 'fatal']], xml);
      assert.match(r.issues[0]!.message, /^Unsupported document: /);
      assert.match(r.issues[0]!.message, message);
    }
  });

  it('takes the CustomizationID whitespace-normalised, and any Invoice Response 3.x', () => {
    const base = readFileSync(examples('mls')[0]!, 'utf8');
    assert.equal(v.validate(base.replace('>urn:peppol:edec:mls:1.0<', '>\n  urn:peppol:edec:mls:1.0\t<')).ruleSet?.documentType, 'mls');
    const ir = readFileSync(examples('invoice-response')[0]!, 'utf8');
    assert.equal(v.validate(ir.replace('>urn:fdc:peppol.eu:poacc:trns:invoice_response:3<', '>urn:fdc:peppol.eu:poacc:trns:invoice_response:3.1<')).ruleSet?.documentType, 'invoice-response');
  });
});

describe('validation: two releases of one rule set, chosen by effective date', function () {
  this.timeout(180_000);
  let dir: string;
  let clock: Date;
  let v: Validator;
  // The base invoice without its buyer reference: PEPPOL-EN16931-R003, fatal in 3.0.21, a warning in the "3.0.22" copy.
  const noBuyerReference = readFileSync(BASE_INVOICE, 'utf8').replace(/<cbc:BuyerReference>[^<]*<\/cbc:BuyerReference>/, '');
  const r003 = (): { release: string | undefined; valid: boolean; flags: string[] } => {
    const r = v.validate(noBuyerReference);
    return { release: r.ruleSet?.release, valid: r.valid, flags: r.issues.filter((i) => i.id === 'PEPPOL-EN16931-R003').map((i) => i.flag) };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rule-sets-'));
    const billing = readRuleSets(SCHEMATRON_DIR).get('billing')!.find((r) => r.ref.release === '3.0.21')!;
    const cen = billing.layers.find((l) => l.layer === 'CEN')!.file;
    const peppol = billing.layers.find((l) => l.layer === 'PEPPOL')!.file;
    for (const sub of ['cen', 'peppol-3.0.21', 'peppol-3.0.22']) mkdirSync(join(dir, sub));
    copyFileSync(cen, join(dir, 'cen', 'CEN-EN16931-UBL.sch'));
    copyFileSync(peppol, join(dir, 'peppol-3.0.21', 'PEPPOL-EN16931-UBL.sch'));
    const text = readFileSync(peppol, 'utf8');
    const changed = text.replace(/(<assert[^>]*id="PEPPOL-EN16931-R003"[^>]*flag=")fatal"/, '$1warning"');
    assert.notEqual(changed, text, 'the PEPPOL-EN16931-R003 assert was found and changed');
    writeFileSync(join(dir, 'peppol-3.0.22', 'PEPPOL-EN16931-UBL.sch'), changed);
    const entry = (layer: string, target: string, release: string, effectiveFrom: string) => ({
      name: `${layer} ${release}`,
      target,
      documentType: 'billing',
      layer,
      release,
      effectiveFrom,
      files: [{ path: layer === 'CEN' ? 'CEN-EN16931-UBL.sch' : 'PEPPOL-EN16931-UBL.sch' }],
    });
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        artifacts: [
          entry('CEN', 'cen', '3.0.21', '2026-08-24'),
          entry('PEPPOL', 'peppol-3.0.21', '3.0.21', '2026-08-24'),
          entry('CEN', 'cen', '3.0.22', '2027-02-24'),
          entry('PEPPOL', 'peppol-3.0.22', '3.0.22', '2027-02-24'),
        ],
      }),
    );
    clock = new Date('2027-02-23T23:59:59Z');
    v = await createValidator({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: dir, now: () => clock });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('judges by the release in force on the day of each call, the same validator switching at the date', () => {
    assert.deepEqual(r003(), { release: '3.0.21', valid: false, flags: ['fatal'] });
    clock = new Date('2027-02-24T00:00:00Z');
    assert.deepEqual(r003(), { release: '3.0.22', valid: true, flags: ['warning'] });
    const r = v.validate(noBuyerReference);
    assert.deepEqual(r.ruleSet, { documentType: 'billing', release: '3.0.22', effectiveFrom: '2027-02-24', layers: ['CEN', 'PEPPOL'] });
    clock = new Date('2026-12-01T12:00:00Z');
    assert.deepEqual(r003(), { release: '3.0.21', valid: false, flags: ['fatal'] });
  });

  it('refuses a document before the first release of its rules, and a type with none installed', () => {
    clock = new Date('2026-08-23T12:00:00Z');
    const before = v.validate(noBuyerReference);
    assert.deepEqual([before.valid, before.ruleSet, before.issues.map((i) => i.layer)], [false, null, ['UNSUPPORTED']]);
    assert.match(before.issues[0]!.message, /No release of the billing rules applies on 2026-08-23 \(installed: 3\.0\.22 from 2027-02-24, 3\.0\.21 from 2026-08-24\)/);
    const mls = v.validate(readFileSync(examples('mls')[0]!));
    assert.match(mls.issues[0]!.message, /No release of the mls rules applies on 2026-08-23 \(installed: none\)/);
  });

  it('refuses manifest entries it cannot place: unknown document type or layer, a date that is not one, a missing file', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, unknown>[] };
    const bad = mkdtempSync(join(tmpdir(), 'rule-sets-bad-'));
    const refused = (change: Record<string, unknown>, message: RegExp): void => {
      writeFileSync(join(bad, 'manifest.json'), JSON.stringify({ artifacts: [{ ...manifest.artifacts[0], ...change }] }));
      assert.throws(() => readRuleSets(bad), message);
    };
    try {
      mkdirSync(join(bad, 'cen'));
      copyFileSync(join(dir, 'cen', 'CEN-EN16931-UBL.sch'), join(bad, 'cen', 'CEN-EN16931-UBL.sch'));
      refused({ documentType: 'order' }, /documentType 'order' is none of billing, invoice-response, mls/);
      refused({ layer: 'XRECHNUNG' }, /layer 'XRECHNUNG' is none of CEN, PEPPOL, T111, MLS/);
      refused({ effectiveFrom: '2027-02-30' }, /effectiveFrom '2027-02-30' is not a YYYY-MM-DD date/);
      refused({ target: 'elsewhere' }, /elsewhere\/CEN-EN16931-UBL\.sch not found; run `npm run artifacts`/);
      rmSync(join(bad, 'manifest.json'));
      assert.throws(() => readRuleSets(bad), /manifest\.json not found/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('refuses a manifest whose releases of one type take effect on the same day', () => {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { artifacts: { effectiveFrom: string }[] };
    for (const a of m.artifacts) a.effectiveFrom = '2026-08-24';
    const other = mkdtempSync(join(tmpdir(), 'rule-sets-same-day-'));
    try {
      for (const sub of ['cen', 'peppol-3.0.21', 'peppol-3.0.22']) {
        mkdirSync(join(other, sub));
        for (const f of readdirSync(join(dir, sub))) copyFileSync(join(dir, sub, f), join(other, sub, f));
      }
      writeFileSync(join(other, 'manifest.json'), JSON.stringify(m));
      assert.throws(() => readRuleSets(other), /billing releases 3\.0\.2[12] and 3\.0\.2[12] both take effect on 2026-08-24/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
