/**
 * Fuzzing for a bounded time in every test run (FUZZ_MS per target, 2 s by default; scripts/fuzz.ts runs
 * longer): every mutated or random input is read or refused with an ApError, none takes more than 2 s,
 * and memory stays bounded.
 */
import assert from 'node:assert/strict';
import { fuzz } from '../../src/testing/fuzz.js';
import { fuzzTargets } from './targets.js';

const TIME_MS = Number(process.env['FUZZ_MS'] ?? 2000);

describe('fuzzing the readers of what other parties send', function () {
  this.timeout(TIME_MS * 10 + 60_000);
  it('MIME, envelope, AS4 UserMessage, SBDH and validator: only ApErrors, no hang, bounded memory', async () => {
    for (const target of await fuzzTargets()) {
      const r = await fuzz(target, { timeMs: TIME_MS, maxInputMs: 2000, maxRssGrowthBytes: 256 * 2 ** 20 });
      assert.equal(r.failure, null, `${r.target}: ${r.failure}`);
      assert.ok(r.runs >= 20, `${r.target}: only ${r.runs} inputs in ${TIME_MS} ms`);
      assert.ok(r.refused > 0, `${r.target}: no mutated input was refused, so nothing was exercised`);
    }
  });
});
