/**
 * Outbound outcomes against receiving endpoints that misbehave in known ways (published through B's SMP,
 * served by a small HTTP server here), and recovery after a simulated crash.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { buildErrorSignal, NOT_SERVICED } from '../../src/as4/index.js';
import { hostname } from 'node:os';
import { ERROR_KINDS } from '../../src/errors.js';
import { buildOutbound } from '../../src/jobs/outbound-service.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { PeppolLookup } from '../../src/peppol/lookup.js';
import { checkCreate } from '../../src/core/state-machine.js';
import { changeStatus } from '../../src/pipeline/state-machine.js';
import { OUTBOUND_JOB, PostgresDeliveryStore } from '../../src/store/deliveries.js';
import { PostgresJobStore } from '../../src/store/jobs.js';
import { belgianParticipant, startNetwork, TEST_OUTBOUND_CONFIG, ublDocument, type E2eNetwork, type TestAp } from '../e2e/harness.js';
import { TEST_SML_ZONE } from '../support/discovery.js';

type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse) => void;

describe('outbound outcomes and recovery', function () {
  this.timeout(90_000);
  let net: E2eNetwork;
  let a: TestAp;
  let b: TestAp;
  let fake: http.Server;
  let behaviour: Behaviour = (_req, res) => res.writeHead(500).end();
  let requests = 0;
  const supplier = belgianParticipant(5555555);
  const buyer = belgianParticipant(6666666); // at B, really
  const faulty = belgianParticipant(7777777); // B's SMP points to the fake endpoint

  before(async () => {
    net = await startNetwork();
    a = await net.startAp('A', 'PBE000301', { outbound: { retry: { maxAttempts: 3, initialDelayMs: 50, multiplier: 1, maxDelayMs: 50 }, circuit: { failureThreshold: 100, openMs: 1500, maxOpenMs: 1500 }, transport: { ...TEST_OUTBOUND_CONFIG.transport, responseTimeoutMs: 500 } } });
    b = await net.startAp('B', 'PBE000302');
    fake = http.createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => behaviour(req, res));
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    await a.host(supplier);
    await b.host(buyer);
    await b.host(faulty, { url: `http://127.0.0.1:${(fake.address() as AddressInfo).port}/as4`, certPem: b.cert.certPem });
  });
  after(async () => {
    fake?.closeAllConnections();
    await new Promise((r) => fake?.close(r));
    await net?.close();
  });

  async function send(to: string) {
    const submitted = await a.submit(ublDocument('invoice', supplier, to));
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    return a.waitFor(submitted.body.id, ['delivered', 'failed', 'undeliverable']);
  }

  it('PEPPOL:NOT_SERVICED (signed EBMS:0004) from the receiver: undeliverable at once', async () => {
    const identity = { privateKey: createPrivateKey(b.cert.keyPem), certificate: b.cert.cert };
    behaviour = (_req, res) => {
      const signal = buildErrorSignal(null, [{ code: 'EBMS:0004', description: 'not served here', detail: NOT_SERVICED }], identity);
      res.writeHead(500, { 'content-type': signal.contentType }).end(signal.body);
    };
    const doc = await send(faulty);
    assert.equal(doc.status, 'undeliverable');
    assert.equal(doc.delivery.attempts, 1);
    assert.match(doc.events.at(-1).reason, /EBMS:0004 \[PEPPOL:NOT_SERVICED\]/);
  });

  it('EBMS:0101 from the receiver: undeliverable at once', async () => {
    const identity = { privateKey: createPrivateKey(b.cert.keyPem), certificate: b.cert.cert };
    behaviour = (_req, res) => {
      const signal = buildErrorSignal(null, [{ code: 'EBMS:0101', description: 'signature does not verify' }], identity);
      res.writeHead(500, { 'content-type': signal.contentType }).end(signal.body);
    };
    const doc = await send(faulty);
    assert.equal(doc.status, 'undeliverable');
    assert.equal(doc.events.at(-1).details.ebmsCode ?? doc.events.at(-1).details.errorDetails.errors[0].errorCode, 'EBMS:0101');
  });

  it('EBMS:0202 (a temporary failure) from the receiver: as4.remote-failure, retried by its catalogue class', async () => {
    const identity = { privateKey: createPrivateKey(b.cert.keyPem), certificate: b.cert.cert };
    behaviour = (_req, res) => {
      const signal = buildErrorSignal(null, [{ code: 'EBMS:0202', description: 'backend down for a moment' }], identity);
      res.writeHead(500, { 'content-type': signal.contentType }).end(signal.body);
    };
    const doc = await send(faulty);
    assert.equal(doc.status, 'failed');
    assert.equal(doc.delivery.lastError.kind, 'as4.remote-failure');
    assert.equal(ERROR_KINDS['as4.remote-failure'].retry, 'transient');
    assert.deepEqual(doc.delivery.history.map((h: any) => h.outcome), ['transient', 'transient', 'transient']);
  });

  it('HTTP 503 every time: retried with backoff until the attempts run out, then failed', async () => {
    behaviour = (_req, res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
    const before = requests;
    const doc = await send(faulty);
    assert.equal(doc.status, 'failed');
    assert.equal(doc.delivery.attempts, 3);
    assert.equal(requests - before, 3);
    assert.deepEqual(doc.events.map((e: any) => e.toStatus), ['queued', 'sending', 'retrying', 'sending', 'retrying', 'sending', 'failed']);
    assert.ok(doc.delivery.history.every((h: any) => h.outcome === 'transient' && h.httpStatus === 503));
    // The same AS4 MessageId on every attempt (a receiver that stored an earlier one sees a duplicate).
    assert.match(doc.delivery.as4MessageId, /@pbe000301$/);
  });

  it('no answer within the response timeout counts as transient', async () => {
    let held = 0;
    behaviour = () => {
      held++; // never answers
    };
    const doc = await send(faulty);
    assert.equal(doc.status, 'failed');
    assert.equal(held, 3);
    assert.match(doc.delivery.lastError.message, /no complete answer within 500 ms/);
  });

  it('a 200 answer without a receipt is not a delivery', async () => {
    behaviour = (_req, res) => res.writeHead(200, { 'content-type': 'application/soap+xml' }).end('');
    const doc = await send(faulty);
    assert.equal(doc.status, 'failed');
    assert.equal(doc.delivery.lastError.kind, 'as4.receipt-missing');
  });

  it('defers attempts while the endpoint\'s circuit is open, without using them up, then delivers', async () => {
    const endpoint = `${b.url}/as4`;
    for (let i = 0; i < 100; i++) a.outbound.breakers.failure(endpoint); // A's threshold here is 100
    assert.equal(a.outbound.breakers.state(endpoint), 'open');
    const doc = await send(buyer);
    assert.equal(doc.status, 'delivered', JSON.stringify(doc.events));
    const reasons = doc.events.map((e: any) => `${e.toStatus}: ${e.reason ?? ''}`);
    assert.match(reasons[2], /^retrying: circuit open for .*\/as4/);
    assert.deepEqual(doc.delivery.history.map((h: any) => h.outcome), ['deferred', 'delivered']);
    assert.equal(doc.delivery.attempts, 1, 'a deferral is not an attempt');
    assert.equal(a.outbound.breakers.state(endpoint), 'closed', 'the successful probe closed it');
  });

  it('takes over an attempt whose lease ran out (another instance died mid-send), without a restart', async () => {
    const submitted = await a.submit(ublDocument('invoice', supplier, buyer));
    await a.waitFor(submitted.body.id, ['delivered']);
    // A second document, claimed by a "dead" worker of another host whose lease has already expired.
    const deliveries = new PostgresDeliveryStore(a.db.knex);
    const deadWorker = 'other-host:4242:dead';
    const { document: other, jobId } = await deliveries.createQueued(
      { ...(await a.documents.get(submitted.body.id))!, initial: checkCreate('outbound', 'queued'), invoiceNumber: 'LEASE-1' },
      Buffer.from(ublDocument('invoice', supplier, buyer)),
      { actor: 'test' },
      { as4MessageId: `lease-${submitted.body.id}@test`, conversationId: submitted.body.id, sbdhInstanceId: submitted.body.id, countryC1: 'GB' },
      { maxAttempts: 3, dueAt: new Date(Date.now() + 3_600_000), heldBy: { runnerId: deadWorker, leaseMs: 3_600_000 } },
    );
    assert.ok(await changeStatus(a.documents, other.id, 'sending', { actor: 'job:outbound', reason: 'attempt 1 (dead worker)' }, { expected: { direction: 'outbound', from: 'queued' } }));
    await a.db.knex('jobs').where({ id: jobId }).update({ lease_until: new Date(Date.now() - 1000) });
    const doc = await a.waitFor(other.id, ['delivered', 'failed', 'undeliverable']);
    assert.equal(doc.status, 'delivered');
    assert.deepEqual(doc.events.map((e: any) => e.toStatus), ['queued', 'sending', 'retrying', 'sending', 'delivered']);
    assert.match(doc.events[2].reason, /lease expired/);
  });

  it('sends the COUNTRY_C1 stored at submission, without reading the document again', async () => {
    const xml = ublDocument('invoice', supplier, buyer);
    const deliveries = new PostgresDeliveryStore(a.db.knex);
    const template = (await a.documents.get((await a.submit(ublDocument('invoice', supplier, buyer))).body.id))!;
    const instanceId = randomUUID();
    const { document } = await deliveries.createQueued(
      { ...template, initial: checkCreate('outbound', 'queued'), invoiceNumber: 'COUNTRY-1' },
      xml,
      { actor: 'test' },
      { as4MessageId: `${instanceId}@test`, conversationId: instanceId, sbdhInstanceId: instanceId, countryC1: 'GB' },
      { maxAttempts: 3, dueAt: new Date(Date.now() + 3_600_000), heldBy: null },
    );
    // Not what the document says (GB): only the delivery row can bring SE into the SBDH.
    await a.db.knex('outbound_deliveries').where({ document_id: document.id }).update({ country_c1: 'SE' });
    await a.db.knex('jobs').where({ kind: OUTBOUND_JOB, unique_key: document.id }).update({ run_at: new Date() });
    assert.equal((await a.waitFor(document.id, ['delivered', 'failed', 'undeliverable'])).status, 'delivered');
    const received = await b.db.knex('as4_messages').where({ direction: 'inbound', sbdh_instance_id: instanceId }).first();
    assert.equal(received?.country_c1, 'SE', 'the receiver read SE in the SBDH');
  });

  it('picks up at start-up a document a crash left in sending, and delivers it', async () => {
    // A runner that is stopped leaves the submitted document queued, as if the process died at once.
    await a.jobs.stop();
    const submitted = await a.submit(ublDocument('invoice', supplier, buyer));
    assert.equal((await a.get(submitted.body.id)).status, 'queued');
    // The crash: a runner of this host claimed the job, its attempt moved the document (queued -> sending),
    // and its process ended (a runner id of this process that no runner here has: a former life of it).
    const jobs = new PostgresJobStore(a.db.knex);
    await a.db.knex('jobs').where({ kind: OUTBOUND_JOB, unique_key: submitted.body.id }).update({ run_at: new Date() });
    const [claimed] = await jobs.claimDue([{ kind: OUTBOUND_JOB, limit: 1, leaseMs: 3_600_000 }], 1, `${hostname()}:${process.pid}:crashed`);
    assert.equal(claimed?.uniqueKey, submitted.body.id);
    assert.ok(await changeStatus(a.documents, submitted.body.id, 'sending', { actor: 'job:outbound', reason: 'attempt 1' }, { expected: { direction: 'outbound', from: 'queued' } }));
    assert.equal((await a.get(submitted.body.id)).status, 'sending');

    // Restart: a new runner with the outbound kind on the same database recovers it at start-up.
    const runner = new JobRunner(jobs, { concurrency: 8, pollIntervalMs: 3_600_000, logger: pino({ level: 'silent' }) });
    const restarted = buildOutbound({
      knex: a.db.knex,
      documents: a.documents,
      served: a.served,
      lookup: new PeppolLookup({ sml: { zone: TEST_SML_ZONE, dnsServers: [net.env.dns.address], timeoutMs: 1000, tries: 1, requireHttps: false }, validator: net.env.validator }),
      identity: { privateKey: createPrivateKey(a.cert.keyPem), certificate: a.cert.cert },
      seatId: a.seatId,
      certificateValidator: net.env.validator,
      config: TEST_OUTBOUND_CONFIG,
      maxDocumentBytes: 20 * 1024 * 1024,
      runner,
      logger: pino({ level: 'silent' }),
    });
    await runner.start();
    try {
      const doc = await a.waitFor(submitted.body.id, ['delivered', 'failed', 'undeliverable']);
      assert.equal(doc.status, 'delivered');
      assert.deepEqual(doc.events.map((e: any) => e.toStatus), ['queued', 'sending', 'retrying', 'sending', 'delivered']);
      assert.match(doc.events[2].reason, /interrupted/);
      assert.equal(doc.delivery.attempts, 2);
      assert.deepEqual(doc.delivery.history.map((h: any) => h.outcome), ['interrupted', 'delivered']);
      assert.equal(Number((await a.db.knex('documents').where({ status: 'sending' }).count({ n: '*' }))[0]!.n), 0, 'nothing left in sending');
    } finally {
      await runner.stop();
      restarted.close();
    }
  });
});
