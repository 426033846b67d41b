import assert from 'node:assert/strict';
import { loadJobsConfig } from '../../src/config-jobs.js';
import { ApError } from '../../src/errors.js';

describe('job runner configuration', () => {
  it('defaults to 64 runs at once and reads JOBS_CONCURRENCY', () => {
    assert.deepEqual(loadJobsConfig({}), { concurrency: 64 });
    assert.deepEqual(loadJobsConfig({ JOBS_CONCURRENCY: '8' }), { concurrency: 8 });
  });

  it('refuses a bad value with one line naming the variable', () => {
    assert.throws(
      () => loadJobsConfig({ JOBS_CONCURRENCY: '0' }),
      (err: unknown) => err instanceof ApError && err.kind === 'config.invalid' && (err.details!['problems'] as string[])[0]!.startsWith('JOBS_CONCURRENCY="0"'),
    );
  });
});
