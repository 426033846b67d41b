/**
 * Beyond one machine: three `serve` processes on one database behind one address (a round-robin TCP
 * front in the test) take AS4 messages, API submissions and webhook deliveries while one of them is
 * killed (SIGKILL) and restarted. Senders behave as real ones do: an AS4 message without a receipt is
 * sent again with the same MessageId, a submission without an answer again with the same
 * Idempotency-Key. Afterwards every message is stored once, every document delivered to B once, every
 * webhook event delivered (a repeat only ever with the webhook-id of the first), and no job is stuck.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { buildUserMessage } from '../../src/as4/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { TEST_SML_ZONE } from '../support/discovery.js';
import { freePort, runCliProcess, spawnCli, waitFor200 } from '../support/process.js';
import { BUYER, header, INVOICE_XML, sbd, SUPPLIER } from '../inbound/support.js';
import { belgianParticipant, startNetwork, ublDocument, type E2eNetwork, type TestAp } from './harness.js';

const NODES = 3;
const INBOUND = 45;
const OUTBOUND = 24;

/** A round-robin TCP front: each connection goes to the next node that accepts it. */
function roundRobin(ports: number[]): Promise<{ server: Server; port: number }> {
  let next = 0;
  const server = createServer((client) => {
    client.pause();
    const attempt = (tries: number) => {
      const port = ports[next++ % ports.length]!;
      const upstream: Socket = connect(port, '127.0.0.1');
      upstream.once('connect', () => {
        upstream.pipe(client);
        client.pipe(upstream);
        client.resume();
      });
      upstream.once('error', () => {
        if (!upstream.readyState.includes('open') && tries < ports.length) attempt(tries + 1);
        else client.destroy();
      });
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
      client.once('error', () => upstream.destroy());
    };
    attempt(1);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

describe('several nodes on one database behind one address, one of them killed', function () {
  this.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'ap-nodes-'));
  const file = (name: string, content: string | Buffer) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  let net: E2eNetwork;
  let b: TestAp;
  let db: TestDatabase;
  let front: { server: Server; port: number };
  let hooks: HttpServer;
  const deliveries: Array<{ id: string; type: string; documentId: string }> = [];
  const ports: number[] = [];
  const nodes: ChildProcess[] = [];
  let env: Record<string, string>;
  let key = '';
  const buyerAtB = belgianParticipant(9191919);
  const supplierHere = belgianParticipant(9292929);

  const startNode = async (i: number) => {
    const child = spawnCli(['serve'], { ...env, PORT: String(ports[i]) });
    nodes[i] = child;
    try {
      await waitFor200(`http://127.0.0.1:${ports[i]}/readyz`, 90_000, child);
    } catch (err) {
      throw new Error(`node ${i}: ${(err as Error).message}: ${child.output().stderr.slice(-3000)}`);
    }
  };

  before(async () => {
    net = await startNetwork();
    b = await net.startAp('B', 'PBE000902');
    await b.host(buyerAtB);
    db = await createTestDatabase({ prefix: 'ap_nodes', migrate: false });
    const cert = net.env.pki.issueAp('PBE000901');
    for (let i = 0; i < NODES; i++) ports.push(await freePort());
    front = await roundRobin(ports);
    hooks = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const event = JSON.parse(body) as { type: string; data: { documentId?: string; id?: string } };
        deliveries.push({ id: String(req.headers['webhook-id']), type: event.type, documentId: String(event.data.documentId ?? event.data.id) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    env = {
      DATABASE_URL: db.url,
      API_KEY_HASH_KEY_FILE: file('hash.key', Buffer.alloc(32, 7)),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      AP_KEY_FILE: file('ap.key', cert.keyPem),
      AP_CERT_FILE: file('ap.pem', cert.certPem),
      AP_ENDPOINT_URL: `http://127.0.0.1:${front.port}/as4`,
      PEPPOL_TRUST_FILE: file('trust.pem', [...net.env.pki.trustedPems.roots, ...net.env.pki.trustedPems.ap, ...net.env.pki.trustedPems.smp].join('\n')),
      SML_ZONE: TEST_SML_ZONE,
      SML_DNS_SERVERS: net.env.dns.address,
      SMP_REQUIRE_HTTPS: 'false',
      INBOUND_VALIDATION_WORKERS: '0',
      WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true',
      OUTBOUND_POLL_INTERVAL_MS: '200',
      // An attempt cut off by the kill is retried soon, as it would be hours later in a test of minutes.
      OUTBOUND_RETRY_INITIAL_MS: '500',
      OUTBOUND_RETRY_MAX_MS: '2000',
      // A submission cut off by the kill holds its Idempotency-Key this long; then the client's retry takes it over.
      IDEMPOTENCY_CLAIM_LEASE_SECONDS: '3',
    };
    // Set up as an operator would, with the command line against the shared database.
    const cli = async (args: string[]) => {
      const run = await runCliProcess(args, env);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
      return run.stdout;
    };
    await cli(['migrate']);
    const tenant = JSON.parse(await cli(['tenants', 'create', '--name', 'Customers of the cluster'])) as { id: string };
    await cli(['participants', 'add', BUYER, 'invoice']);
    for (const p of [BUYER, supplierHere]) await cli(['tenants', 'add-participant', tenant.id, p]);
    key = (JSON.parse(await cli(['keys', 'create', '--tenant', tenant.id, '--scopes', 'send,inbox,webhooks'])) as { secret: string }).secret;
    await Promise.all([0, 1, 2].map(startNode));
    const hook = await fetch(`http://127.0.0.1:${front.port}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${(hooks.address() as { port: number }).port}/hook`, eventTypes: ['document.delivered', 'document.received', 'document.rejected'] }),
    });
    assert.equal(hook.status, 201, await hook.text());
  });

  after(async () => {
    for (const n of nodes) n?.kill('SIGKILL');
    front?.server.close();
    hooks?.close();
    await net?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every AS4 message once, delivers every submission to B once, loses no webhook event, leaves no job stuck', async () => {
    const base = `http://127.0.0.1:${front.port}`;
    const senderCert = net.env.pki.issueAp('PBE000903');
    const sender = { privateKey: createPrivateKey(senderCert.keyPem), certificate: senderCert.cert };
    const receiverCertificate = new X509Certificate(readFileSync(env['AP_CERT_FILE']!, 'utf8'));
    let sendsWithoutReceipt = 0;

    const inbound = async (n: number) => {
      const xml = INVOICE_XML.toString('utf8').replace('<cbc:ID>Snippet1</cbc:ID>', `<cbc:ID>NODES-IN-${n}-${process.pid}</cbc:ID>`);
      const m = await buildUserMessage({ header: header({ fromPartyId: 'PBE000903', toPartyId: 'PBE000901', originalSender: SUPPLIER, finalRecipient: BUYER }), payload: sbd({ xml }), sender, receiverCertificate });
      for (let attempt = 0; ; attempt++) {
        const r = await fetch(`${base}/as4`, { method: 'POST', headers: { 'content-type': m.contentType }, body: new Uint8Array(m.body), signal: AbortSignal.timeout(20_000) }).catch(() => null);
        if (r?.status === 200) return m.messageId;
        sendsWithoutReceipt++;
        assert.ok(attempt < 20, `message ${n}: no receipt after 20 attempts (last HTTP ${r?.status})`);
        await new Promise((res) => setTimeout(res, 300));
      }
    };
    const outbound = async () => {
      const body = new Uint8Array(ublDocument('invoice', supplierHere, buyerAtB));
      const idempotencyKey = randomUUID();
      for (let attempt = 0; ; attempt++) {
        const r = await fetch(`${base}/api/v1/documents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml', 'idempotency-key': idempotencyKey },
          body,
          signal: AbortSignal.timeout(20_000),
        }).catch(() => null);
        if (r && (r.status === 201 || r.status === 200)) return ((await r.json()) as { id: string }).id;
        // The node that took the first try was killed after it stored the document, before it recorded the
        // answer under the key: the retry that took the key over finds the invoice already sent.
        if (r?.status === 409) {
          const problem = (await r.json()) as { code: string; details?: { originalDocumentId?: string } };
          if (problem.code === 'api.business-duplicate' && problem.details?.originalDocumentId) return problem.details.originalDocumentId;
        }
        assert.ok(attempt < 40, `submission: no answer after 40 attempts (last HTTP ${r?.status})`);
        await new Promise((res) => setTimeout(res, 300));
      }
    };

    // Traffic from several senders at once; node 1 is killed a third of the way in and restarted later.
    const inboundIds: Promise<string>[] = [];
    const outboundIds: Promise<string>[] = [];
    for (let i = 0; i < Math.max(INBOUND, OUTBOUND); i++) {
      if (i < INBOUND) inboundIds.push(inbound(i));
      if (i < OUTBOUND) outboundIds.push(outbound());
      if (i === Math.floor(INBOUND / 3)) nodes[1]!.kill('SIGKILL');
      if (i === Math.floor((2 * INBOUND) / 3)) await startNode(1);
      await new Promise((res) => setTimeout(res, 60));
    }
    const messageIds = await Promise.all(inboundIds);
    const documentIds = await Promise.all(outboundIds);
    assert.equal(new Set(documentIds).size, OUTBOUND, 'one document per submission (idempotency across nodes)');

    // Every outbound document delivered; B holds each exactly once.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const rows = await db.knex('documents').whereIn('id', documentIds).select('status');
      if (rows.every((r: { status: string }) => r.status === 'delivered')) break;
      if (Date.now() > deadline || rows.some((r: { status: string }) => r.status === 'failed')) {
        const events = await db.knex('document_events').whereIn('document_id', documentIds).whereNot('to_status', 'delivered').select('document_id', 'to_status', 'reason');
        assert.fail(`not all delivered: ${JSON.stringify(rows.map((r: { status: string }) => r.status))}; ${JSON.stringify(events.slice(-12))}`);
      }
      await new Promise((res) => setTimeout(res, 200));
    }
    const atB = await b.db.knex('documents').where({ direction: 'inbound' }).select('invoice_number');
    assert.equal(atB.length, OUTBOUND, 'B received each document once');
    assert.equal(new Set(atB.map((r: { invoice_number: string }) => r.invoice_number)).size, OUTBOUND);

    // Every AS4 message stored once, whatever node took it and however often it was sent.
    const stored = await db.knex('as4_messages').where({ direction: 'inbound' }).whereIn('message_id', messageIds).select('message_id', 'document_id');
    assert.equal(stored.length, INBOUND);
    assert.equal(new Set(stored.map((r: { document_id: string }) => r.document_id)).size, INBOUND);

    // Webhooks: every event delivered; a repeat (a node killed between sending and recording) keeps its webhook-id.
    const expected = new Set([...documentIds, ...stored.map((r: { document_id: string }) => r.document_id)]);
    const hookDeadline = Date.now() + 60_000;
    while (new Set(deliveries.map((d) => d.documentId).filter((id) => expected.has(id))).size < expected.size) {
      assert.ok(Date.now() < hookDeadline, `webhook events for ${new Set(deliveries.map((d) => d.documentId)).size} of ${expected.size} documents`);
      await new Promise((res) => setTimeout(res, 200));
    }
    const byDocument = new Map<string, Set<string>>();
    for (const d of deliveries) byDocument.set(`${d.documentId} ${d.type}`, (byDocument.get(`${d.documentId} ${d.type}`) ?? new Set()).add(d.id));
    for (const [event, ids] of byDocument) assert.equal(ids.size, 1, `${event} was sent as ${ids.size} different webhook messages`);

    // No job left running under a lease nobody holds.
    await new Promise((res) => setTimeout(res, 1000));
    const running = await db.knex('jobs').where({ status: 'running' }).count('* as n');
    assert.equal(Number(running[0]!.n), 0, 'no job stuck in running');
    console.log(`      ${INBOUND} AS4 messages (${sendsWithoutReceipt} sends without a receipt, resent), ${OUTBOUND} submissions, ${deliveries.length} webhook deliveries for ${byDocument.size} events`);
  });
});
