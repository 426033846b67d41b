/**
 * Differential test: the engine against the reference validator (official compiled XSLT under Saxon-HE),
 * on the official examples and on the generated mutation corpus. The reference's results are the
 * committed fixture written by scripts/reference-fixtures.ts; the corpus is regenerated here from the
 * installed examples and rules and must match the fixture document for document (id and SHA-256).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { compareCorpus, corpusDrift, explainDiffs } from '../../src/testing/mutate/compare.js';
import { generateCorpus, sha256, type CorpusDoc } from '../../src/testing/mutate/corpus.js';
import type { ReferenceFixture } from '../../src/testing/mutate/fixture.js';
import { examplesOf, schFilesOf } from '../../src/testing/mutate/sources.js';
import { createValidator, type Validator } from '../../src/validation/validator.js';

const root = resolve(import.meta.dirname, '../..');
const { schematronDir: schDir, ublSchemasDir: xsdDir } = loadConfig().validation;

const pct = (n: number, d: number): string => `${((100 * n) / d).toFixed(1)}%`;

describe('validation: differential test against the reference (Saxon-HE, official XSLT)', function () {
  this.timeout(900_000);
  let corpus: CorpusDoc[];
  let validator: Validator;
  let schFiles: string[];
  let fixture: ReferenceFixture;

  before(async () => {
    fixture = JSON.parse(readFileSync(join(root, 'test/fixtures/validation/reference.json'), 'utf8')) as ReferenceFixture;
    schFiles = schFilesOf(schDir, 'billing');
    const schTexts = schFiles.map((f) => readFileSync(f, 'utf8'));
    corpus = generateCorpus(examplesOf(schDir, 'billing'), schTexts);
    validator = await createValidator({ ublSchemasDir: xsdDir, schematronDir: schDir });
  });

  it('records its expected results against the installed rules', () => {
    const installed = Object.fromEntries(schFiles.map((f) => [basename(f), sha256(readFileSync(f, 'utf8'))]));
    assert.deepEqual(installed, fixture.schematron, 'the .sch files differ from those the fixture was recorded with: rerun scripts/reference-fixtures.ts');
  });

  it('regenerates the same corpus the reference was run on (ids and SHA-256)', () => {
    assert.ok(corpus.length >= 500, `corpus has ${corpus.length} documents, expected at least 500`);
    assert.deepEqual(corpusDrift(corpus, fixture), [], 'the generator drifted from the fixture: rerun scripts/reference-fixtures.ts');
  });

  it('fires the same rules (id, flag, count) as the reference on every document', () => {
    const results = compareCorpus(corpus, fixture, validator);
    const ruleMismatch = results.filter((r) => r.ruleDiffs.length > 0);
    const locMismatch = results.filter((r) => r.locationDiffs.length > 0);
    const origs = results.filter((r) => r.id.startsWith('orig/'));
    const cov = fixture.coverage;
    console.log(
      [
        `      corpus: ${results.length} documents (${origs.length} official examples, ${results.length - origs.length} mutations)`,
        `      agreement (rule ids, flags, counts): ${results.length - ruleMismatch.length}/${results.length} (${pct(results.length - ruleMismatch.length, results.length)}); official examples ${origs.length - origs.filter((r) => r.ruleDiffs.length).length}/${origs.length}`,
        `      locations: ${results.length - ruleMismatch.length - locMismatch.length}/${results.length - ruleMismatch.length} of the agreeing documents also agree on every location`,
        `      reference coverage: ${cov.fired}/${cov.total} rule ids fired (${pct(cov.fired, cov.total)}); never fired: ${cov.neverFired.length}`,
      ].join('\n'),
    );
    if (locMismatch.length) console.log(`      location differences:\n${explainDiffs(locMismatch, (c) => c.locationDiffs, 10)}`);
    assert.equal(ruleMismatch.length, 0, `${ruleMismatch.length} documents fire different rules than the reference:\n${explainDiffs(ruleMismatch, (c) => c.ruleDiffs)}`);
    assert.equal(locMismatch.length, 0, `${locMismatch.length} documents report different locations than the reference`);
  });
});
