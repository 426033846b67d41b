/**
 * Throughput of the outbound queue itself (the `outbound_deliveries` table, polled by the dispatcher),
 * with attempts that do all of an attempt's database work (claim with lease and compare-and-set to
 * `sending`, then `delivered` with its event, delivery row update and attempt row) but no lookup, crypto
 * or HTTP. Every document goes through the poller, as after a restart: the worst case, since normally
 * the first attempt starts in-process right after the submission commits. Compare with the issue's
 * measurement of agenda 6.2 + @agendajs/postgres-backend: about 300-400 trivial jobs/s here.
 *
 *   npx tsx bench/outbound-queue.ts [--documents 2000 --concurrency 32]
 *
 * Last line: `outbound-queue jobs_per_s=<n>`.
 */
import { cpus } from 'node:os';
import { pino } from 'pino';
import { OutboundDispatcher } from '../src/jobs/outbound-dispatcher.js';
import type { AttemptResult } from '../src/pipeline/outbound.js';
import type { OutboundStatus } from '../src/core/state-machine.js';
import { changeStatus } from '../src/pipeline/state-machine.js';
import { PostgresDeliveryStore } from '../src/store/deliveries.js';
import { createKnex } from '../src/store/db.js';
import { PostgresDocumentStore } from '../src/store/documents.js';
import { PostgresPayloadStore } from '../src/store/payloads.js';
import { createTestDatabase } from '../test/support/db.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const count = arg('documents', 2000);
const concurrency = arg('concurrency', 32);

const testDb = await createTestDatabase({ prefix: 'bench_queue' });
const knex = createKnex({ url: testDb.url, poolMax: 20 });
try {
  await knex.raw(
    `WITH d AS (
       INSERT INTO documents (direction, status, payload_sha256, payload_size)
       SELECT 'outbound', 'queued', repeat('0', 64), 0 FROM generate_series(1, ?) RETURNING id)
     INSERT INTO outbound_deliveries (document_id, next_attempt_at, as4_message_id, conversation_id, sbdh_instance_id)
     SELECT id, now(), id::text || '@bench', id::text, id::text FROM d`,
    [count],
  );
  const documents = new PostgresDocumentStore(knex, new PostgresPayloadStore(knex));
  const deliveries = new PostgresDeliveryStore(knex);
  let done = 0;
  const attempts = {
    async attempt(id: string, from: OutboundStatus): Promise<AttemptResult> {
      const startedAt = new Date();
      const claimed = await deliveries.transaction(async (tx) => {
        const d = await deliveries.claim(id, 60_000, tx);
        return d && (await changeStatus(documents, id, 'sending', { actor: 'bench', reason: `attempt ${d.attempts}` }, { expected: { direction: 'outbound', from }, tx })) ? d : null;
      });
      if (!claimed) return 'skipped';
      await deliveries.transaction(async (tx) => {
        await changeStatus(documents, id, 'delivered', { actor: 'bench', reason: 'no-op attempt' }, { expected: { direction: 'outbound', from: 'sending' }, tx });
        await deliveries.update(id, { nextAttemptAt: null, deliveredAt: new Date() }, tx);
        await deliveries.recordAttempt(id, { attempt: claimed.attempts, startedAt, outcome: 'delivered', endpointUrl: null, httpStatus: null, errorKind: null, error: null }, tx);
      });
      done++;
      return 'delivered';
    },
    recoverInterrupted: async () => false,
  };
  const dispatcher = new OutboundDispatcher(attempts, deliveries, { concurrency, pollIntervalMs: 5, maxPending: 0 }, pino({ level: 'silent' }));
  const started = performance.now();
  await dispatcher.start();
  while (done < count) await new Promise((r) => setTimeout(r, 5));
  const elapsedS = (performance.now() - started) / 1000;
  await dispatcher.stop();
  console.log(`cores=${cpus().length} documents=${count} concurrency=${concurrency}: ${elapsedS.toFixed(2)} s through the poller`);
  console.log(`outbound-queue jobs_per_s=${(count / elapsedS).toFixed(1)}`);
} finally {
  await knex.destroy();
  await testDb.drop();
}
