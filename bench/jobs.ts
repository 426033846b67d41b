/**
 * Trivial jobs per second through the job runner (src/jobs/runner.ts): a backlog of jobs whose handler does
 * nothing, drained by one or more runners on their own pools (as separate processes would be), so each job
 * costs its share of a SKIP LOCKED claim and one settling statement. The README compares it with agenda.
 *
 *   npx tsx bench/jobs.ts [--jobs 5000 --concurrency 32 --runners 1]
 *
 * Last line: `jobs jobs_per_s=<n>`.
 */
import { cpus } from 'node:os';
import { pino } from 'pino';
import { JobRunner } from '../src/jobs/runner.js';
import { createKnex } from '../src/store/db.js';
import { PostgresJobStore } from '../src/store/jobs.js';
import { createTestDatabase } from '../test/support/db.js';
import { numberArg } from './served.js';

const count = numberArg('jobs', 5000);
const concurrency = numberArg('concurrency', 32);
const runnerCount = numberArg('runners', 1);

const testDb = await createTestDatabase({ prefix: 'bench_jobs' });
const pools = Array.from({ length: runnerCount }, () => createKnex({ url: testDb.url, poolMax: 10 }));
try {
  await testDb.knex.raw(`INSERT INTO jobs (kind, payload, max_attempts) SELECT 'noop', jsonb_build_object('n', g), 3 FROM generate_series(1, ?) g`, [count]);
  await testDb.knex.raw('ANALYZE jobs');
  let done = 0;
  const runners = pools.map((pool) => {
    const runner = new JobRunner(new PostgresJobStore(pool), { concurrency, pollIntervalMs: 1000, logger: pino({ level: 'silent' }) });
    runner.register({
      kind: 'noop',
      retry: { maxAttempts: 3, initialDelayMs: 1000, multiplier: 2, maxDelayMs: 60_000 },
      concurrency,
      leaseMs: 60_000,
      async handle() {
        done++;
      },
    });
    return runner;
  });
  const started = performance.now();
  await Promise.all(runners.map((r) => r.start()));
  const pending = async () => Number((await testDb.knex('jobs').whereNot({ status: 'done' }).count({ n: '*' }))[0]!.n);
  while (done < count || (await pending()) > 0) await new Promise((r) => setTimeout(r, 5));
  const elapsedS = (performance.now() - started) / 1000;
  for (const r of runners) await r.stop();
  console.log(`cores=${cpus().length} jobs=${count} runners=${runnerCount} concurrency=${concurrency}: ${elapsedS.toFixed(2)} s, every job claimed (SKIP LOCKED) and settled`);
  console.log(`jobs jobs_per_s=${(count / elapsedS).toFixed(1)}`);
} finally {
  for (const p of pools) await p.destroy();
  await testDb.drop();
}
