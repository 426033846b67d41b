/**
 * bench:validate — full validation (parse + UBL XSD + EN 16931 + Peppol BIS) throughput of this engine and
 * of the reference (saxon-ref: the official compiled XSLT under Saxon-HE, Java 17) in the same run, on the
 * base example and on a generated 1000-line invoice (valid per both, checked here). Single core: this
 * process and the JVM are pinned to CPU 0 when `taskset` exists, and the JVM is told it has one processor.
 * Both sides are warm: ours runs a warm-up period first; the reference's own bench warms each document
 * (its README: the JIT needs thousands of runs of these stylesheets).
 *
 *   npm run bench:validate [-- --quick]     (--quick: short warm-up and timing, for development only)
 *
 * Last line: `validate-ratio base=<ours/reference> large=<ours/reference>` (throughput ratios).
 * Environment: SCHEMATRON_DIR, UBL_SCHEMAS_DIR (installed artifacts), SAXON_REF (tool folder).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { largeInvoice } from '../src/testing/mutate/large.js';
import { createValidator, type Validator } from '../src/validation/validator.js';

const quick = process.argv.includes('--quick');
const root = resolve(import.meta.dirname, '..');
const { schematronDir: schDir, ublSchemasDir: xsdDir } = loadConfig().validation;
const tool = resolve(root, process.env.SAXON_REF ?? '../shared/tools/saxon-ref');
const tmp = join(root, '.tmp/bench-validate');
const timing = { warmup: quick ? 2 : 20, seconds: quick ? 2 : 10 };

function hasTaskset(): boolean {
  return spawnSync('taskset', ['-V']).status === 0;
}

/** Warm-up, then as many validations as fit in the timing window; documents per second. */
function measure(v: Validator, doc: Buffer): { perSec: number; msPerDoc: number } {
  const warmEnd = performance.now() + timing.warmup * 1000;
  while (performance.now() < warmEnd) v.validate(doc);
  let n = 0;
  const t0 = performance.now();
  const end = t0 + timing.seconds * 1000;
  while (performance.now() < end) {
    v.validate(doc);
    n++;
  }
  const ms = performance.now() - t0;
  return { perSec: (1000 * n) / ms, msPerDoc: ms / n };
}

const pinned = hasTaskset();
if (pinned) execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });

rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
const baseFile = join(schDir, 'examples/peppol-3.0.21/base-example.xml');
const base = readFileSync(baseFile);
const largeFile = join(tmp, 'large-1000-lines.xml');
writeFileSync(largeFile, largeInvoice(base.toString('utf8'), 1000));
const large = readFileSync(largeFile);

const validator = await createValidator({ ublSchemasDir: xsdDir, schematronDir: schDir });
console.log(`engine start-up: loaded and compiled the XSD and all rules in ${validator.loadMs.toFixed(0)} ms`);
for (const [name, doc] of [['base', base], ['large', large]] as const) {
  const r = validator.validate(doc);
  if (!r.valid || r.issues.length) throw new Error(`${name}: the engine does not find it valid: ${JSON.stringify(r.issues.slice(0, 3))}`);
}

// The reference reads ARTIFACTS=<dir> with schematron/ and ubl-2.1-xsd/ inside; its build goes to .tmp.
const artifacts = join(tmp, 'artifacts');
mkdirSync(artifacts);
symlinkSync(schDir, join(artifacts, 'schematron'));
symlinkSync(xsdDir, join(artifacts, 'ubl-2.1-xsd'));
const env = { ...process.env, ARTIFACTS: artifacts, SAXONREF_BUILD: join(root, '.tmp/saxon-ref-build'), JAVA_TOOL_OPTIONS: '-XX:ActiveProcessorCount=1' };
const cmd = (args: string[]): [string, string[]] => (pinned ? ['taskset', ['-c', '0', 'sh', join(tool, 'run.sh'), ...args]] : ['sh', [join(tool, 'run.sh'), ...args]]);

const check = spawnSync(...cmd(['check', '--json', largeFile]), { env, encoding: 'utf8', maxBuffer: 1 << 26 });
if (check.status !== 0) throw new Error(`saxon-ref check failed (${check.status}): ${check.stderr}`);
const fired = (JSON.parse(check.stdout.trim()) as { fired: unknown[] }).fired;
if (fired.length) throw new Error(`the reference does not find the large invoice valid: ${check.stdout}`);

const ours = { base: measure(validator, base), large: measure(validator, large) };

const ref = spawnSync(...cmd(['bench', '--seconds', String(timing.seconds), '--warmup', String(timing.warmup), baseFile, largeFile]), { env, encoding: 'utf8' });
if (ref.status !== 0) throw new Error(`reference bench failed: ${ref.stderr}`);
const refRate = (file: string): number => {
  const line = ref.stdout.split('\n').find((l) => l.startsWith(file + '\t'));
  const m = line ? /\t([\d.]+) ms\/doc/.exec(line) : null; // ms/doc has more digits than docs/s
  if (!m) throw new Error(`no reference figure for ${file}: ${ref.stdout}`);
  return 1000 / Number(m[1]);
};
const theirs = { base: refRate(baseFile), large: refRate(largeFile) };

console.log(`single core: ${pinned ? 'pinned to CPU 0 (taskset), JVM with -XX:ActiveProcessorCount=1' : 'not pinned (no taskset)'}; warm-up ${timing.warmup} s, timed ${timing.seconds} s per document${quick ? ' (--quick)' : ''}`);
for (const k of ['base', 'large'] as const) {
  const size = (k === 'base' ? base : large).length;
  console.log(
    `${k.padEnd(5)} (${(size / 1024).toFixed(0)} KB${k === 'large' ? ', 1000 lines' : ''}): ours ${ours[k].perSec.toFixed(1)} invoices/s (${ours[k].msPerDoc.toFixed(3)} ms), ` +
      `reference ${theirs[k].toFixed(1)} invoices/s (${(1000 / theirs[k]).toFixed(3)} ms), ratio ${(ours[k].perSec / theirs[k]).toFixed(2)}`,
  );
}
console.log(`validate-ratio base=${(ours.base.perSec / theirs.base).toFixed(2)} large=${(ours.large.perSec / theirs.large).toFixed(2)}`);
