import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApError } from '../../src/errors.js';
import { UblXsdValidator } from '../../src/validation/xsd.js';
import { BASE_CREDIT_NOTE, BASE_INVOICE, UBL_SCHEMAS_DIR } from '../support/artifacts.js';

describe('UBL 2.1 XSD validator', () => {
  let v: UblXsdValidator;
  before(() => {
    v = UblXsdValidator.load(UBL_SCHEMAS_DIR, { maxBytes: 1024 * 1024 });
  });
  after(() => v.close());

  it('validates invoices and credit notes against their own schema', () => {
    const inv = v.validate(readFileSync(BASE_INVOICE));
    assert.deepEqual([inv.valid, inv.documentKind, inv.issues], [true, 'Invoice', []]);
    const cn = v.validate(readFileSync(BASE_CREDIT_NOTE, 'utf8'));
    assert.deepEqual([cn.valid, cn.documentKind], [true, 'CreditNote']);
    // An invoice body under a CreditNote root is checked by the CreditNote schema, and fails it.
    const swapped = readFileSync(BASE_INVOICE, 'utf8').replaceAll('Invoice-2', 'CreditNote-2').replace(/<Invoice\b/, '<CreditNote').replace('</Invoice>', '</CreditNote>');
    const r = v.validate(swapped);
    assert.equal(r.documentKind, 'CreditNote');
    assert.equal(r.valid, false);
  });

  it('collapses whitespace around dates and times before checking them, as XSD says and libxml2 does not', () => {
    const pad = (date: string) => readFileSync(BASE_INVOICE, 'utf8').replace(/<cbc:IssueDate>[^<]*</, `<cbc:IssueDate>\n   ${date}  \t<`);
    assert.deepEqual(v.validate(pad('2017-11-13')).issues, []);
    const bad = v.validate(pad('2017-13-13'));
    assert.equal(bad.valid, false);
    assert.match(bad.issues[0]!.message, /IssueDate[^]*xs:date/);
  });

  it('reports every schema error with its line and the element path', () => {
    const lines = readFileSync(BASE_INVOICE, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('<cbc:IssueDate>'));
    lines[i] = lines[i]!.replace(/>[^<]+</, '>13/11/2017<'); // not an xsd:date
    const r = v.validate(lines.join('\n'));
    assert.equal(r.valid, false);
    assert.equal(r.issues.length, 1);
    assert.equal(r.issues[0]!.line, i + 1);
    assert.equal(r.issues[0]!.location, '/*/cbc:IssueDate');
    assert.match(r.issues[0]!.message, /13\/11\/2017.*date/);
  });

  it('returns malformed XML as a PARSE issue with line and column', () => {
    const r = v.validate('<Invoice>\n<a></b></Invoice>');
    assert.equal(r.valid, false);
    assert.equal(r.documentKind, null);
    assert.equal(r.issues[0]!.layer, 'PARSE');
    assert.equal(r.issues[0]!.line, 2);
  });

  it('refuses DTDs, empty and oversized input with an ApError', () => {
    const kind = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e instanceof ApError ? e.kind : String(e);
      }
      return 'no error';
    };
    assert.equal(kind(() => v.validate('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')), 'xml.dtd-forbidden');
    assert.equal(kind(() => v.validate('')), 'input.empty');
    assert.equal(kind(() => v.validate(Buffer.alloc(1024 * 1024 + 1, 0x20))), 'input.too-large');
  });

  it('compiles the schemas once: validating needs no schema file afterwards', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xsd-'));
    cpSync(UBL_SCHEMAS_DIR, dir, { recursive: true });
    const own = UblXsdValidator.load(dir);
    rmSync(dir, { recursive: true, force: true });
    try {
      assert.equal(own.validate(readFileSync(BASE_INVOICE)).valid, true);
      assert.equal(own.validate(readFileSync(BASE_CREDIT_NOTE)).valid, true);
    } finally {
      own.close();
    }
  });

  it('fails loudly when the schemas are not installed', () => {
    assert.throws(() => UblXsdValidator.load(join(tmpdir(), 'no-such-schemas')), (e: unknown) => e instanceof ApError && e.kind === 'validation.artifacts-missing');
  });

  it('validates a typical invoice in well under the schema compile time (no per-document compile)', () => {
    const doc = readFileSync(BASE_INVOICE);
    for (let i = 0; i < 5; i++) v.validate(doc); // warm-up
    const t = performance.now();
    const n = 50;
    for (let i = 0; i < n; i++) v.validate(doc);
    const perDoc = (performance.now() - t) / n;
    const c = performance.now();
    UblXsdValidator.load(UBL_SCHEMAS_DIR).close();
    const compile = performance.now() - c;
    assert.ok(perDoc * 5 < compile, `per document ${perDoc.toFixed(2)} ms vs compile ${compile.toFixed(1)} ms`);
  });
});
