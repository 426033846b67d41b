/**
 * What recording a metric costs on the hot paths (the calls the AS4 endpoint, the validation and the API
 * make per message or request), and what one scrape costs with a job queue of `--jobs` queued jobs (the
 * bounded statement and the text exposition). Prints its figures; they go in the README's measured table.
 *
 *   npx tsx bench/metrics.ts [--calls 2000000] [--jobs 100000] [--scrapes 50]
 */
import { X509Certificate } from 'node:crypto';
import { pino } from 'pino';
import { buildMetrics } from '../src/composition/metrics.js';
import { createTestPki } from '../src/testing/test-pki.js';
import { createKnex } from '../src/store/db.js';
import { PostgresJobStore } from '../src/store/jobs.js';
import { createTestDatabase } from '../test/support/db.js';
import { numberArg } from './served.js';

const calls = numberArg('--calls', 2_000_000);
const jobs = numberArg('--jobs', 100_000);
const scrapes = numberArg('--scrapes', 50);

const testDb = await createTestDatabase({ prefix: 'bench_metrics' });
const knex = createKnex({ url: testDb.url, poolMax: 2 });
try {
  const cert = createTestPki().issueAp('PBE000999');
  const { metrics, scrape } = buildMetrics({ jobs: new PostgresJobStore(knex), certificates: [{ role: 'current', certificate: new X509Certificate(cert.certPem) }], logger: pino({ level: 'silent' }) });

  const time = (what: string, record: (i: number) => void) => {
    for (let i = 0; i < 100_000; i++) record(i); // warm-up
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) record(i);
    const ns = Number(process.hrtime.bigint() - started) / calls;
    console.log(`metrics-record ${what} ns_per_call=${ns.toFixed(1)}`);
  };
  time('as4Received(stored)', (i) => metrics.as4Received('stored', (i % 100) / 1000));
  time('validated(valid)', (i) => metrics.validated('valid', (i % 100) / 1000));
  time('apiRequest', () => metrics.apiRequest('POST', '/api/v1/documents', 201));
  time('documentRejected', () => metrics.documentRejected('outbound'));

  await knex.raw(`INSERT INTO jobs (kind, payload, max_attempts, run_at) SELECT CASE WHEN g % 2 = 0 THEN 'outbound' ELSE 'webhook' END, '{}', 1, now() - interval '1 minute' FROM generate_series(1, ?) g`, [jobs]);
  await knex.raw('ANALYZE jobs');
  await scrape(); // warm-up
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < scrapes; i++) bytes = (await scrape()).body.length;
  console.log(`metrics-scrape queued_jobs=${jobs} ms_per_scrape=${((performance.now() - started) / scrapes).toFixed(2)} bytes=${bytes}`);
} finally {
  await knex.destroy();
  await testDb.drop();
}
