/**
 * Delivered messages per second from access point A to access point B, each served as `npm start` runs it
 * (compiled, its own process, its own database). Documents are submitted to A's API from concurrent
 * clients (full validation at A, stored `queued`), then A delivers them over real discovery (a local DNS
 * zone names B's SMP; B's signed SMP answer is cached after the first lookup) and AS4 (gzip, sign,
 * encrypt; B verifies, decrypts, commits and answers a signed receipt; A verifies the receipt and records
 * it). The clock runs from the first submission until every document is `delivered` at A; B validates and
 * routes what it received in its worker thread meanwhile.
 *
 *   npm run bench:outbound [-- --messages 1000 --clients 16 --concurrency 32]
 *   --pg-socket /var/run/postgresql: both reach Postgres over its Unix socket; BENCH_CPU_PROF=<dir> profiles both
 *
 * Last line: `outbound-rate msgs_per_s=<n>`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseParticipantId } from '../src/peppol/identifiers.js';
import { createTestDatabase, type TestDatabase } from '../test/support/db.js';
import { startDiscoveryEnv, TEST_SML_ZONE } from '../test/support/discovery.js';
import { belgianParticipant, ublDocument } from '../test/e2e/harness.js';
import { freePort } from '../test/support/process.js';
import { backendsCpu, buildOnce, numberArg, postgresTransport, procCpu, servedDatabaseUrl, startServed, type Served } from './served.js';

const messages = numberArg('messages', 1000);
const clients = numberArg('clients', 16);
const concurrency = numberArg('concurrency', 32);

const net = await startDiscoveryEnv();
const dir = mkdtempSync(join(tmpdir(), 'ap-bench-out-'));
const dbs: TestDatabase[] = [];
const servers: Served[] = [];
try {
  const pki = net.pki;
  const certs = { a: pki.issueAp('PBE000501', { noCrlDistributionPoint: true }), b: pki.issueAp('PBE000502', { noCrlDistributionPoint: true }) };
  for (const [name, c] of Object.entries(certs)) {
    writeFileSync(join(dir, `${name}.key`), c.keyPem);
    writeFileSync(join(dir, `${name}.pem`), c.certPem);
  }
  writeFileSync(join(dir, 'smp.key'), net.smpCert.keyPem);
  writeFileSync(join(dir, 'smp.pem'), net.smpCert.certPem);
  writeFileSync(join(dir, 'trust.pem'), [...pki.trustedPems.roots, ...pki.trustedPems.ap, ...pki.trustedPems.smp].join('\n'));
  const dbA = await createTestDatabase({ prefix: 'ap_bench_out_a' });
  dbs.push(dbA);
  const dbB = await createTestDatabase({ prefix: 'ap_bench_out_b' });
  dbs.push(dbB);

  buildOnce();
  const common = {
    DB_POOL_MAX: '40',
    PEPPOL_TRUST_FILE: join(dir, 'trust.pem'),
    SML_ZONE: TEST_SML_ZONE,
    SML_DNS_SERVERS: net.dns.address,
    SMP_REQUIRE_HTTPS: 'false',
    OUTBOUND_CONCURRENCY: String(concurrency),
    OUTBOUND_POLL_INTERVAL_MS: '200',
  };
  const portB = await freePort();
  const b = await startServed(
    {
      ...common,
      DATABASE_URL: servedDatabaseUrl(dbB.url),
      AP_KEY_FILE: join(dir, 'b.key'),
      AP_CERT_FILE: join(dir, 'b.pem'),
      AP_ENDPOINT_URL: `http://127.0.0.1:${portB}/as4`,
      SMP_PUBLIC_URL: `http://127.0.0.1:${portB}/smp`,
      SMP_KEY_FILE: join(dir, 'smp.key'),
      SMP_CERT_FILE: join(dir, 'smp.pem'),
      ADMIN_TOKEN: 'bench-admin-token',
    },
    portB,
  );
  servers.push(b);
  const portA = await freePort();
  const a = await startServed(
    { ...common, DATABASE_URL: servedDatabaseUrl(dbA.url), AP_KEY_FILE: join(dir, 'a.key'), AP_CERT_FILE: join(dir, 'a.pem'), AP_ENDPOINT_URL: `http://127.0.0.1:${portA}/as4` },
    portA,
  );
  servers.push(a);

  // B hosts the buyer (its SMP publishes invoices for it) and the SML zone points the buyer to B's SMP.
  const supplier = belgianParticipant(1234567);
  const buyer = belgianParticipant(7654321);
  const added = await fetch(`${b.url}/api/v1/admin/participants`, {
    method: 'POST',
    headers: { authorization: 'Bearer bench-admin-token', 'content-type': 'application/json' },
    body: JSON.stringify({ participant: buyer, documentTypes: [{ documentType: 'invoice' }] }),
  });
  if (added.status !== 201) throw new Error(`B refused the participant: ${added.status} ${await added.text()}`);
  await net.registrar.register(parseParticipantId(buyer), `${b.url}/smp`);

  const submit = async (xml: Buffer): Promise<string> => {
    const res = await fetch(`${a.url}/api/v1/documents`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: new Uint8Array(xml) });
    const body = (await res.json()) as { id: string };
    if (res.status !== 201) throw new Error(`submit failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    return body.id;
  };
  let ownQueries = 0; // the bench's own statements on A's database, left out of A's count below
  const statusCounts = async (ids: string[]) => {
    ownQueries++;
    const rows = (await dbA.knex('documents').whereIn('id', ids).select('status').count({ n: '*' }).groupBy('status')) as Array<{ status: string; n: string }>;
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) as Record<string, number>;
  };
  const waitDelivered = async (ids: string[]) => {
    for (;;) {
      const by = await statusCounts(ids);
      if ((by['delivered'] ?? 0) === ids.length) return;
      if ((by['failed'] ?? 0) + (by['undeliverable'] ?? 0) + (by['rejected'] ?? 0) > 0) throw new Error(`deliveries failed: ${JSON.stringify(by)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  // Warm-up (not measured): fills A's lookup cache, opens connections, warms both processes' JIT.
  await waitDelivered(await Promise.all(Array.from({ length: 20 }, () => submit(ublDocument('invoice', supplier, buyer)))));

  const docs = Array.from({ length: messages }, () => ublDocument('invoice', supplier, buyer));
  const cpu = async () => {
    ownQueries++; // backendsCpu on A's database
    return { a: procCpu(a.child.pid!), b: procCpu(b.child.pid!), pgA: await backendsCpu(dbA.knex), pgB: await backendsCpu(dbB.knex) };
  };
  // Transactions on A's database (each one-statement write is one; the queue's polls count too), outside the
  // timed part: a busy backend reports its statistics to pg_stat_database at most once a second, an idle one
  // within ten seconds, hence the pause before each reading.
  const transactionsA = async () => {
    await new Promise((r) => setTimeout(r, 11_000));
    ownQueries++;
    const { rows } = (await dbA.knex.raw('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()')) as { rows: Array<{ n: string }> };
    return Number(rows[0]!.n) - ownQueries;
  };
  const xactsBefore = await transactionsA();
  const before = await cpu();
  const started = performance.now();
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < docs.length) ids.push(await submit(docs[next++]!));
    }),
  );
  const submittedMs = performance.now() - started;
  await waitDelivered(ids);
  const elapsedS = (performance.now() - started) / 1000;
  const after = await cpu();
  const xacts = (await transactionsA()) - xactsBefore;
  const per = (k: keyof typeof before) => {
    const x = before[k];
    const y = after[k];
    return x === null || y === null ? 'n/a' : `${(((y - x) * 1000) / messages).toFixed(2)} ms`;
  };
  console.log(`cores: ${cpus().length}; messages: ${messages}; API clients: ${clients}; outbound concurrency: ${concurrency}; Postgres over ${postgresTransport()}`);
  console.log(`submitted (validated, queued) in ${(submittedMs / 1000).toFixed(2)} s; all delivered in ${elapsedS.toFixed(2)} s`);
  console.log(`CPU per message: A ${per('a')}, B ${per('b')}, A's Postgres backends ${per('pgA')}, B's ${per('pgB')}`);
  console.log(`A's Postgres transactions per message: ${(xacts / messages).toFixed(2)} (statements of the submission and delivery, the queue's polls)`);
  const retried = (await dbA.knex('document_events').whereIn('document_id', ids).where({ to_status: 'retrying' }).select('reason').count({ n: '*' }).groupBy('reason')) as Array<{ reason: string; n: string }>;
  for (const r of retried) console.log(`retried ${r.n}×: ${r.reason}`);
  console.log(`outbound-rate msgs_per_s=${(messages / elapsedS).toFixed(1)}`);
} finally {
  for (const s of servers.reverse()) await s.stop();
  for (const d of dbs) await d.drop();
  await net.close();
  rmSync(dir, { recursive: true, force: true });
}
