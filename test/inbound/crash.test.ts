/**
 * Crash test (issue 6): the real server runs as a child process (`peppol-ap serve`, one node process) and
 * is killed with SIGKILL at random moments while concurrent senders retry N messages until each gets a
 * receipt. Afterwards every message is stored exactly once, and every receipt a sender got is the receipt
 * committed for that message: no receipt ever left for a message that was not durably stored.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUserMessage, parseMimeMessage, readSignal, type BuiltUserMessage } from '../../src/as4/index.js';
import { PROJECT_ROOT } from '../../src/config/index.js';
import { PeppolCertificateValidator, TrustStore } from '../../src/pki/index.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { SmpParticipantStore } from '../../src/store/participants-smp.js';
import { as4Fixture } from '../as4/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort, waitFor200 } from '../support/process.js';
import { BUYER, CREDIT_NOTE, header, INVOICE, INVOICE_XML, sbd } from './support.js';

const N = Number(process.env['CRASH_TEST_MESSAGES'] ?? 40);
const SENDERS = 4;
/** Each restart recompiles the sources (tsx) and schemas, so the number of kills is bounded. */
const KILLS = Number(process.env['CRASH_TEST_KILLS'] ?? 3);

describe('inbound crash test (kill -9 while senders retry)', function () {
  this.timeout(600_000);
  const f = as4Fixture();
  // Certificates without a CRL distribution point: the child process has no CRL to fetch.
  const receiver = f.issue('POP000031', { noCrlDistributionPoint: true });
  const sender = f.issue('POP000032', { noCrlDistributionPoint: true });
  let db: TestDatabase;
  let dir: string;
  let port: number;
  let child: ChildProcess | null = null;
  let stderr = '';

  function start(): ChildProcess {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, {
      DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      AP_KEY_FILE: join(dir, 'ap.key'),
      AP_CERT_FILE: join(dir, 'ap.pem'),
      AP_ENDPOINT_URL: `http://127.0.0.1:${port}/as4`,
      PEPPOL_TRUST_FILE: join(dir, 'trust.pem'),
      INBOUND_VALIDATION_WORKERS: '0',
      INBOUND_SERVICED_CACHE_MS: '0',
    });
    const c = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), 'serve'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    return c;
  }

  async function up(): Promise<void> {
    child = start();
    await waitFor200(`http://127.0.0.1:${port}/healthz`, 60_000, child);
  }

  async function kill(): Promise<void> {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  }

  before(async () => {
    db = await createTestDatabase({ prefix: 'ap_crash' });
    dir = mkdtempSync(join(tmpdir(), 'ap-crash-'));
    writeFileSync(join(dir, 'ap.key'), receiver.keyPem);
    writeFileSync(join(dir, 'ap.pem'), receiver.certPem);
    writeFileSync(join(dir, 'trust.pem'), [...f.pki.trustedPems.roots, ...f.pki.trustedPems.ap, ...f.pki.trustedPems.smp].join('\n'));
    const participants = new SmpParticipantStore(db.knex);
    await participants.addParticipant({ participant: parseParticipantId(BUYER) });
    for (const d of [INVOICE, CREDIT_NOTE]) await participants.addCapability(parseParticipantId(BUYER), { documentType: d.documentType, process: d.process });
    port = await freePort();
  });

  after(async () => {
    await kill();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`stores each of ${N} messages exactly once, and every receipt sent matches a committed message`, async () => {
    const messages: BuiltUserMessage[] = [];
    for (let i = 0; i < N; i++) {
      messages.push(
        await buildUserMessage({
          header: header({ fromPartyId: 'POP000032', toPartyId: 'POP000031' }),
          payload: sbd({ xml: INVOICE_XML.toString().replace('Snippet1', `CRASH-${i}`) }),
          sender: f.identity(sender),
          receiverCertificate: receiver.cert,
        }),
      );
    }
    await up();

    const receipts = new Map<string, Buffer[]>();
    let attempts = 0;
    let failures = 0;
    let cutInFlight = 0;
    let next = 0;
    let done = false;
    const senders = Array.from({ length: SENDERS }, async () => {
      for (;;) {
        const i = next++;
        if (i >= messages.length) return;
        const m = messages[i]!;
        for (;;) {
          attempts++;
          try {
            const res = await fetch(`http://127.0.0.1:${port}/as4`, { method: 'POST', headers: { 'content-type': m.contentType }, body: new Uint8Array(m.body), signal: AbortSignal.timeout(20_000) });
            const body = Buffer.from(await res.arrayBuffer());
            if (res.status === 200) {
              const list = receipts.get(m.messageId) ?? [];
              list.push(body);
              receipts.set(m.messageId, list);
              // A lost receipt is simulated by re-sending some messages once more after success.
              if (i % 5 === 0 && list.length === 1) continue;
              break;
            }
            if (process.env['CRASH_TEST_DEBUG']) console.log(res.status, body.toString().slice(0, 600));
            failures++;
          } catch (err) {
            if (process.env['CRASH_TEST_DEBUG']) console.log(String(err));
            // Refused: the server is down. Anything else: the connection died with the request in flight.
            if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') cutInFlight++;
            failures++; // connection refused or reset: the server is down, retry
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    });
    // The killer: SIGKILL at random moments, then restart. The moments are tied to progress (a kill once a
    // given share of the messages has receipts, plus a random delay), not to wall-clock time, so that a fast
    // machine cannot finish every message before the first kill.
    let kills = 0;
    const killer = (async () => {
      while (!done && kills < KILLS) {
        const threshold = Math.floor((N * (kills + 1)) / (KILLS + 2)) + Math.floor(Math.random() * 3);
        while (!done && receipts.size < threshold) await new Promise((r) => setTimeout(r, 2));
        await new Promise((r) => setTimeout(r, Math.random() * 30));
        if (done) break;
        await kill();
        kills++;
        await up();
      }
    })();
    await Promise.all(senders);
    done = true;
    await killer;

    // Every message got a receipt; all receipts for one message are the single stored receipt.
    assert.equal(receipts.size, N);
    const recs = await db.knex('as4_messages').where({ direction: 'inbound' }).select('message_id', 'receipt', 'document_id');
    assert.equal(recs.length, N, 'one record per message');
    const byId = new Map(recs.map((r) => [r.message_id as string, r]));
    for (const m of messages) {
      const rec = byId.get(m.messageId);
      assert.ok(rec, `message ${m.messageId} stored`);
      for (const r of receipts.get(m.messageId)!) assert.deepEqual(r, Buffer.from(rec.receipt), 'the receipt sent is the committed one');
    }
    const docs = await db.knex('documents').where({ direction: 'inbound' }).select('id', 'invoice_number');
    assert.equal(docs.length, N, 'one document per message');
    const first = messages[0]!;
    const check = await readSignal(parseMimeMessage('application/soap+xml', receipts.get(first.messageId)![0]!), {
      // This receiver certificate has no CRL distribution point: check the chain, not revocation.
      certificateValidator: new PeppolCertificateValidator({
        trustStore: TrustStore.create({ roots: f.pki.trustedPems.roots, ap: f.pki.trustedPems.ap }),
        revocation: { mode: 'off' },
      }),
      sent: { messageId: first.messageId, signatureReferences: first.signatureReferences },
    });
    assert.equal(check.kind, 'receipt');

    // Documents stored before a kill but not routed are recovered at start-up.
    // Validation runs in a worker after each restart; on a loaded machine it needs time, so wait up to a minute.
    for (let i = 0; i < 300; i++) {
      const left = Number((await db.knex('documents').where({ status: 'received' }).count('* as n'))[0]!.n);
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(Number((await db.knex('documents').where({ status: 'received' }).count('* as n'))[0]!.n), 0, 'every document routed after recovery');
    const numbers = await db.knex('documents').where({ direction: 'inbound' }).pluck('invoice_number');
    assert.equal(new Set(numbers).size, N, 'each invoice once');
    console.log(`      ${N} messages, ${attempts} POSTs, ${failures} failed attempts (${cutInFlight} cut in flight by a kill), ${kills} kills`);
    assert.ok(kills >= 2, `the server was killed ${kills} times`);
    assert.equal(stderr.includes('ERR_'), false, stderr);
  });
});
