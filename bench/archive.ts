/**
 * The archiver's rate: a backlog of received documents (each with its payload of about 9 KB, its receipt
 * and its creation event, as AS4 inbound commits them), then filed and acknowledged (two events more), is
 * appended to the archive log by one archiver, and the whole chain verified.
 *
 *   npx tsx bench/archive.ts [--documents 2000]
 *
 * Last lines: `archive-append entries_per_s=<n> documents_per_s=<n>` and `archive-verify entries_per_s=<n>`.
 */
import { fileAndAcknowledge, receive, startArchiveEnv } from '../test/archive/support.js';
import { numberArg } from './served.js';

const documents = numberArg('documents', 2000);
const env = await startArchiveEnv({ prefix: 'bench_archive', checkpointEvery: 1000 });
try {
  const padding = `<Note>${'x'.repeat(9000)}</Note>`;
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < documents) {
        next++;
        await fileAndAcknowledge(env, await receive(env, undefined, undefined, padding));
      }
    }),
  );
  await env.db.knex.raw('ANALYZE');
  let started = performance.now();
  const entries = await env.archive.archiver.catchUp();
  let seconds = (performance.now() - started) / 1000;
  console.log(`appended ${entries} entries for ${documents} documents in ${seconds.toFixed(2)} s`);
  console.log(`archive-append entries_per_s=${Math.round(entries / seconds)} documents_per_s=${Math.round(documents / seconds)}`);
  started = performance.now();
  const result = await env.archive.service.verify();
  seconds = (performance.now() - started) / 1000;
  if (!result.ok) throw new Error(`verify failed: ${JSON.stringify(result.firstProblem)}`);
  console.log(`archive-verify entries_per_s=${Math.round(result.entries / seconds)}`);
} finally {
  await env.close();
}
