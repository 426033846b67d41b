/**
 * Request bodies against memory, on the real server (`peppol-ap serve` as its own process, AS4 on): ten
 * concurrent 95 MiB uploads to /as4 stay within the shared in-flight budget (INBOUND_INFLIGHT_BYTES), the
 * server's peak RSS is read from /proc and printed; a declared Content-Length over the limit is answered
 * 413 at once (raw socket, no body sent), on /as4 and on the documents API.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { buildMultipartRelated, buildUserMessage, parseMimeMessage } from '../../src/as4/index.js';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { SmpParticipantStore } from '../../src/store/participants-smp.js';
import { as4Fixture } from '../as4/fixtures.js';
import { provisionSender } from '../support/served.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort, waitFor200 } from '../support/process.js';
import { BUYER, header, INVOICE, sbd } from './support.js';

const MiB = 1024 * 1024;
const UPLOADS = 10;
const UPLOAD_BYTES = 95 * MiB;
const BUDGET_BYTES = 256 * MiB;

/** VmRSS / VmHWM of a process, in bytes. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

interface Answer {
  /** 0: the connection was closed under the upload before the answer could be read. */
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * POSTs with node:http. A refusal comes before the whole body was written and the server then closes the
 * connection: the client reads the answer, or its next write fails first (EPIPE, ECONNRESET), which a
 * sender AP takes as a transport failure and retries like a 503.
 */
function post(url: string, contentType: string, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(url, { method: 'POST', headers: { 'content-type': contentType, 'content-length': body.length }, agent: false }, (res) => {
      answered = true;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (answered) return;
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') resolve({ status: 0, headers: {} });
      else reject(err);
    });
    req.end(body);
  });
}

interface RawExchange {
  socket: Socket;
  /** What the server sent so far. */
  received(): string;
  /** Milliseconds from sending the head to the server closing the connection. */
  closed: Promise<number>;
}

