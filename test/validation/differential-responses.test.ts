/**
 * Differential test of the business responses (UBL ApplicationResponse: Invoice Response T111 and MLS):
 * the engine against the reference (saxon-ref: official compiled XSLT under Saxon-HE) on the official
 * examples and the generated mutations (src/testing/mutate/responses.ts). The reference's results are
 * the committed fixture written by `npx tsx scripts/reference-fixtures.ts responses`; the corpus is
 * regenerated here and must match it document for document (id and SHA-256).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { compareCorpus, corpusDrift, explainDiffs } from '../../src/testing/mutate/compare.js';
import { sha256, type CorpusDoc } from '../../src/testing/mutate/corpus.js';
import type { ReferenceFixture } from '../../src/testing/mutate/fixture.js';
import { generateResponseCorpus } from '../../src/testing/mutate/responses.js';
import { readSchAsserts, ruleIds } from '../../src/testing/mutate/sch-asserts.js';
import { examplesOf, schFilesOf } from '../../src/testing/mutate/sources.js';
import { createValidator, type Validator } from '../../src/validation/validator.js';

const root = resolve(import.meta.dirname, '../..');
const { schematronDir: schDir, ublSchemasDir: xsdDir } = loadConfig().validation;
const pct = (n: number, d: number): string => `${((100 * n) / d).toFixed(1)}%`;

describe('validation: differential test of Invoice Responses and MLS against the reference (Saxon-HE, official XSLT)', function () {
  this.timeout(300_000);
  let corpus: CorpusDoc[];
  let validator: Validator;
  let fixture: ReferenceFixture;
  const layers = [
    { layer: 'T111', file: schFilesOf(schDir, 'invoice-response')[0]! },
    { layer: 'MLS', file: schFilesOf(schDir, 'mls')[0]! },
  ];

  before(async () => {
    fixture = JSON.parse(readFileSync(join(root, 'test/fixtures/validation/reference-responses.json'), 'utf8')) as ReferenceFixture;
    corpus = generateResponseCorpus([...examplesOf(schDir, 'invoice-response'), ...examplesOf(schDir, 'mls')]);
    validator = await createValidator({ ublSchemasDir: xsdDir, schematronDir: schDir });
  });

  it('records its expected results against the installed rules', () => {
    const installed = Object.fromEntries(layers.map(({ file }) => [basename(file), sha256(readFileSync(file, 'utf8'))]));
    assert.deepEqual(installed, fixture.schematron, 'the .sch files differ from those the fixture was recorded with: rerun scripts/reference-fixtures.ts responses');
  });

  it('regenerates the same corpus the reference was run on (ids and SHA-256), at least 300 documents', () => {
    assert.ok(corpus.length >= 300, `corpus has ${corpus.length} documents, expected at least 300`);
    assert.deepEqual(corpusDrift(corpus, fixture), [], 'the generator drifted from the fixture: rerun scripts/reference-fixtures.ts responses');
  });

  it('fires the same rules (id, flag, count, location) as the reference on every document', () => {
    const results = compareCorpus(corpus, fixture, validator);
    const ruleMismatch = results.filter((r) => r.ruleDiffs.length > 0);
    const locMismatch = results.filter((r) => r.locationDiffs.length > 0);
    const origs = results.filter((r) => r.id.startsWith('orig/')).length;
    const errors = fixture.documents.filter((d) => d.error !== undefined).length;
    const unsupported = fixture.documents.filter((d) => d.fired?.some(([layer]) => layer === 'UNSUPPORTED')).length;
    // Coverage per layer: the asserts of its .sch that fired in the reference's results at least once.
    const coverage = layers.map(({ layer, file }) => {
      const ids = ruleIds(readSchAsserts(readFileSync(file, 'utf8')));
      const fired = new Set(fixture.documents.flatMap((d) => (d.fired ?? []).filter(([l]) => l === layer).map(([, id]) => id)));
      const never = ids.filter((id) => !fired.has(id));
      return `${layer} ${ids.length - never.length}/${ids.length} (${pct(ids.length - never.length, ids.length)})${never.length ? `, never fired: ${never.join(' ')}` : ''}`;
    });
    console.log(
      [
        `      corpus: ${results.length} documents (${origs} official examples, ${results.length - origs} mutations; ${unsupported} unsupported, ${errors} where the reference stops with a dynamic error)`,
        `      agreement (rule ids, flags, counts): ${results.length - ruleMismatch.length}/${results.length} (${pct(results.length - ruleMismatch.length, results.length)})`,
        `      locations: ${results.length - ruleMismatch.length - locMismatch.length}/${results.length - ruleMismatch.length} of the agreeing documents also agree on every location`,
        `      reference coverage: ${coverage.join('; ')}`,
      ].join('\n'),
    );
    assert.equal(ruleMismatch.length, 0, `${ruleMismatch.length} documents fire different rules than the reference:\n${explainDiffs(ruleMismatch, (c) => c.ruleDiffs)}`);
    assert.equal(locMismatch.length, 0, `${locMismatch.length} documents report different locations than the reference:\n${explainDiffs(locMismatch, (c) => c.locationDiffs)}`);
  });
});
