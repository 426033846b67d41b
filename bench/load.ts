/**
 * Sustained load: the real server (`peppol-ap serve`, compiled, as `npm start` runs it) receives signed and
 * encrypted AS4 messages carrying a 10 KB invoice at a fixed rate for minutes, each validated in full
 * (XSD + CEN + Peppol schematron) into the inbox, while an API client submits invoices through the REST
 * API at its own rate; the receiver of those is hosted here, so each ends `delivered` (locally, by the job
 * runner) and `available` in the buyer's inbox.
 *
 *   npm run bench:load -- --minutes 10 --rate 200 --api-rate 20 --warmup-seconds 60
 *   options: --connections <AS4 keep-alive connections, default 64>; --builders <processes building the
 *   message pool, default: the cores>; --drain-seconds <how long to wait for the backlog after the load, default 300>
 *
 * Open loop: message i is due at i/rate whatever the answers (latency counts from that moment, so a server
 * that falls behind shows it in latency and backlog instead of slowing the generator down). The messages
 * (rate × minutes × 60, all unique) are built before the server starts by separate processes
 * (bench/load-pool.ts); during the load this process only reads them from disk and sends them.
 * The warm-up is the first --warmup-seconds of the run; the measured window is the rest.
 *
 * Printed every minute: receipts/s, receipt latency p50/p99, API submissions/s, the server's RSS, the
 * backlog (received but not yet validated and routed; submitted but not yet delivered), CPU of the
 * server, of its Postgres backends and of this load generator. At the end: every error (answers that are
 * not a receipt, API errors, documents not in their final state, jobs that failed) and RSS growth from
 * the warm-up to the end of the load: the median of the 30 one-second samples after the warm-up against
 * that of the last 30 of the load (RSS swings by tens of MB with each major GC; a median over 30 s does not).
 *
 * Last line: `load-result msgs_per_s=<n> rss_growth_pct=<n> p99_ms=<n>` (receipts per second and p99
 * receipt latency over the measured window).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { loadHashKey } from '../src/composition/auth.js';
import { buildStores } from '../src/composition/index.js';
import { createTestDatabase } from '../test/support/db.js';
import { freePort } from '../test/support/process.js';
import { provisionApiSender, supplierInvoiceXml } from './api-sender.js';
import { invoice } from './inbound-message.js';
import { buildPool, PoolReader } from './load-pool.js';
import { prepareReceivingAp } from './receiving-ap.js';
import { buildOnce, numberArg, postgresTransport, procCpu, startServed, type Served } from './served.js';

const minutes = numberArg('minutes', 10);
const rate = numberArg('rate', 200);
const apiRate = numberArg('api-rate', 20);
const warmupSeconds = numberArg('warmup-seconds', 60);
const connections = numberArg('connections', 64);
const builders = numberArg('builders', cpus().length);
const drainSeconds = numberArg('drain-seconds', 300);

const durationMs = minutes * 60_000;
const warmupMs = warmupSeconds * 1000;
if (!(warmupMs < durationMs)) throw new Error('--warmup-seconds must be shorter than the run (--minutes)');
const total = Math.round((rate * durationMs) / 1000);
const apiTotal = Math.round((apiRate * durationMs) / 1000);
/** An answer that takes longer counts as an error (and frees its connection). */
const REQUEST_TIMEOUT_MS = 60_000;
/** Seconds of RSS samples a median is taken over. */
const RSS_WINDOW_S = 30;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const median = (xs: number[]) => pct([...xs].sort((a, b) => a - b), 50);
const mb = (kb: number) => (kb / 1024).toFixed(0);

/** VmRSS of a process in kB (Linux). */
function rssKb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  if (!line) throw new Error(`no VmRSS for process ${pid}`);
  return Number(line[1]);
}

/** CPU seconds of each Postgres backend serving this database, by pid (our own connection left out). */
async function backendsCpuByPid(knex: Knex): Promise<Map<number, number>> {
  const { rows } = (await knex.raw('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()')) as { rows: Array<{ pid: number }> };
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    const c = procCpu(pid);
    if (c !== null) out.set(pid, c);
  }
  return out;
}

/** CPU the backends present at `to` used since `from` (a backend that closed in between is not counted). */
function backendsCpuBetween(from: Map<number, number>, to: Map<number, number>): number {
  let s = 0;
  for (const [pid, c] of to) s += c - (from.get(pid) ?? 0);
  return s;
}

interface Answer {
  status: number;
  body: string;
}

function post(agent: Agent, port: number, path: string, headers: Record<string, string | number>, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { ...headers, 'content-length': body.length }, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Calls `fire(i, dueMs)` for i = 0..count-1 at start + i/perSecond; returns how late the latest call was (ms). */
async function openLoop(start: number, count: number, perSecond: number, fire: (i: number, due: number) => void): Promise<number> {
  let late = 0;
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    late = Math.max(late, performance.now() - due);
    fire(i, due);
  }
  return late;
}

