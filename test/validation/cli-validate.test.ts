/** `peppol-ap validate <file…> [--json]`: reports per file, exit codes 0 / 1 / 2, on real files and the installed rules. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '../../src/cli/commands/validate.js';
import { loadConfig } from '../../src/config/index.js';
import type { FileReport } from '../../src/validation/report-format.js';

const schDir = loadConfig().validation.schematronDir;
const example = join(schDir, 'examples/peppol-3.0.21/base-example.xml');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await validate.run(args, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') });
  return { code, out, err };
}

describe('cli: validate', function () {
  this.timeout(120_000);
  let dir: string;
  let invalid: string;
  let notXml: string;
  let order: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-validate-'));
    invalid = join(dir, 'no-buyer-reference.xml');
    // BR-CO-15 (totals) and PEPPOL-EN16931-R003 (buyer reference) break; the XML stays schema-valid.
    writeFileSync(
      invalid,
      readFileSync(example, 'utf8')
        .replace(/<cbc:BuyerReference>[^<]*<\/cbc:BuyerReference>/, '')
        .replace('<cbc:TaxInclusiveAmount currencyID="EUR">1656.25<', '<cbc:TaxInclusiveAmount currencyID="EUR">1656.26<'),
    );
    notXml = join(dir, 'not-xml.xml');
    writeFileSync(notXml, 'this is <not xml');
    order = join(dir, 'order.xml');
    writeFileSync(order, '<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"><ID xmlns="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">1</ID></Order>');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and says valid for an official example', async () => {
    const r = await run([example]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, new RegExp(`^${example.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: valid \\(Invoice;`, 'm'));
  });

  it('validates many files in one call, names each, and exits 1 when one is invalid', async () => {
    const r = await run([example, invalid]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /base-example\.xml: valid/);
    assert.match(r.out, /no-buyer-reference\.xml: INVALID \(Invoice; \d+ fatal/);
    assert.match(r.out, /FATAL {3}PEPPOL PEPPOL-EN16931-R003/);
    assert.match(r.out, /FATAL {3}CEN {4}BR-CO-15/);
    assert.match(r.out, /at \/inv:Invoice\[1\]/);
  });

  it('--json prints one report per file with rule id, flag, message and location', async () => {
    const r = await run(['--json', invalid, example]);
    assert.equal(r.code, 1);
    const reports = JSON.parse(r.out) as FileReport[];
    assert.deepEqual(reports.map((x) => [x.file, x.valid, x.documentKind]), [[invalid, false, 'Invoice'], [example, true, 'Invoice']]);
    const r003 = reports[0]!.issues.find((i) => i.id === 'PEPPOL-EN16931-R003');
    assert.ok(r003, JSON.stringify(reports[0]!.issues));
    assert.equal(r003.flag, 'fatal');
    assert.equal(r003.layer, 'PEPPOL');
    assert.match(r003.message, /buyer reference|order reference/i);
    assert.match(r003.location ?? '', /^\/\*:Invoice\[namespace-uri\(\)='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'\]\[1\]$/);
  });

  it('exits 2 for unusable input (missing file, not XML, a document of no supported type), still reporting the others', async () => {
    for (const bad of [join(dir, 'missing.xml'), notXml, order]) {
      const r = await run([example, bad]);
      assert.equal(r.code, 2, `${bad}: ${r.out}${r.err}`);
      assert.match(r.out, /base-example\.xml: valid/);
      assert.match(r.out, new RegExp(`${bad.split('/').pop()!.replace('.', '\\.')}: INVALID \\(unsupported document`));
    }
  });

  it('validates Invoice Responses and MLS under their own rules and names the rule set release', async () => {
    const ir = join(schDir, 'examples/invoice-response/InvoiceResponse_Example.xml');
    const mls = join(schDir, 'examples/mls/MessageLevelStatus_Example_RE.xml');
    const r = await run([ir, mls]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /InvoiceResponse_Example\.xml: valid \(ApplicationResponse; 0 fatal, 0 warnings; [\d.]+ ms\) under invoice-response 2026\.5 \(T111; in force from 2026-08-24\)/);
    assert.match(r.out, /MessageLevelStatus_Example_RE\.xml: valid \(ApplicationResponse; .*\) under mls 1\.0\.1 \(MLS; in force from 2025-12-15\)/);
    assert.match((await run([example])).out, /under billing 3\.0\.21 \(CEN, PEPPOL; in force from 2026-08-24\)/);
    const json = JSON.parse((await run(['--json', mls])).out) as FileReport[];
    assert.deepEqual(json[0]!.ruleSet, { documentType: 'mls', release: '1.0.1', effectiveFrom: '2025-12-15', layers: ['MLS'] });
  });

  it('exits 2 for an ApplicationResponse of no supported kind, saying which CustomizationID it has', async () => {
    const other = join(dir, 'other-response.xml');
    writeFileSync(
      other,
      readFileSync(join(schDir, 'examples/mls/MessageLevelStatus_Example_AB.xml'), 'utf8').replace('>urn:peppol:edec:mls:1.0<', '>urn:example:response<'),
    );
    const r = await run([other]);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.out, /other-response\.xml: INVALID \(unsupported document; 1 fatal/);
    assert.match(r.out, /FATAL {3}UNSUPPORTED UNSUPPORTED/);
    assert.match(r.out, /Unsupported document: root element \{urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2\}ApplicationResponse, CustomizationID 'urn:example:response'; supported: /);
  });

  it('exits 2 on a usage error', async () => {
    assert.equal((await run([])).code, 2);
    assert.equal((await run(['--xml', example])).code, 2);
  });
});
