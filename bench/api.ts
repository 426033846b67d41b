/**
 * The integrator API under load: submissions per second through the whole path of the real server
 * (`peppol-ap serve`, compiled): authentication of the API key, the Idempotency-Key claim, validation
 * (XSD + CEN + Peppol schematron, in the worker threads), the business-duplicate check and the store
 * (document, payload, event, delivery row and job). The server sends nothing (SANDBOX=off, no AP key):
 * what is measured is the API, not delivery. Then the cost of authenticating one request on the hot
 * path: verifying a cached key (one HMAC-SHA256 and a map lookup), in this process, over many calls.
 *
 *   npm run bench:api [-- --documents 1000 --concurrency 16 --workers 1]
 *
 * Last line: `api-rate submit_per_s=<n> auth_ms=<n>`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authParts, loadHashKey } from '../src/composition/auth.js';
import { buildStores } from '../src/composition/index.js';
import { PROJECT_ROOT } from '../src/config/index.js';
import { createTestDatabase } from '../test/support/db.js';
import { freePort } from '../test/support/process.js';
import { provisionApiSender } from './api-sender.js';
import { SUPPLIER } from './inbound-message.js';
import { buildOnce, numberArg, startServed, type Served } from './served.js';

const documents = numberArg('documents', 1000);
const concurrency = numberArg('concurrency', 16);
const workers = numberArg('workers', 1);
const base = readFileSync(join(PROJECT_ROOT, 'schematron', 'examples', 'peppol-3.0.21', 'base-example.xml'), 'utf8').replace(
  '<cbc:EndpointID schemeID="0088">9482348239847239874</cbc:EndpointID>',
  `<cbc:EndpointID schemeID="0208">${SUPPLIER.slice(5)}</cbc:EndpointID>`,
);
const invoice = (i: number) => base.replace('<cbc:ID>Snippet1</cbc:ID>', `<cbc:ID>API-BENCH-${i}</cbc:ID>`);

buildOnce();
const db = await createTestDatabase({ prefix: 'ap_bench_api' });
const dir = mkdtempSync(join(tmpdir(), 'ap-bench-api-'));
const hashKeyFile = join(dir, 'api-key-hash.key');
let server: Served | null = null;
try {
  const port = await freePort();
  server = await startServed(
    { DATABASE_URL: db.url, API_KEY_HASH_KEY_FILE: hashKeyFile, SANDBOX: 'off', INBOUND_VALIDATION_WORKERS: String(workers), API_RATE_LIMIT_PER_SECOND: '100000', API_RATE_LIMIT_BURST: '100000' },
    port,
  );
  const hashKey = await loadHashKey(hashKeyFile);
  const stores = buildStores(db.knex);
  const secret = await provisionApiSender(stores, hashKey);

  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const post = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const body = Buffer.from(invoice(i));
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/api/v1/documents', agent, headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/xml', 'content-length': body.length, 'idempotency-key': `bench-${i}` } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  // Warm-up: worker threads, compiled rules, pooled connections.
  for (let i = 0; i < 20; i++) if ((await post(-1 - i)) !== 201) throw new Error('warm-up submission refused');
  let next = 0;
  const statuses = new Map<number, number>();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < documents; i = next++) {
        const status = await post(i);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  if (statuses.get(201) !== documents) throw new Error(`not every submission was accepted: ${JSON.stringify([...statuses])}`);
  const stored = Number((await db.knex('documents').where({ status: 'queued' }).count('* as n'))[0]!.n);

  // Authentication on the hot path: a key verified once is then a cached lookup and one HMAC.
  const auth = authParts({ cacheSeconds: 3600, ratePerSecond: 1, rateBurst: 1 }, hashKey, stores.apiKeys);
  const c0 = performance.now();
  await auth.authenticator.verify(secret);
  const coldMs = performance.now() - c0;
  const rounds = 200_000;
  const h0 = performance.now();
  for (let i = 0; i < rounds; i++) await auth.authenticator.verify(secret);
  const authMs = (performance.now() - h0) / rounds;

  console.log(`documents ${documents}, concurrency ${concurrency}, validation workers ${workers}: ${seconds.toFixed(2)} s, ${stored} queued (+20 warm-up)`);
  console.log(`authentication: first verification (database) ${coldMs.toFixed(2)} ms, cached ${(authMs * 1000).toFixed(2)} µs per request over ${rounds} calls`);
  console.log(`api-rate submit_per_s=${Math.round(documents / seconds)} auth_ms=${authMs.toFixed(4)}`);
} finally {
  await server?.stop();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
}
