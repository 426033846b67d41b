/** Bad values in three sections are all named by one start, through the loader and through the real CLI. */
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { ApError } from '../../src/errors.js';
import { runCliProcess } from '../support/process.js';

const BAD = { PORT: 'eighty', OUTBOUND_MAX_ATTEMPTS: 'lots', AS4_PATH: 'nope' };
const LINES = [
  'PORT="eighty": expected a whole number from 0 to 65535',
  'AS4_PATH="nope": expected a URL path such as /as4',
  'OUTBOUND_MAX_ATTEMPTS="lots": expected a whole number from 1 to 1000',
];

describe('start-up with bad values in three sections (http, as4, outbound)', () => {
  it('the loader reports all three at once, one line each', () => {
    assert.throws(
      () => loadConfig(BAD),
      (e: unknown) => {
        assert.ok(e instanceof ApError && e.kind === 'config.invalid', String(e));
        assert.deepEqual(e.details!['problems'], LINES);
        return true;
      },
    );
  });

  it('serve names all three in one run, one line each, and exits 2', async function () {
    this.timeout(60_000);
    const run = await runCliProcess(['serve'], BAD);
    assert.equal(run.code, 2, run.stderr);
    assert.deepEqual(run.stderr.trimEnd().split('\n'), ['Invalid configuration:', ...LINES.map((l) => `  ${l}`)]);
    assert.equal(run.stdout, '');
  });
});
