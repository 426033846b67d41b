/**
 * Records the reference validator's results on a differential corpus as a committed fixture, so that
 * `npm test` checks the engine against them without Java.
 *
 *   npx tsx scripts/reference-fixtures.ts [billing|responses]
 *
 * billing (the default): the Invoice/CreditNote corpus (src/testing/mutate/corpus.ts) over the billing
 * rules, into test/fixtures/validation/reference.json. responses: the ApplicationResponse corpus
 * (src/testing/mutate/responses.ts: Invoice Response and MLS) over the T111 and MLS rules, into
 * test/fixtures/validation/reference-responses.json.
 * Regenerates the corpus from the installed examples and rules, writes it to .tmp/corpus/, runs the
 * reference over all documents and writes the fixture with the coverage figure. The reference is
 * saxon-ref (its build.sh compiles it); documents go through its own pipeline (SaxonRef.validate) via
 * scripts/saxon-ref-batch/RefBatch.java, which differs from `saxon-ref check --json` only in carrying on
 * after a document whose rules raise a dynamic error.
 * Environment: SCHEMATRON_DIR and UBL_SCHEMAS_DIR (installed artifacts, defaults schematron/ and
 * ubl-schemas/), SAXON_REF (the tool folder, default ../shared/tools/saxon-ref). Needs Java 17 and
 * /usr/share/java/Saxon-HE.jar.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { generateCorpus, sha256 } from '../src/testing/mutate/corpus.js';
import { generateResponseCorpus } from '../src/testing/mutate/responses.js';
import { compactLocation, compactXsdLocation, serializeFixture, type FiredTuple, type ReferenceFixture } from '../src/testing/mutate/fixture.js';
import { readSchAsserts, ruleIds } from '../src/testing/mutate/sch-asserts.js';
import { examplesOf, schFilesOf } from '../src/testing/mutate/sources.js';

const root = resolve(import.meta.dirname, '..');
const { schematronDir: schDir, ublSchemasDir: xsdDir } = loadConfig().validation;
const tool = resolve(root, process.env.SAXON_REF ?? '../shared/tools/saxon-ref');
const tmp = join(root, '.tmp');

const suite = process.argv[2] ?? 'billing';
if (suite !== 'billing' && suite !== 'responses') throw new Error(`unknown suite ${suite}: billing or responses`);
const outFile = join(root, `test/fixtures/validation/${suite === 'billing' ? 'reference' : 'reference-responses'}.json`);
const schFiles = suite === 'billing' ? schFilesOf(schDir, 'billing') : [...schFilesOf(schDir, 'invoice-response'), ...schFilesOf(schDir, 'mls')];
const schTexts = schFiles.map((f) => readFileSync(f, 'utf8'));
const corpus =
  suite === 'billing'
    ? generateCorpus(examplesOf(schDir, 'billing'), schTexts)
    : generateResponseCorpus([...examplesOf(schDir, 'invoice-response'), ...examplesOf(schDir, 'mls')]);
console.log(`corpus: ${corpus.length} documents`);

const dir = join(tmp, 'corpus');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const files = corpus.map((d, i) => {
  const f = join(dir, `${String(i).padStart(5, '0')}.xml`);
  writeFileSync(f, d.xml);
  return f;
});

// The reference reads ARTIFACTS=<dir> with schematron/ and ubl-2.1-xsd/ inside: point it at the installed folders.
const artifacts = join(tmp, 'ref-artifacts');
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });
symlinkSync(schDir, join(artifacts, 'schematron'));
symlinkSync(xsdDir, join(artifacts, 'ubl-2.1-xsd'));
// saxon-ref compiles itself into a build folder; keep that out of the read-only tool folder.
const env = { ...process.env, ARTIFACTS: artifacts, SAXONREF_BUILD: join(tmp, 'saxon-ref-build') };
const build = execFileSync('sh', [join(tool, 'build.sh')], { env, encoding: 'utf8' }).trim();
const saxon = '/usr/share/java/Saxon-HE.jar';
const batchBuild = join(tmp, 'ref-batch-build');
execFileSync('javac', ['-d', batchBuild, '-cp', `${build}:${saxon}`, join(root, 'scripts/saxon-ref-batch/RefBatch.java')]);

type RefResult = { file: string; fired?: { layer: string; id: string; flag: string; location: string }[]; error?: string };
const byFile = new Map<string, FiredTuple[] | { error: string }>();
const BATCH = 600; // one JVM per batch: start-up (compiling the stylesheets, about 3 s) is paid per batch
for (let i = 0; i < files.length; i += BATCH) {
  const batch = files.slice(i, i + BATCH);
  const r = spawnSync('java', ['-Xss8m', '-cp', `${batchBuild}:${build}:${saxon}`, 'RefBatch', ...batch], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`reference failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as RefResult;
    if (o.error !== undefined) byFile.set(o.file, { error: o.error });
    else
      byFile.set(
        o.file,
        o.fired!.map((x) => [x.layer, x.id, x.flag, x.layer === 'XSD' || x.layer === 'PARSE' || x.layer === 'UNSUPPORTED' ? compactXsdLocation(x.location) : compactLocation(x.location)]),
      );
  }
  console.log(`reference: ${Math.min(i + BATCH, files.length)}/${files.length}`);
}

const allIds = ruleIds(schTexts.flatMap((t) => readSchAsserts(t)));
const fired = new Set<string>();
const documents = corpus.map((d, i) => {
  const f = byFile.get(files[i]!);
  if (!f) throw new Error(`no reference result for ${d.id}`);
  if (!Array.isArray(f)) return { id: d.id, sha256: d.sha256, error: f.error };
  f.forEach((x) => fired.add(x[1]));
  return { id: d.id, sha256: d.sha256, fired: f };
});
const neverFired = allIds.filter((id) => !fired.has(id));
const fixture: ReferenceFixture = {
  reference: 'the saxon-ref pipeline (SaxonRef.validate through scripts/saxon-ref-batch: official compiled XSLT under Saxon-HE, UBL 2.1 XSD under JAXP)',
  schematron: Object.fromEntries(schFiles.map((f, i) => [basename(f), sha256(schTexts[i]!)])),
  coverage: { total: allIds.length, fired: allIds.length - neverFired.length, neverFired },
  documents,
};
writeFileSync(outFile, serializeFixture(fixture));
console.log(`coverage: ${fixture.coverage.fired}/${fixture.coverage.total} rule ids fired`);
console.log(`never fired: ${neverFired.join(' ')}`);
console.log(`wrote ${outFile}`);
