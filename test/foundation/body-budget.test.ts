/**
 * The in-flight budget of request bodies (src/http/body-budget.ts) on a node:http server: what a request
 * takes goes back on every path (answered, refused, failed after reading, connection dropped mid-body),
 * declared lengths are refused unread, chunked bodies are metered as they arrive; and its configuration.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { ApError, toApError } from '../../src/errors.js';
import { InflightBudget, readBody } from '../../src/http/body-budget.js';
import { createLogger } from '../../src/log.js';
import { startAccessPoint } from '../../src/main.js';
import { as4Fixture } from '../as4/fixtures.js';

const LIMIT = 64 * 1024;
const BUDGET = 100 * 1024;

interface Raw {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
}

/** A request head on a raw socket; the body, if any, is written by the test. */
function raw(port: number, path: string, headers: Record<string, string>): Raw {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (d) => (text += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
  return { socket, received: () => text, closed };
}

const chunk = (n: number) => `${n.toString(16)}\r\n${'a'.repeat(n)}\r\n`;

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), what);
}

describe('in-flight budget of request bodies', () => {
  const budget = new InflightBudget(BUDGET);
  let server: Server;
  let port: number;
  let base: string;

  before(async () => {
    server = createServer((req, res) => {
      readBody(budget, req, res, LIMIT)
        .then((body) => {
          if (req.url === '/fail') throw new ApError('internal', 'failed after reading');
          res.end(String(body.length));
        })
        .catch((err: unknown) => {
          const e = toApError(err);
          res.statusCode = e.httpStatus;
          res.end(e.kind);
        });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  after(() => new Promise((r) => server.close(r)));
  afterEach(() => until(`the budget is given back (${budget.inUse} bytes held)`, () => budget.inUse === 0));

  it('gives the declared length back once the request is answered', async () => {
    const res = await fetch(base, { method: 'POST', body: 'x'.repeat(10_000) });
    assert.equal(await res.text(), '10000');
  });

  it('gives it back when the request fails after its body was read', async () => {
    const res = await fetch(`${base}/fail`, { method: 'POST', body: 'x'.repeat(10_000) });
    assert.equal(res.status, 500);
  });

  it('refuses a declared length over the limit unread (413, Connection: close), taking nothing', async () => {
    const r = raw(port, '/', { 'content-length': String(LIMIT + 1) });
    await r.closed;
    assert.match(r.received(), /^HTTP\/1\.1 413 [^]*\r\nconnection: close\r\n[^]*input\.too-large$/i);
  });

  it('refuses a declared length past what is left (503, Retry-After, Connection: close); a dropped upload gives its share back', async () => {
    const holder = raw(port, '/', { 'content-length': String(60 * 1024) });
    await until('the holder is admitted', () => budget.inUse === 60 * 1024);
    const busy = raw(port, '/', { 'content-length': String(60 * 1024) });
    await busy.closed;
    assert.match(busy.received(), /^HTTP\/1\.1 503 [^]*\r\nretry-after: 5\r\n[^]*input\.busy$/i);
    assert.match(busy.received(), /\r\nconnection: close\r\n/i);
    holder.socket.write('a'.repeat(10 * 1024)); // part of its body, then the connection drops
    holder.socket.destroy();
  });

  it('meters a chunked body as it arrives: 503 once it outgrows the budget, 413 once it outgrows the limit', async () => {
    const holder = raw(port, '/', { 'content-length': String(60 * 1024) });
    await until('the holder is admitted', () => budget.inUse === 60 * 1024);
    const grows = raw(port, '/', { 'transfer-encoding': 'chunked' });
    for (let i = 0; i < 8 && !grows.received(); i++) {
      grows.socket.write(chunk(8 * 1024));
      await new Promise((r) => setTimeout(r, 20));
    }
    await grows.closed;
    assert.match(grows.received(), /^HTTP\/1\.1 503 [^]*input\.busy$/);
    holder.socket.destroy();
    await until('the holder gave its share back', () => budget.inUse === 0);

    const long = raw(port, '/', { 'transfer-encoding': 'chunked' });
    for (let i = 0; i < 12 && !long.received(); i++) {
      long.socket.write(chunk(8 * 1024));
      await new Promise((r) => setTimeout(r, 20));
    }
    await long.closed;
    assert.match(long.received(), /^HTTP\/1\.1 413 [^]*input\.too-large$/);
  });

  it('reads a chunked body within both, whole', async () => {
    const r = raw(port, '/', { 'transfer-encoding': 'chunked' });
    r.socket.write(chunk(30_000) + chunk(20_000) + '0\r\n\r\n');
    await until('answered', () => r.received().endsWith('50000'));
    r.socket.destroy();
  });
});

describe('INBOUND_INFLIGHT_BYTES and ANONYMOUS_REJECTED_BYTES_PER_DAY configuration', () => {
  it('default to 256 MiB of bodies in flight and 100 MiB of rejected payloads kept per day', () => {
    const c = loadConfig({});
    assert.equal(c.http.inflightBytes, 256 * 1024 * 1024);
    assert.equal(c.quotas.rejectedPayloadBytesPerDay, 100 * 1024 * 1024);
    assert.equal(loadConfig({ ANONYMOUS_REJECTED_BYTES_PER_DAY: '0' }).quotas.rejectedPayloadBytesPerDay, 0);
  });

  it('refuse a budget smaller than MAX_DOCUMENT_BYTES: such a document would be refused as busy forever', () => {
    assert.throws(() => loadConfig({ INBOUND_INFLIGHT_BYTES: '2048', MAX_DOCUMENT_BYTES: '4096' }), /INBOUND_INFLIGHT_BYTES=2048 is less than MAX_DOCUMENT_BYTES=4096/);
  });

  it('refuse, at start-up, a budget smaller than AS4_MAX_MESSAGE_BYTES when AS4 is on', () => {
    const f = as4Fixture();
    const dir = mkdtempSync(join(tmpdir(), 'ap-budget-'));
    try {
      writeFileSync(join(dir, 'ap.key'), f.receiver.keyPem);
      writeFileSync(join(dir, 'ap.pem'), f.receiver.certPem);
      const env = {
        AP_KEY_FILE: join(dir, 'ap.key'),
        AP_CERT_FILE: join(dir, 'ap.pem'),
        AP_ENDPOINT_URL: 'http://127.0.0.1:9/as4',
        PEPPOL_TRUST_FILE: join(dir, 'ap.pem'),
        INBOUND_INFLIGHT_BYTES: String(64 * 1024 * 1024),
        MAX_DOCUMENT_BYTES: '4096',
      };
      assert.throws(() => loadConfig(env), (err: ApError) => err.kind === 'config.invalid' && /INBOUND_INFLIGHT_BYTES=67108864 is less than AS4_MAX_MESSAGE_BYTES=104857600/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
