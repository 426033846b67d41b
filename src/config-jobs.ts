/**
 * Configuration of the job runner (src/jobs/runner.ts) as a whole; each job kind has its own limits beside
 * it (outbound delivery: config-outbound.ts). Same conventions as src/config.ts.
 */
import { EnvReader, type Env } from './config-env.js';

export interface JobsConfig {
  /** Runs at once in one process, all job kinds together. */
  concurrency: number;
}

export function loadJobsConfig(env: Env = process.env): JobsConfig {
  const r = new EnvReader(env);
  const config: JobsConfig = { concurrency: r.int('JOBS_CONCURRENCY', 64, 1, 10_000) };
  r.check();
  return config;
}
