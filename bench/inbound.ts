/**
 * Inbound AS4 rate and receipt latency. The real server (`peppol-ap serve`, one node process with its
 * validation worker threads) receives pre-built, signed and encrypted messages carrying a 10 KB invoice
 * from concurrent keep-alive connections; each receipt is written only after the document, payload,
 * event, message record and receipt are committed in Postgres. Validation (XSD + CEN + Peppol schematron)
 * and routing to the inbox follow each receipt in the worker threads; the bench also reports when the
 * last document reached the inbox (the end-to-end rate).
 *
 *   npm run bench:inbound [-- --messages 2000 --concurrency 32]        max throughput
 *   npm run bench:inbound -- --rate 100 --messages 1000                 paced (open loop), latency at that rate
 *   options: --workers <validation threads, default 1>; --db-pool <DB_POOL_MAX, default 10 as served>; --pg-socket /var/run/postgresql (Postgres over its Unix socket); BENCH_CPU_PROF=<dir> profiles the server
 *
 * The server runs as `npm start` runs it: compiled JavaScript (`npm run build` first), not through tsx.
 *
 * Last line: `inbound-rate msgs_per_s=<n> p50_ms=<n> p99_ms=<n>` (receipts per second and receipt latency).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuiltUserMessage } from '../src/as4/index.js';
import { createTestDatabase } from '../test/support/db.js';
import { freePort } from '../test/support/process.js';
import { inboundMessage } from './inbound-message.js';
import { prepareReceivingAp } from './receiving-ap.js';
import { backendsCpu, buildOnce, numberArg, postgresTransport, procCpu, startServed, type Served } from './served.js';

const messages = numberArg('messages', 2000);
const concurrency = numberArg('concurrency', 32);
const rate = numberArg('rate', 0);
const workers = numberArg('workers', 1);
const dbPool = numberArg('db-pool', 10);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const db = await createTestDatabase({ prefix: 'ap_bench_inbound' });
const dir = mkdtempSync(join(tmpdir(), 'ap-bench-'));
let server: Served | null = null;
try {
  const ap = await prepareReceivingAp(db, dir);
  process.stdout.write(`building ${messages} signed and encrypted messages... `);
  const t0 = performance.now();
  const built: BuiltUserMessage[] = [];
  for (let i = 0; i < messages + 20; i++) built.push(await inboundMessage(i, ap.sender, ap.receiverCertificate));
  console.log(`${Math.round(performance.now() - t0)} ms (${built[0]!.body.length} bytes each)`);

  buildOnce();
  const port = await freePort();
  server = await startServed(
    { ...ap.env(port), DB_POOL_MAX: String(dbPool), INBOUND_VALIDATION_WORKERS: String(workers) },
    port,
  );

  /** The server's CPU and its Postgres backends' (the connections of the bench database) so far. */
  const cpuSeconds = async (): Promise<{ server: number; postgres: number } | null> => {
    const cpu = procCpu(server!.child.pid!);
    const postgres = await backendsCpu(db.knex);
    return cpu === null || postgres === null ? null : { server: cpu, postgres };
  };

  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const post = (m: BuiltUserMessage) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/as4', method: 'POST', agent, headers: { 'content-type': m.contentType, 'content-length': m.body.length } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(m.body);
    });

  // Warm-up: JIT, prepared statements, pool connections (not measured).
  for (const m of built.slice(messages)) if ((await post(m)) !== 200) throw new Error('warm-up message refused');
  const warm = built.slice(messages).length;

  const cpuBefore = await cpuSeconds();
  const clientBefore = process.cpuUsage();
  const latencies: number[] = [];
  let refused = 0;
  const started = performance.now();
  const send = async (m: BuiltUserMessage, scheduled: number) => {
    const status = await post(m);
    latencies.push(performance.now() - scheduled);
    if (status !== 200) refused++;
  };
  if (rate > 0) {
    // Open loop: message i leaves at started + i/rate whatever the answers; latency counts from that moment.
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < messages; i++) {
      const at = started + (i * 1000) / rate;
      const wait = at - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inflight.push(send(built[i]!, at));
    }
    await Promise.all(inflight);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < messages) {
          const m = built[next++]!;
          await send(m, performance.now());
        }
      }),
    );
  }
  const receiptsS = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  if (refused) throw new Error(`${refused} messages were not answered with a receipt`);

  // End to end: until every document is validated and routed (available in the inbox).
  for (;;) {
    const [{ n }] = (await db.knex('documents').where({ status: 'received' }).count({ n: '*' })) as Array<{ n: string }>;
    if (Number(n) === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const e2eS = (performance.now() - started) / 1000;
  const cpuAfter = await cpuSeconds();
  const byStatus = (await db.knex('documents').select('status').count({ n: '*' }).groupBy('status')) as Array<{ status: string; n: string }>;
  const available = Number(byStatus.find((r) => r.status === 'available')?.n ?? 0);
  if (available !== messages + warm) throw new Error(`expected ${messages + warm} available documents, got ${JSON.stringify(byStatus)}`);

  latencies.sort((a, b) => a - b);
  const msgsPerS = messages / receiptsS;
  console.log(`cores: ${cpus().length}; messages: ${messages}; ${rate > 0 ? `paced at ${rate} msgs/s` : `max throughput, ${concurrency} connections`}; validation workers: ${workers}; DB_POOL_MAX ${dbPool}; Postgres over ${postgresTransport()}`);
  console.log(`receipts: ${msgsPerS.toFixed(1)} msgs/s; latency p50 ${pct(latencies, 50).toFixed(1)} ms, p90 ${pct(latencies, 90).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`);
  console.log(`validated and in the inbox (end to end): ${(messages / e2eS).toFixed(1)} msgs/s (last one after ${e2eS.toFixed(1)} s)`);
  if (cpuBefore && cpuAfter) {
    const per = (k: 'server' | 'postgres') => (((cpuAfter[k] - cpuBefore[k]) * 1000) / messages).toFixed(2);
    const clientMs = ((client.user + client.system) / 1000 / messages).toFixed(2);
    console.log(`CPU per message (receipt to inbox): server ${per('server')} ms (all threads), Postgres backends ${per('postgres')} ms, this load generator ${clientMs} ms`);
  }
  console.log(`inbound-rate msgs_per_s=${msgsPerS.toFixed(1)} p50_ms=${pct(latencies, 50).toFixed(1)} p99_ms=${pct(latencies, 99).toFixed(1)}`);
} finally {
  await server?.stop();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
}
