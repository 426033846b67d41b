/**
 * The long fuzzing run (npm test runs the same targets for 2 s each):
 *
 *   npx tsx scripts/fuzz.ts [--seconds <per target, default 60>] [--seed <n>]
 *
 * Prints one line per target (inputs, read, refused, slowest input, RSS growth, failure with the input
 * that caused it) and last `fuzz-result failures=<n> inputs=<n>`; exits 1 when a target failed.
 */
import { parseArgs } from 'node:util';
import { fuzz } from '../src/testing/fuzz.js';
import { fuzzTargets } from '../test/fuzz/targets.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, seed: { type: 'string' } } });
const seconds = Number(values.seconds);
if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds must be a positive number');

let failures = 0;
let inputs = 0;
for (const target of await fuzzTargets()) {
  const r = await fuzz(target, {
    timeMs: seconds * 1000,
    maxInputMs: 2000,
    maxRssGrowthBytes: 256 * 2 ** 20,
    ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
  });
  inputs += r.runs;
  if (r.failure) failures++;
  console.log(
    `${r.target}: inputs=${r.runs} read=${r.accepted} refused=${r.refused} slowest_ms=${r.slowestMs.toFixed(1)} rss_growth_mb=${(r.rssGrowthBytes / 2 ** 20).toFixed(1)}${r.failure ? ` FAILED ${r.failure}` : ''}`,
  );
}
console.log(`fuzz-result failures=${failures} inputs=${inputs}`);
process.exit(failures > 0 ? 1 : 0);