/** Counts errors by description. */
class Tally {
  readonly counts = new Map<string, number>();
  add(what: string, n = 1): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + n);
  }
  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }
}

/** One AS4 message or API submission: when it was due and when its answer came (ms since the start). */
interface Done {
  due: number;
  done: number;
}

interface Sample {
  t: number;
  rssKb: number;
  serverCpu: number;
  clientCpu: number;
}

interface DbSample {
  t: number;
  inboundBacklog: number;
  apiBacklog: number;
  backends: Map<number, number>;
}

buildOnce();
const db = await createTestDatabase({ prefix: 'ap_bench_load' });
const dir = mkdtempSync(join(tmpdir(), 'ap-bench-load-'));
let server: Served | null = null;
let sampler: NodeJS.Timeout | undefined;
try {
  const ap = await prepareReceivingAp(db, dir);
  const poolDir = join(dir, 'pool');
  mkdirSync(poolDir);
  console.log(`building ${total} signed and encrypted messages (10 KB invoice each) in ${builders} processes, before the server starts...`);
  const built = await buildPool(dir, poolDir, total, builders);
  console.log(
    `  ${built.seconds.toFixed(1)} s; ${((built.cpuSeconds * 1000) / total).toFixed(2)} ms of CPU per message (${built.cpuSeconds.toFixed(1)} s in all); ${(built.bytes / 1e6).toFixed(0)} MB on disk`,
  );
  const pool = new PoolReader(poolDir, total);

  const port = await freePort();
  const hashKeyFile = join(dir, 'api-key-hash.key');
  server = await startServed({ ...ap.env(port), API_KEY_HASH_KEY_FILE: hashKeyFile }, port);
  const pid = server.child.pid!;
  const secret = await provisionApiSender(buildStores(db.knex), await loadHashKey(hashKeyFile));
  console.log(
    `cores: ${cpus().length}; ${minutes} min at ${rate} AS4 msgs/s (${total} messages, ${connections} connections) and ${apiRate} API submissions/s (${apiTotal}); warm-up ${warmupSeconds} s; Postgres over ${postgresTransport()}`,
  );

  const as4Agent = new Agent({ keepAlive: true, maxSockets: connections });
  const apiAgent = new Agent({ keepAlive: true, maxSockets: Math.max(4, Math.ceil(connections / 4)) });
  const as4Done: Array<Done & { ms: number }> = [];
  const apiDone: Done[] = [];
  const as4Errors = new Tally();
  const apiErrors = new Tally();
  let inflight = 0;

  const start = performance.now();
  const since = () => performance.now() - start;
  const samples: Sample[] = [];
  const dbSamples: DbSample[] = [];
  const cpuNow = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1e6;
  };
  const backlog = async (): Promise<{ inboundBacklog: number; apiBacklog: number }> => {
    const count = async (q: Knex.QueryBuilder) => Number(((await q.count({ n: '*' })) as Array<{ n: string }>)[0]!.n);
    const inboundBacklog = await count(db.knex('documents').where({ direction: 'inbound', status: 'received' }));
    const apiBacklog = await count(db.knex('documents').where({ direction: 'outbound' }).whereIn('status', ['queued', 'sending', 'retrying']));
    return { inboundBacklog, apiBacklog };
  };
  let dbBusy = false;
  const sample = async () => {
    const t = since();
    samples.push({ t, rssKb: rssKb(pid), serverCpu: procCpu(pid) ?? NaN, clientCpu: cpuNow() });
    // The backlog and the backends' CPU every 5 s: queries of our own cost Postgres CPU too.
    if (samples.length % 5 !== 1 || dbBusy) return;
    dbBusy = true;
    try {
      dbSamples.push({ t, ...(await backlog()), backends: await backendsCpuByPid(db.knex) });
    } finally {
      dbBusy = false;
    }
  };
  await sample();
  sampler = setInterval(() => void sample(), 1000);

  /** The line of minute m (samples up to its end; answers by the time they came). */
  const minuteLine = (m: number): string => {
    const from = m * 60_000;
    const to = Math.min(durationMs, from + 60_000);
    const seconds = (to - from) / 1000;
    const lat = as4Done.filter((d) => d.done >= from && d.done < to).map((d) => d.ms).sort((a, b) => a - b);
    const api = apiDone.filter((d) => d.done >= from && d.done < to).length;
    const at = <T extends { t: number }>(xs: T[], t: number): T => xs.filter((x) => x.t <= t + 500).at(-1) ?? xs[0]!;
    const [s0, s1] = [at(samples, from), at(samples, to)];
    const inMinute = samples.filter((x) => x.t >= from && x.t <= to);
    const [d0, d1] = [at(dbSamples, from), at(dbSamples, to)];
    const window = dbSamples.filter((d) => d.t >= from && d.t <= to + 500);
    const maxBacklog = Math.max(...window.map((d) => d.inboundBacklog), d1.inboundBacklog);
    const core = (cpu: number, span: number) => `${((cpu / (span / 1000)) * 100).toFixed(0)}%`;
    return (
      `minute ${m + 1}${to <= warmupMs ? ' (warm-up)' : from < warmupMs ? ' (partly warm-up)' : ''}: ${(lat.length / seconds).toFixed(1)} receipts/s, ` +
      `p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms; API ${(api / seconds).toFixed(1)}/s; RSS ${mb(median(inMinute.map((x) => x.rssKb)))} MB (${mb(Math.min(...inMinute.map((x) => x.rssKb)))} to ${mb(Math.max(...inMinute.map((x) => x.rssKb)))}); ` +
      `backlog: inbox ${d1.inboundBacklog} (max ${maxBacklog}), API ${d1.apiBacklog}; in flight ${inflight}; ` +
      `CPU (of one core) server ${core(s1.serverCpu - s0.serverCpu, s1.t - s0.t)}, Postgres ${core(backendsCpuBetween(d0.backends, d1.backends), d1.t - d0.t)}, load generator ${core(s1.clientCpu - s0.clientCpu, s1.t - s0.t)}`
    );
  };
  const minuteLines = (async () => {
    for (let m = 0; m < minutes; m++) {
      await sleep(start + (m + 1) * 60_000 + 1500 - performance.now());
      console.log(minuteLine(m));
    }
  })();

  const sendAs4 = async (i: number, due: number) => {
    inflight++;
    try {
      const m = await pool.message(i);
      const answer = await post(as4Agent, port, '/as4', { 'content-type': m.contentType }, m.body);
      const now = performance.now();
      if (answer.status === 200 && answer.body.includes('<eb:Receipt>')) as4Done.push({ due: due - start, done: now - start, ms: now - due });
      else as4Errors.add(`AS4 HTTP ${answer.status}${answer.status === 200 ? ' without a receipt' : ''}: ${answer.body.match(/<eb:Error [^>]*>/)?.[0] ?? answer.body.slice(0, 120)}`);
    } catch (err) {
      as4Errors.add(`AS4 request failed: ${(err as Error).message}`);
    } finally {
      inflight--;
    }
  };
  const sendApi = async (i: number, due: number) => {
    inflight++;
    try {
      const body = Buffer.from(invoice(`LOAD-API-${i}`, supplierInvoiceXml));
      const answer = await post(apiAgent, port, '/api/v1/documents', { authorization: `Bearer ${secret}`, 'content-type': 'application/xml', 'idempotency-key': `load-${i}` }, body);
      if (answer.status === 201) apiDone.push({ due: due - start, done: since() });
      else apiErrors.add(`API HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
    } catch (err) {
      apiErrors.add(`API request failed: ${(err as Error).message}`);
    } finally {
      inflight--;
    }
  };

  const [as4Late, apiLate] = await Promise.all([
    openLoop(start, total, rate, (i, due) => void sendAs4(i, due)),
    openLoop(start, apiTotal, apiRate, (i, due) => void sendApi(i, due)),
  ]);
  const loadEnd = since();
  while (inflight > 0) await sleep(50);
  const answeredAt = since();

  // The backlog left when the load stopped: how long until every document is in its final state.
  let left = await backlog();
  while ((left.inboundBacklog > 0 || left.apiBacklog > 0) && since() - answeredAt < drainSeconds * 1000) {
    await sleep(1000);
    left = await backlog();
  }
  const drainedAt = since();
  await minuteLines;
  clearInterval(sampler);
  sampler = undefined;

  // Final states: each receipt an `available` document, each accepted submission `delivered` and `available` to its buyer.
  const errors = new Tally();
  for (const [what, n] of as4Errors.counts) errors.add(what, n);
  for (const [what, n] of apiErrors.counts) errors.add(what, n);
  const byStatus = (await db.knex('documents').select('direction', 'status').count({ n: '*' }).groupBy('direction', 'status')) as Array<{ direction: string; status: string; n: string }>;
  const count = (direction: string, status: string) => Number(byStatus.find((r) => r.direction === direction && r.status === status)?.n ?? 0);
  for (const r of byStatus) {
    const final = (r.direction === 'inbound' && r.status === 'available') || (r.direction === 'outbound' && r.status === 'delivered');
    if (!final) errors.add(`${r.direction} documents ${r.status} at the end`, Number(r.n));
  }
  const expectAvailable = as4Done.length + apiDone.length;
  if (count('inbound', 'available') < expectAvailable) errors.add('receipts or submissions without an available document', expectAvailable - count('inbound', 'available'));
  if (count('outbound', 'delivered') < apiDone.length) errors.add('accepted submissions not delivered', apiDone.length - count('outbound', 'delivered'));
  const failedJobs = (await db.knex('jobs').select('kind', 'status', 'last_error_kind').count({ n: '*' }).whereIn('status', ['failed', 'dead']).orWhereNotNull('last_error_kind').groupBy('kind', 'status', 'last_error_kind')) as Array<{
    kind: string;
    status: string;
    last_error_kind: string | null;
    n: string;
  }>;
  for (const j of failedJobs) errors.add(`${j.kind} jobs ${j.status} with error ${j.last_error_kind ?? '(none)'}`, Number(j.n));

  // The measured window: messages due after the warm-up.
  const measured = as4Done.filter((d) => d.due >= warmupMs);
  const lat = measured.map((d) => d.ms).sort((a, b) => a - b);
  const lastAnswer = measured.reduce((last, d) => Math.max(last, d.done), 0);
  const msgsPerS = measured.length / ((lastAnswer - warmupMs) / 1000);
  const rssBetween = (from: number, to: number) => median(samples.filter((s) => s.t >= from && s.t <= to).map((s) => s.rssKb));
  const rssWarm = rssBetween(warmupMs, warmupMs + RSS_WINDOW_S * 1000);
  const rssEnd = rssBetween(loadEnd - RSS_WINDOW_S * 1000, loadEnd);
  const rssGrowth = ((rssEnd - rssWarm) / rssWarm) * 100;
  const w0 = samples.filter((s) => s.t <= warmupMs).at(-1)!;
  const w1 = samples.filter((s) => s.t <= loadEnd).at(-1)!;
  const windowS = (w1.t - w0.t) / 1000;
  const p0 = dbSamples.filter((d) => d.t <= warmupMs + 500).at(-1)!;
  const p1 = dbSamples.filter((d) => d.t <= loadEnd + 500).at(-1)!;
  const postgresCpu = backendsCpuBetween(p0.backends, p1.backends) / ((p1.t - p0.t) / 1000);
  const received = measured.length + apiDone.filter((d) => d.due >= warmupMs).length;

  console.log(
    `measured window (${((loadEnd - warmupMs) / 1000).toFixed(0)} s after the warm-up): ${msgsPerS.toFixed(1)} receipts/s of ${rate} due; latency p50 ${pct(lat, 50).toFixed(1)} ms, p90 ${pct(lat, 90).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, max ${(lat.at(-1) ?? NaN).toFixed(1)} ms`,
  );
  console.log(`API: ${apiDone.length} of ${apiTotal} submissions accepted; the load generator was at most ${as4Late.toFixed(1)} ms (AS4) and ${apiLate.toFixed(1)} ms (API) behind its schedule`);
  console.log(
    `after the load: last answer ${((answeredAt - loadEnd) / 1000).toFixed(1)} s later, backlog drained ${((drainedAt - answeredAt) / 1000).toFixed(1)} s after that (inbox ${left.inboundBacklog}, API ${left.apiBacklog} left)`,
  );
  console.log(
    `RSS of the server (medians of ${RSS_WINDOW_S} s): ${mb(rssWarm)} MB after the warm-up, ${mb(rssEnd)} MB at the end of the load (${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)} %), max ${mb(samples.reduce((m, s) => Math.max(m, s.rssKb), 0))} MB, ${mb(samples.at(-1)!.rssKb)} MB after the drain`,
  );
  console.log(
    `CPU over the measured window: server ${(((w1.serverCpu - w0.serverCpu) / windowS) * 100).toFixed(0)}% of one core (${(((w1.serverCpu - w0.serverCpu) * 1000) / received).toFixed(2)} ms per AS4 message or submission), Postgres backends ${(postgresCpu * 100).toFixed(0)}%, load generator ${(((w1.clientCpu - w0.clientCpu) / windowS) * 100).toFixed(0)}% (${(((w1.clientCpu - w0.clientCpu) * 1000) / received).toFixed(2)} ms per request)`,
  );
  console.log(`documents: ${byStatus.map((r) => `${r.direction} ${r.status} ${r.n}`).join(', ')}`);
  console.log(`errors: ${errors.total === 0 ? 'none' : errors.total}`);
  for (const [what, n] of errors.counts) console.log(`  ${n} × ${what}`);
  if (errors.total > 0) process.exitCode = 1;
  console.log(`load-result msgs_per_s=${msgsPerS.toFixed(1)} rss_growth_pct=${rssGrowth.toFixed(1)} p99_ms=${pct(lat, 99).toFixed(1)}`);
  as4Agent.destroy();
  apiAgent.destroy();
} finally {
  if (sampler) clearInterval(sampler);
  await server?.stop();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
}
