/**
 * Slow and idle clients are bounded on the served access point (src/http/server-limits.ts): a request
 * head that never ends, a body that stalls or trickles, and more connections than allowed are cut off
 * within their time-outs, while the server keeps answering everyone else.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { createTestPki } from '../../src/testing/test-pki.js';
import { TEST_SML_ZONE } from '../support/discovery.js';
import { startServedAp, type ServedAp } from '../support/served-ap.js';

const HEADERS_MS = 1000;
const REQUEST_MS = 2500;
const IDLE_MS = 1500;
const MAX_CONNECTIONS = 8;
const AS4_HEAD = 'Content-Type: multipart/related; boundary="b"; type="application/soap+xml"\r\n';

interface Outcome {
  /** What the server wrote before closing (a 408 head, or nothing). */
  answer: string;
  closedAfterMs: number;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Waits for the server to close `socket`, collecting what it wrote. */
function closed(socket: Socket, startedAt: number): Promise<Outcome> {
  let answer = '';
  socket.on('data', (d) => (answer += d.toString('latin1')));
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('close', () => resolve({ answer, closedAfterMs: Date.now() - startedAt })));
}

describe('slow and idle clients are bounded', function () {
  this.timeout(60_000);
  let served: ServedAp;
  let port: number;

  before(async () => {
    const pki = createTestPki();
    served = await startServedAp({
      prefix: 'ap_slow_clients',
      ap: pki.issueAp('PBE000711'),
      trust: pki.trustedPems,
      env: {
        SML_ZONE: TEST_SML_ZONE,
        SML_DNS_SERVERS: '127.0.0.1:9',
        INBOUND_VALIDATION_WORKERS: '0',
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
        HTTP_IDLE_TIMEOUT_MS: String(IDLE_MS),
        HTTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
      },
    });
    port = Number(new URL(served.ap.url).port);
  });
  after(() => served?.close());

  const healthy = async () => assert.equal((await fetch(`${served.ap.url}/healthz`)).status, 200);

  it('a request head that never ends gets 408 and is closed after the headers time-out', async () => {
    const s = await open(port);
    const t0 = Date.now();
    const done = closed(s, t0);
    s.write('POST /as4 HTTP/1.1\r\nHost: ap.test\r\nContent-Type: multipart/related');
    await healthy();
    const r = await done;
    assert.match(r.answer, /^HTTP\/1\.1 408/);
    assert.ok(r.closedAfterMs >= HEADERS_MS - 100 && r.closedAfterMs < HEADERS_MS * 3, `closed after ${r.closedAfterMs} ms`);
  });

  it('a body that stalls half-way is closed after the idle time-out', async () => {
    const s = await open(port);
    const t0 = Date.now();
    const done = closed(s, t0);
    s.write(`POST /as4 HTTP/1.1\r\nHost: ap.test\r\n${AS4_HEAD}Content-Length: 100000\r\n\r\n--b\r\n`);
    const r = await done;
    assert.ok(r.closedAfterMs >= IDLE_MS - 100 && r.closedAfterMs < REQUEST_MS + 1500, `closed after ${r.closedAfterMs} ms`);
    await healthy();
  });

  it('a body trickled a byte at a time (never idle) is cut off by the request time-out', async () => {
    const s = await open(port);
    const t0 = Date.now();
    const done = closed(s, t0);
    s.write(`POST /as4 HTTP/1.1\r\nHost: ap.test\r\n${AS4_HEAD}Content-Length: 100000\r\n\r\n`);
    const drip = setInterval(() => s.writable && s.write('-'), 300);
    const r = await done;
    clearInterval(drip);
    assert.match(r.answer, /^HTTP\/1\.1 408/);
    assert.ok(r.closedAfterMs >= REQUEST_MS - 100 && r.closedAfterMs < REQUEST_MS * 2 + 1000, `closed after ${r.closedAfterMs} ms`);
  });

  it(`past ${MAX_CONNECTIONS} open connections a new one is closed at once; served again once the idle ones are gone`, async () => {
    const idle = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => open(port)));
    const idleClosed = idle.map((s) => closed(s, Date.now()));
    await new Promise((r) => setTimeout(r, 100));
    const extra = await open(port);
    const t0 = Date.now();
    const r = await closed(extra, t0);
    assert.ok(r.closedAfterMs < HEADERS_MS / 2, `the extra connection was closed after ${r.closedAfterMs} ms`);
    assert.equal(r.answer, '');
    // The idle ones never sent a head: the headers time-out frees their slots.
    for (const c of await Promise.all(idleClosed)) assert.ok(c.closedAfterMs < HEADERS_MS * 3, `idle connection closed after ${c.closedAfterMs} ms`);
    await healthy();
  });
});
