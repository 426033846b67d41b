/**
 * Outbound rate of access point A, served as `npm start` runs it (compiled, its own process, its own
 * database): invoices submitted to A's REST API with a tenant's API key from concurrent keep-alive clients
 * (full validation at A, stored `queued`), delivered by A's job runner over real discovery (a local DNS zone
 * names the receiver's SMP; the signed SMP answer is cached after the first lookup) and AS4 (gzip, sign,
 * encrypt; A verifies the receipt's signature, its signer and its non-repudiation information, and
 * records it).
 *
 * The receiver (--receiver):
 *  - `cheap` (default): bench/cheap-receiver.ts in its own process, answering each message with a signed
 *    receipt and nothing else, so that the figure is A's; its SMP is served by this process;
 *  - `ap`: access point B, a second `serve` with its own database, verifying, decrypting, storing and
 *    validating what it receives (both ends then share the cores).
 *
 * Three measured phases, each with A's CPU per message from /proc (all threads), that of A's Postgres
 * backends, the receiver's and this process's:
 *  1. submission alone: A started without its AP key (documents stay queued), --backlog invoices submitted;
 *  2. drain: A restarted with its key delivers that backlog (delivery alone, from the queue);
 *  3. sustained: --messages invoices submitted while A delivers them, the clock running from the first
 *     submission until every document is `delivered` (the headline figure).
 * --backlog 0 skips the first two.
 *
 *   npm run bench:outbound [-- --receiver cheap|ap --messages 2000 --backlog 2000 --clients 16 --concurrency 32]
 *   --pg-socket /var/run/postgresql: Postgres over its Unix socket; BENCH_CPU_PROF=<dir> profiles A (and B)
 *
 * Last line: `outbound-rate msgs_per_s=<n>` (phase 3).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import express from 'express';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHashKey } from '../src/composition/auth.js';
import { buildStores } from '../src/composition/index.js';
import { PROJECT_ROOT } from '../src/config/index.js';
import { createSmpRouter } from '../src/http/smp.js';
import { PEPPOL } from '../src/as4/profile.js';
import { parseParticipantId } from '../src/peppol/identifiers.js';
import type { SmpDirectory } from '../src/peppol/smp-directory.js';
import { SmpParticipantStore } from '../src/store/participants-smp.js';
import { createTestPki } from '../src/testing/test-pki.js';
import { createTestDatabase, type TestDatabase } from '../test/support/db.js';
import { startDiscoveryEnv, TEST_SML_ZONE } from '../test/support/discovery.js';
import { freePort, waitFor200 } from '../test/support/process.js';
import { provisionApiSender, supplierInvoiceXml } from './api-sender.js';
import { BUYER, INVOICE, invoice } from './inbound-message.js';
import { backendsCpu, buildOnce, numberArg, postgresTransport, procCpu, servedDatabaseUrl, startServed, threadsCpu, type Served } from './served.js';

const receiverKind = (() => {
  const i = process.argv.indexOf('--receiver');
  const v = i > 0 ? process.argv[i + 1] : 'cheap';
  if (v !== 'cheap' && v !== 'ap') throw new Error('--receiver is cheap or ap');
  return v;
})();
const messages = numberArg('messages', 2000);
const backlog = numberArg('backlog', 2000);
const clients = numberArg('clients', 16);
const concurrency = numberArg('concurrency', 32);
const WARM_UP = 50;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const net = await startDiscoveryEnv();
const dir = mkdtempSync(join(tmpdir(), 'ap-bench-out-'));
const dbs: TestDatabase[] = [];
const servers: Served[] = [];
let cheap: ChildProcess | null = null;
try {
  // Certificates with CRL distribution points, their CRLs served here: revocation is checked as in production.
  const crlBase = `${net.baseUrl}/crl/`;
  const pki = createTestPki({ crlBaseUrl: crlBase });
  const crlRoutes = express.Router();
  for (const ca of ['root', 'ap', 'smp'] as const) {
    const der = pki.crl({ ca });
    crlRoutes.get(`/${ca}.crl`, (_req, res) => void res.type('application/pkix-crl').send(der));
  }
  net.mount('/crl', crlRoutes);
  const smpCert = pki.issueSmp('SMP BENCH');
  const certs = { a: pki.issueAp('PBE000501'), b: pki.issueAp('PBE000502'), smp: smpCert };
  for (const [name, c] of Object.entries(certs)) {
    writeFileSync(join(dir, `${name}.key`), c.keyPem);
    writeFileSync(join(dir, `${name}.pem`), c.certPem);
  }
  writeFileSync(join(dir, 'trust.pem'), [...pki.trustedPems.roots, ...pki.trustedPems.ap, ...pki.trustedPems.smp].join('\n'));
  const dbA = await createTestDatabase({ prefix: 'ap_bench_out_a' });
  dbs.push(dbA);
  buildOnce();
  const discovery = { PEPPOL_TRUST_FILE: join(dir, 'trust.pem'), PKI_CRL_ALLOWED_PREFIXES: crlBase, SML_ZONE: TEST_SML_ZONE, SML_DNS_SERVERS: net.dns.address, SMP_REQUIRE_HTTPS: 'false' };

  // The receiver, and the SML zone pointing BUYER to its SMP.
  const buyer = parseParticipantId(BUYER);
  const portR = await freePort();
  let receiverPid: number;
  let dbB: TestDatabase | null = null;
  if (receiverKind === 'cheap') {
    cheap = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'cheap-receiver.ts'), '--key', join(dir, 'b.key'), '--cert', join(dir, 'b.pem'), '--port', String(portR)], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await waitFor200(`http://127.0.0.1:${portR}/stats`, 60_000, cheap);
    receiverPid = cheap.pid!;
    const endpoint = {
      transportProfile: PEPPOL.TRANSPORT_PROFILE,
      address: `http://127.0.0.1:${portR}/as4`,
      requireBusinessLevelSignature: false,
      certificate: certs.b.cert.raw,
      serviceDescription: 'cheap receiver',
      technicalContactUrl: 'mailto:bench@example.test',
    };
    const directory: SmpDirectory = {
      documentTypes: async (p) => (p.value === buyer.value ? [INVOICE.documentType] : null),
      serviceInformation: async (p, documentType) =>
        p.value === buyer.value && documentType.value === INVOICE.documentType.value ? { participant: buyer, documentType, processes: [{ process: INVOICE.process, endpoints: [endpoint] }] } : null,
    };
    net.mount('/smp', createSmpRouter({ directory, signingKey: { keyPem: smpCert.keyPem, certPem: smpCert.certPem } }));
    await net.registrar.register(buyer, `${net.baseUrl}/smp`);
  } else {
    dbB = await createTestDatabase({ prefix: 'ap_bench_out_b' });
    dbs.push(dbB);
    // B hosts the buyer (its SMP publishes invoices for it, its AS4 endpoint accepts them).
    const participants = new SmpParticipantStore(dbB.knex);
    await participants.addParticipant({ participant: buyer });
    await participants.addCapability(buyer, { documentType: INVOICE.documentType, process: INVOICE.process });
    const b = await startServed(
      {
        ...discovery,
        DATABASE_URL: servedDatabaseUrl(dbB.url),
        DB_POOL_MAX: '40',
        AP_KEY_FILE: join(dir, 'b.key'),
        AP_CERT_FILE: join(dir, 'b.pem'),
        AP_ENDPOINT_URL: `http://127.0.0.1:${portR}/as4`,
        SMP_PUBLIC_URL: `http://127.0.0.1:${portR}/smp`,
        SMP_KEY_FILE: join(dir, 'smp.key'),
        SMP_CERT_FILE: join(dir, 'smp.pem'),
      },
      portR,
    );
    servers.push(b);
    receiverPid = b.child.pid!;
    await net.registrar.register(buyer, `${b.url}/smp`);
  }

  // A: as `npm start` runs it; without AP_KEY_FILE (SANDBOX off) it only takes submissions.
  const portA = await freePort();
  const hashKeyFile = join(dir, 'api-key-hash.key');
  const envA = {
    ...discovery,
    DATABASE_URL: servedDatabaseUrl(dbA.url),
    API_KEY_HASH_KEY_FILE: hashKeyFile,
    API_RATE_LIMIT_PER_SECOND: '100000',
    API_RATE_LIMIT_BURST: '100000',
    OUTBOUND_CONCURRENCY: String(concurrency),
  };
  const sending = { AP_KEY_FILE: join(dir, 'a.key'), AP_CERT_FILE: join(dir, 'a.pem'), AP_ENDPOINT_URL: `http://127.0.0.1:${portA}/as4` };
  const startA = async (withKey: boolean) => {
    const a = await startServed(withKey ? { ...envA, ...sending } : { ...envA, SANDBOX: 'off', OUTBOUND_FIRST_ATTEMPT_GRACE_MS: '0' }, portA);
    servers.push(a);
    return a;
  };
  let a = await startA(backlog === 0);
  const secret = await provisionApiSender(buildStores(dbA.knex), await loadHashKey(hashKeyFile));

  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  let numbered = 0;
  const submit = () =>
    new Promise<void>((resolve, reject) => {
      const body = Buffer.from(invoice(`OUT-BENCH-${numbered++}`, supplierInvoiceXml));
      const req = request(
        { host: '127.0.0.1', port: portA, method: 'POST', path: '/api/v1/documents', agent, headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/xml', 'content-length': body.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`submission refused: ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const submitAll = (n: number) => {
    let left = n;
    return Promise.all(
      Array.from({ length: Math.min(clients, n) }, async () => {
        while (left > 0) {
          left--;
          await submit();
        }
      }),
    );
  };
  const byStatus = async () => {
    const rows = (await dbA.knex('documents').select('status').count({ n: '*' }).groupBy('status')) as Array<{ status: string; n: string }>;
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) as Record<string, number>;
  };
  let ownStatements = 0; // this bench's own statements on A's database, left out of A's count
  const waitDelivered = async (total: number) => {
    for (;;) {
      ownStatements++;
      const by = await byStatus();
      if ((by['delivered'] ?? 0) >= total) return;
      if ((by['failed'] ?? 0) + (by['undeliverable'] ?? 0) + (by['rejected'] ?? 0) + (by['retrying'] ?? 0) > 0) throw new Error(`deliveries failed: ${JSON.stringify(by)}`);
      await sleep(50);
    }
  };

  const cpu = async () => ({ a: procCpu(a.child.pid!), aSystem: procCpu(a.child.pid!, undefined, 'system'), threads: threadsCpu(a.child.pid!), pg: await backendsCpu(dbA.knex), receiver: procCpu(receiverPid), bench: process.cpuUsage() });
  type Cpu = Awaited<ReturnType<typeof cpu>>;
  const perMessage = (x: Cpu, y: Cpu, n: number) => {
    const ms = (p: number | null, q: number | null) => (p === null || q === null ? 'n/a' : `${(((q - p) * 1000) / n).toFixed(2)} ms`);
    const bench = ((y.bench.user + y.bench.system - x.bench.user - x.bench.system) / 1000 / n).toFixed(2);
    // A's threads: the main one (HTTP, AS4, statements), the busiest other (the validation worker), the rest (GC, libuv).
    const used = [...y.threads].map(([tid, c]) => ({ tid, s: c - (x.threads.get(tid) ?? 0) }));
    const main = used.find((t) => t.tid === a.child.pid)?.s ?? 0;
    const others = used.filter((t) => t.tid !== a.child.pid).sort((p, q) => q.s - p.s);
    const worker = others[0]?.s ?? 0;
    const busiest = others.slice(1, 5).map((t) => ((t.s * 1000) / n).toFixed(2)).join(' + ');
    const split =
      x.a === null || y.a === null
        ? ''
        : ` (main thread ${ms(0, main)}, busiest other thread (the validation worker, when validating) ${ms(0, worker)}, the others ${ms(main + worker, y.a - x.a)} [busiest ${busiest}]; in the kernel ${ms(x.aSystem, y.aSystem)})`;
    return `A ${ms(x.a, y.a)}${split}, A's Postgres backends ${ms(x.pg, y.pg)}, receiver (${receiverKind}) ${ms(x.receiver, y.receiver)}, this load generator ${bench} ms`;
  };
  console.log(`cores: ${cpus().length}; receiver: ${receiverKind}; API clients: ${clients}; outbound concurrency: ${concurrency}; Postgres over ${postgresTransport()}`);

  let delivered = 0; // documents delivered so far (warm-ups included)
  if (backlog > 0) {
    // 1. Submission alone.
    await submitAll(WARM_UP);
    const s0 = await cpu();
    const t0 = performance.now();
    await submitAll(backlog);
    const submitS = (performance.now() - t0) / 1000;
    const s1 = await cpu();
    console.log(`1. submission alone: ${backlog} in ${submitS.toFixed(2)} s, ${(backlog / submitS).toFixed(1)}/s; CPU per submission: ${perMessage(s0, s1, backlog)}`);
    await a.stop();
    servers.pop();

    // 2. Drain: A with its key delivers the backlog (and the warm-up submissions, not counted).
    a = await startA(true);
    const d0 = await cpu();
    const atReady = (await byStatus())['delivered'] ?? 0;
    const t1 = performance.now();
    delivered = backlog + WARM_UP;
    await waitDelivered(delivered);
    const drainS = (performance.now() - t1) / 1000;
    const d1 = await cpu();
    const drained = delivered - atReady;
    console.log(
      `2. drain of the backlog: ${drained} delivered in ${drainS.toFixed(2)} s after A was ready (${atReady} before), ${(drained / drainS).toFixed(1)}/s; CPU per delivery: ${perMessage(d0, d1, drained)}`,
    );
  }

  // What A's database did (transactions, rows written per table), read outside the timed part: a busy backend
  // reports its statistics at most once a second, an idle one within ten seconds, hence the pause first.
  const databaseWork = async () => {
    await sleep(11_000);
    const { rows } = (await dbA.knex.raw('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()')) as { rows: Array<{ n: string }> };
    const tables = (await dbA.knex.raw('SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS n FROM pg_stat_user_tables')) as { rows: Array<{ relname: string; n: string }> };
    return { xacts: Number(rows[0]!.n), tables: new Map(tables.rows.map((r) => [r.relname, Number(r.n)])) };
  };

  // 3. Sustained: submission and delivery together.
  await submitAll(WARM_UP);
  delivered += WARM_UP;
  await waitDelivered(delivered);
  const w0 = await databaseWork();
  ownStatements = 0;
  const m0 = await cpu();
  const t2 = performance.now();
  await submitAll(messages);
  const submittedS = (performance.now() - t2) / 1000;
  delivered += messages;
  await waitDelivered(delivered);
  const sustainedS = (performance.now() - t2) / 1000;
  const m1 = await cpu();
  agent.destroy();
  if (cheap) {
    const stats = (await (await fetch(`http://127.0.0.1:${portR}/stats`)).json()) as { messages: number };
    if (stats.messages !== delivered) console.log(`note: the cheap receiver answered ${stats.messages} messages for ${delivered} deliveries`);
  }
  // What the machine's cores must hold per message at this rate, the receiver aside (it stands for another node).
  const clientMs = (m1.bench.user + m1.bench.system - m0.bench.user - m0.bench.system) / 1000;
  const budgetMs = m0.a === null || m1.a === null || m0.pg === null || m1.pg === null ? null : ((m1.a - m0.a + m1.pg - m0.pg) * 1000 + clientMs) / messages;
  console.log(`3. sustained: ${messages} submitted in ${submittedS.toFixed(2)} s, all delivered after ${sustainedS.toFixed(2)} s; CPU per delivered message: ${perMessage(m0, m1, messages)}`);
  ownStatements += 3; // the two cpu() readings (their backends query) and the first databaseWork's table query
  const w1 = await databaseWork();
  const rowsWritten = [...w1.tables]
    .map(([t, n]) => [t, (n - (w0.tables.get(t) ?? 0)) / messages] as const)
    .filter(([, n]) => n >= 0.05)
    .sort((x, y) => y[1] - x[1])
    .map(([t, n]) => `${t} ${n.toFixed(2)}`);
  console.log(`   A's Postgres per delivered message: ${((w1.xacts - w0.xacts - ownStatements) / messages).toFixed(2)} transactions; rows written by table: ${rowsWritten.join(', ')}`);
  if (budgetMs !== null) {
    console.log(`   A, its Postgres and this client: ${budgetMs.toFixed(2)} ms of CPU per delivered message, at most ${Math.round((cpus().length * 1000) / budgetMs)}/s on ${cpus().length} cores to themselves (300/s needs ${((cpus().length * 1000) / 300).toFixed(1)} ms)`);
  }
  console.log(`outbound-rate msgs_per_s=${(messages / sustainedS).toFixed(1)}`);
} finally {
  for (const s of servers.reverse()) await s.stop();
  if (cheap && cheap.exitCode === null) {
    cheap.kill('SIGTERM');
    await new Promise((r) => cheap!.once('exit', r));
  }
  for (const d of dbs) await d.drop();
  await net.close();
  rmSync(dir, { recursive: true, force: true });
}