/** A request head (no body yet) on a raw socket: what a lying or slow sender does. */
function rawPost(port: number, path: string, headers: Record<string, string>): RawExchange {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  const t0 = performance.now();
  socket.on('data', (d) => (text += d.toString('latin1')));
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - t0)));
  socket.on('error', () => {}); // a reset after the answer: the answer is what counts
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${head}\r\n`);
  return { socket, received: () => text, closed };
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms))]);
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

const AS4_TYPE = 'multipart/related; boundary="b"; type="application/soap+xml"';

describe('request bodies against memory, on the served access point', function () {
  this.timeout(300_000);
  const f = as4Fixture();
  const receiver = f.issue('POP000051', { noCrlDistributionPoint: true });
  const sender = f.issue('POP000052', { noCrlDistributionPoint: true });
  let db: TestDatabase;
  let dir: string;
  let url: string;
  let port: number;
  let child: ChildProcess;
  let stderr = '';
  let key = '';

  before(async () => {
    db = await createTestDatabase({ prefix: 'ap_inflight' });
    dir = mkdtempSync(join(tmpdir(), 'ap-inflight-'));
    writeFileSync(join(dir, 'ap.key'), receiver.keyPem);
    writeFileSync(join(dir, 'ap.pem'), receiver.certPem);
    writeFileSync(join(dir, 'trust.pem'), [...f.pki.trustedPems.roots, ...f.pki.trustedPems.ap, ...f.pki.trustedPems.smp].join('\n'));
    const participants = new SmpParticipantStore(db.knex);
    await participants.addParticipant({ participant: parseParticipantId(BUYER) });
    await participants.addCapability(parseParticipantId(BUYER), { documentType: INVOICE.documentType, process: INVOICE.process });
    key = await provisionSender({ DATABASE_URL: db.url });
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, {
      DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      AP_KEY_FILE: join(dir, 'ap.key'),
      AP_CERT_FILE: join(dir, 'ap.pem'),
      AP_ENDPOINT_URL: `${url}/as4`,
      PEPPOL_TRUST_FILE: join(dir, 'trust.pem'),
      INBOUND_VALIDATION_WORKERS: '0',
      INBOUND_INFLIGHT_BYTES: String(BUDGET_BYTES),
    });
    child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), 'serve'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    await waitFor200(`${url}/healthz`, 60_000, child);
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`keeps ten concurrent 95 MiB AS4 uploads within the in-flight budget; each is answered once the budget frees`, async () => {
    // A signed, encrypted message whose attachment is replaced by junk: what anyone can send (the signature
    // fails only after the whole body was read, decrypted and digested).
    const m = await buildUserMessage({ header: header({ fromPartyId: 'POP000052', toPartyId: 'POP000051' }), payload: sbd(), sender: f.identity(sender), receiverCertificate: receiver.cert });
    const parsed = parseMimeMessage(m.contentType, m.body);
    const rebuild = (size: number) =>
      buildMultipartRelated({ body: parsed.root.body, contentType: parsed.root.contentType }, [{ body: randomBytes(size), contentId: parsed.attachments[0]!.contentId!, contentType: 'application/octet-stream' }]);
    const overhead = rebuild(0).body.length;
    const big = rebuild(UPLOAD_BYTES - overhead);
    assert.equal(big.body.length, UPLOAD_BYTES);

    const pid = child.pid!;
    // Reset the peak (VmHWM) to the current RSS, so that start-up (schema compilation) does not count.
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const baseline = memory(pid).rss;
    let polledPeak = baseline;
    const poll = setInterval(() => (polledPeak = Math.max(polledPeak, memory(pid).rss)), 10);
    let busy = 0;
    let reset = 0;
    const finals: number[] = [];
    try {
      await Promise.all(
        Array.from({ length: UPLOADS }, async () => {
          for (;;) {
            const r = await post(`${url}/as4`, big.contentType, big.body);
            if (r.status !== 503 && r.status !== 0) return void finals.push(r.status);
            if (r.status === 0) reset++;
            else {
              busy++;
              assert.equal(r.headers['retry-after'], '5', 'a busy answer says when to retry');
            }
            await new Promise((res) => setTimeout(res, 100));
          }
        }),
      );
    } finally {
      clearInterval(poll);
    }
    const peak = Math.max(memory(pid).hwm, polledPeak);
    const mb = (n: number) => (n / MiB).toFixed(0);
    console.log(
      `      inflight-memory uploads=${UPLOADS}x${UPLOAD_BYTES / MiB}MiB budget=${BUDGET_BYTES / MiB}MiB baseline_rss_mb=${mb(baseline)} peak_rss_mb=${mb(peak)} growth_mb=${mb(peak - baseline)} busy_503=${busy} reset_before_answer=${reset} answers=${[...new Set(finals)].join(',')}`,
    );
    assert.equal(finals.length, UPLOADS);
    assert.ok(finals.every((s) => s === 400), `every upload reaches the signature check: ${finals.join(',')}`);
    assert.ok(busy + reset > 0, 'some uploads were refused for now');
    assert.ok(peak - baseline < 3 * BUDGET_BYTES, `peak RSS grew by ${mb(peak - baseline)} MB; bound 3 x budget = ${mb(3 * BUDGET_BYTES)} MB`);
    assert.equal(stderr.includes('ERR_'), false, stderr);
  });
  it('answers a declared Content-Length over AS4_MAX_MESSAGE_BYTES with a signed 413 at once, and closes the connection', async () => {
    const r = rawPost(port, '/as4', { 'content-type': AS4_TYPE, 'content-length': String(10 * 1024 * MiB) });
    const ms = await within(r.closed, 2000, 'AS4 413');
    assert.match(r.received(), /^HTTP\/1\.1 413 /);
    assert.match(r.received(), /\r\nconnection: close\r\n/i);
    assert.match(r.received(), /EBMS:0004/);
    assert.match(r.received(), /<ds:Signature\b/);
    console.log(`      AS4: 413 and closed ${ms.toFixed(0)} ms after the head`);
  });

  it('answers a declared Content-Length over MAX_DOCUMENT_BYTES on the documents API with 413 at once, and closes the connection', async () => {
    const r = rawPost(port, '/api/v1/documents', { authorization: `Bearer ${key}`, 'content-type': 'application/xml', 'content-length': String(10 * 1024 * MiB) });
    const ms = await within(r.closed, 2000, 'API 413');
    assert.match(r.received(), /^HTTP\/1\.1 413 /);
    assert.match(r.received(), /\r\nconnection: close\r\n/i);
    assert.match(r.received(), /"error":"input.too-large"/);
    console.log(`      API: 413 and closed ${ms.toFixed(0)} ms after the head`);
  });

  it('refuses a compressed API body with 415: bodies are read as sent, never inflated', async () => {
    const res = await fetch(`${url}/api/v1/documents`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml', 'content-encoding': 'gzip' }, body: new Uint8Array(gzipSync('<Invoice/>')) });
    assert.equal(res.status, 415);
    assert.match(((await res.json()) as { message: string }).message, /Content-Encoding gzip is not accepted/);
  });

  it('shares one budget between AS4 and the API: past it, 503 with Retry-After at once; aborted uploads give their share back', async () => {
    // Admitted requests whose body never comes hold their declared length: 2 x 95 MiB + 3 x 20 MiB = 250 of 256 MiB.
    const hold = () => [
      rawPost(port, '/as4', { 'content-type': AS4_TYPE, 'content-length': String(UPLOAD_BYTES) }),
      rawPost(port, '/as4', { 'content-type': AS4_TYPE, 'content-length': String(UPLOAD_BYTES) }),
      ...[1, 2, 3].map(() => rawPost(port, '/api/v1/documents', { authorization: `Bearer ${key}`, 'content-type': 'application/xml', 'content-length': String(20 * MiB) })),
    ];
    let holders = hold();
    await settle(300);
    assert.deepEqual(holders.map((h) => h.received()), ['', '', '', '', ''], 'admitted, waiting for their bodies');

    const api = rawPost(port, '/api/v1/documents', { authorization: `Bearer ${key}`, 'content-type': 'application/xml', 'content-length': String(10 * MiB) });
    await within(api.closed, 2000, 'API 503');
    assert.match(api.received(), /^HTTP\/1\.1 503 /);
    assert.match(api.received(), /\r\nretry-after: 5\r\n/i);
    assert.match(api.received(), /\r\nconnection: close\r\n/i);
    assert.match(api.received(), /"error":"input.busy"/);
    const as4 = rawPost(port, '/as4', { 'content-type': AS4_TYPE, 'content-length': String(10 * MiB) });
    await within(as4.closed, 2000, 'AS4 503');
    assert.match(as4.received(), /^HTTP\/1\.1 503 /);
    assert.match(as4.received(), /\r\nretry-after: 5\r\n/i);
    assert.match(as4.received(), /EBMS:0004/);

    // A chunked body takes from the budget as it arrives: refused once it outgrows what is left (6 MiB).
    const chunked = rawPost(port, '/as4', { 'content-type': AS4_TYPE, 'transfer-encoding': 'chunked' });
    const chunk = Buffer.alloc(MiB, 0x61);
    let sent = 0;
    while (chunked.received() === '' && sent < 50) {
      chunked.socket.write(`${chunk.length.toString(16)}\r\n`);
      chunked.socket.write(chunk);
      chunked.socket.write('\r\n');
      sent++;
      await settle(20);
    }
    await within(chunked.closed, 2000, 'chunked 503');
    assert.match(chunked.received(), /^HTTP\/1\.1 503 /);
    assert.ok(sent >= 6 && sent < 50, `refused after ${sent} MiB`);

    // The holders hang up: their share comes back, and the same requests are admitted again.
    for (const h of holders) h.socket.destroy();
    await Promise.all(holders.map((h) => h.closed));
    await settle(200);
    holders = hold();
    await settle(300);
    assert.deepEqual(holders.map((h) => h.received()), ['', '', '', '', ''], 'admitted again after the aborted ones gave their share back');
    for (const h of holders) h.socket.destroy();
    await Promise.all(holders.map((h) => h.closed));
  });
});
