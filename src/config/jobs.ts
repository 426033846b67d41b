/** The job runner (src/jobs/runner.ts) as a whole; each job kind has its own limits in its section. */
import { int } from './parsers.js';
import { variable } from './spec.js';

export const jobs = {
  concurrency: variable('JOBS_CONCURRENCY', int(1, 10_000), { default: '64', description: 'jobs running at once in one process, all job kinds together' }),
};
