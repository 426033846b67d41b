/**
 * Delivered messages per second from access point A to access point B: documents are submitted to A's
 * API from concurrent clients (full validation at A), then delivered over real discovery (local DNS zone,
 * signed SMP, cached after the first lookup) and AS4 (gzip, sign, encrypt; B verifies, decrypts, commits,
 * answers a signed receipt; A verifies the receipt and records it). The clock runs from the first
 * submission until every document is `delivered` at A. Both APs, their databases' clients and the SMP
 * share this process; Postgres runs beside it.
 *
 *   npm run bench:outbound [-- --messages 300 --clients 16 --concurrency 32 --inbound-workers 1]
 *
 * B validates received documents in `--inbound-workers` worker threads (the served default is 1), so
 * A's validation at submission and B's run on different cores.
 *
 * Last line: `outbound-rate msgs_per_s=<n>`.
 */
import { cpus } from 'node:os';
import { belgianParticipant, startNetwork, ublDocument } from '../test/e2e/harness.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

const messages = arg('messages', 300);
const clients = arg('clients', 16);
const concurrency = arg('concurrency', 32);
const inboundWorkers = arg('inbound-workers', 1);

const net = await startNetwork();
try {
  const a = await net.startAp('A', 'PBE000501', { outbound: { concurrency } });
  const b = await net.startAp('B', 'PBE000502', { inboundWorkers });
  const supplier = belgianParticipant(1234567);
  const buyer = belgianParticipant(7654321);
  await a.host(supplier);
  await b.host(buyer);
  const docs = Array.from({ length: messages }, () => ublDocument('invoice', supplier, buyer));

  // Warm-up: one delivery fills the lookup cache and opens the keep-alive connection.
  const warm = await a.submit(ublDocument('invoice', supplier, buyer));
  await a.waitFor(warm.body.id, ['delivered'], 30_000);

  const started = performance.now();
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < docs.length) {
        const res = await a.submit(docs[next++]!);
        if (res.status !== 201) throw new Error(`submit failed: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        ids.push(res.body.id);
      }
    }),
  );
  const submittedMs = performance.now() - started;
  for (;;) {
    const rows = (await a.db.knex('documents').whereIn('id', ids).select('status').count({ n: '*' }).groupBy('status')) as Array<{ status: string; n: string }>;
    const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    if ((by['delivered'] ?? 0) === ids.length) break;
    if ((by['failed'] ?? 0) + (by['undeliverable'] ?? 0) > 0) throw new Error(`deliveries failed: ${JSON.stringify(by)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const elapsedS = (performance.now() - started) / 1000;
  const rate = messages / elapsedS;
  console.log(`cores=${cpus().length} messages=${messages} clients=${clients} outbound_concurrency=${concurrency} inbound_workers=${inboundWorkers}`);
  console.log(`submitted (validated, queued) in ${(submittedMs / 1000).toFixed(2)} s; all delivered in ${elapsedS.toFixed(2)} s`);
  console.log(`outbound-rate msgs_per_s=${rate.toFixed(1)}`);
} finally {
  await net.close();
}
