import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { ApError } from '../../src/errors.js';

describe('job runner configuration', () => {
  it('defaults to 64 runs at once and reads JOBS_CONCURRENCY', () => {
    assert.deepEqual(loadConfig({}).jobs, { concurrency: 64 });
    assert.deepEqual(loadConfig({ JOBS_CONCURRENCY: '8' }).jobs, { concurrency: 8 });
  });

  it('refuses a bad value with one line naming the variable', () => {
    assert.throws(
      () => loadConfig({ JOBS_CONCURRENCY: '0' }),
      (err: unknown) => err instanceof ApError && err.kind === 'config.invalid' && (err.details!['problems'] as string[])[0]!.startsWith('JOBS_CONCURRENCY="0"'),
    );
  });
});
