/**
 * Database faults under load: a `serve` process reaches PostgreSQL through a TCP proxy (the real server
 * is shared and never restarted) while senders keep posting signed and encrypted AS4 messages and API
 * submissions. The proxy first ends every connection as a restarting server does (FATAL 57P01 at a
 * message boundary), later resets them all (RST mid-query) and then refuses, and blackholes, new ones
 * for a few seconds. Throughout, every AS4 answer is a receipt for a message that is committed, or a
 * signed EBMS:0004 with HTTP 503 and Retry-After, which the sender retries; submissions get a 503 problem
 * with Retry-After; /readyz says 503 within its short timeout. Afterwards the same process (same pid)
 * takes everything again: each refused message stored exactly once, every submission delivered, no job
 * left running, and key revocation (LISTEN/NOTIFY) effective at once.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuiltUserMessage } from '../../src/as4/index.js';
import { buildStores } from '../../src/composition/index.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { commandLineCaller, TenantsService } from '../../src/services/tenants.js';
import { as4Fixture } from '../as4/fixtures.js';
import { BUYER, CREDIT_NOTE, header, INVOICE, INVOICE_XML, message, sbd, signal, SUPPLIER, type Posted } from '../inbound/support.js';
import { bearer, createKey, createTenant } from '../support/auth.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort, spawnCli, waitFor200 } from '../support/process.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { ublDocument } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface As4Answer {
  status: number;
  retryAfter: string | null;
  posted: Posted;
}

describe('serve when its database restarts and is unreachable under load', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'ap-dbfault-'));
  const file = (name: string, content: string | Buffer) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  let db: TestDatabase;
  let proxy: TcpProxy;
  let child: ReturnType<typeof spawnCli>;
  let base = '';
  let tenants: TenantsService;
  let tenantId = '';
  let sendKey = '';

  before(async () => {
    const f = as4Fixture();
    db = await createTestDatabase({ prefix: 'ap_dbfault' });
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(db.url).port || 5432) });
    const stores = buildStores(db.knex);
    const buyer = parseParticipantId(BUYER);
    await stores.participants.addParticipant({ participant: buyer, name: 'Public buyer' });
    for (const d of [INVOICE, CREDIT_NOTE]) await stores.participants.addCapability(buyer, { documentType: d.documentType, process: d.process });
    const hashKey = randomBytes(32);
    tenants = new TenantsService({ tenants: stores.tenants, keys: stores.apiKeys, audit: stores.audit, hashKey });
    tenantId = (await createTenant(tenants, { name: 'Supplier and buyer', participants: [SUPPLIER, BUYER] })).id;
    sendKey = (await createKey(tenants, tenantId, ['send', 'inbox'])).secret;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawnCli(['serve'], {
      DATABASE_URL: proxy.urlFor(db.url),
      API_KEY_HASH_KEY_FILE: file('hash.key', hashKey),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      AP_KEY_FILE: file('ap.key', f.receiver.keyPem),
      AP_CERT_FILE: file('ap.pem', f.receiver.certPem),
      AP_ENDPOINT_URL: `${base}/as4`,
      PEPPOL_TRUST_FILE: file('trust.pem', [...f.pki.trustedPems.roots, ...f.pki.trustedPems.ap, ...f.pki.trustedPems.smp].join('\n')),
      PKI_REVOCATION: 'off',
      INBOUND_VALIDATION_WORKERS: '0',
      OUTBOUND_POLL_INTERVAL_MS: '200',
      OUTBOUND_RETRY_INITIAL_MS: '300',
      OUTBOUND_RETRY_MAX_MS: '1000',
      // A submission whose claim committed before the fault holds its key this long; then the retry takes it over.
      IDEMPOTENCY_CLAIM_LEASE_SECONDS: '2',
    });
    try {
      await waitFor200(`${base}/readyz`, 90_000, child);
    } catch (err) {
      throw new Error(`${(err as Error).message}: ${child.output().stderr.slice(-3000)}`);
    }
  });

  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await proxy?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers receipts only for committed messages, 503 with Retry-After otherwise, tells the truth on /readyz and recovers by itself', async () => {
    const pid = child.pid;
    const built: BuiltUserMessage[] = [];
    const receipted = new Set<string>();
    const refused = new Map<string, BuiltUserMessage>();
    const unexpected: string[] = [];
    const submissions: Array<{ key: string; body: Uint8Array<ArrayBuffer>; id: string | null }> = [];
    const apiRefusals: number[] = [];
    const readyz: Array<{ status: number; ms: number; phase: string }> = [];
    let phase = 'before';
    let running = true;

    const postAs4 = async (m: BuiltUserMessage): Promise<As4Answer | null> => {
      const res = await fetch(`${base}/as4`, { method: 'POST', headers: { 'content-type': m.contentType }, body: new Uint8Array(m.body), signal: AbortSignal.timeout(30_000) }).catch(() => null);
      if (!res) return null;
      return { status: res.status, retryAfter: res.headers.get('retry-after'), posted: { status: res.status, contentType: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) } };
    };
    /** A receipt (verified against what was sent) or a retryable refusal; anything else is noted. */
    const classify = async (m: BuiltUserMessage, a: As4Answer | null): Promise<'receipt' | 'retry'> => {
      if (!a) {
        unexpected.push(`${m.messageId}: no answer (${phase})`);
        return 'retry';
      }
      const s = await signal(a.posted, m).catch((err: Error) => ({ kind: 'unreadable', err }) as const);
      if (a.status === 200 && s.kind === 'receipt') return 'receipt';
      if (a.status === 503 && s.kind === 'error' && a.retryAfter && /^\d+$/.test(a.retryAfter) && s.signal.errors.every((e) => e.errorCode === 'EBMS:0004')) return 'retry';
      unexpected.push(`${m.messageId}: HTTP ${a.status} ${s.kind} ${a.posted.body.toString('utf8').slice(0, 300)} (${phase})`);
      return 'retry';
    };

    let n = 0;
    const as4Sender = async () => {
      while (running) {
        const xml = INVOICE_XML.toString('utf8').replace('<cbc:ID>Snippet1</cbc:ID>', `<cbc:ID>DBFAULT-${process.pid}-${++n}</cbc:ID>`);
        const m = await message(sbd({ xml }), { header: header() });
        built.push(m);
        if ((await classify(m, await postAs4(m))) === 'receipt') receipted.add(m.messageId);
        else refused.set(m.messageId, m);
      }
    };
    const submit = async (s: { key: string; body: Uint8Array<ArrayBuffer> }) =>
      fetch(`${base}/api/v1/documents`, {
        method: 'POST',
        headers: { ...bearer(sendKey), 'content-type': 'application/xml', 'idempotency-key': s.key },
        body: s.body,
        signal: AbortSignal.timeout(30_000),
      }).catch(() => null);
    const apiSender = async () => {
      while (running) {
        const s = { key: randomUUID(), body: new Uint8Array(ublDocument('invoice', SUPPLIER, BUYER)), id: null as string | null };
        submissions.push(s);
        const r = await submit(s);
        if (r?.status === 201) s.id = ((await r.json()) as { id: string }).id;
        else if (r?.status === 503 && r.headers.get('content-type')?.startsWith('application/problem+json') && /^\d+$/.test(r.headers.get('retry-after') ?? '')) apiRefusals.push(503);
        else unexpected.push(`submission: HTTP ${r?.status} ${r ? (await r.text()).slice(0, 300) : 'no answer'} (${phase})`);
        await sleep(50);
      }
    };
    const readyzProbe = async () => {
      while (running) {
        const t0 = Date.now();
        const status = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0);
        readyz.push({ status, ms: Date.now() - t0, phase });
        await sleep(200);
      }
    };

    const load = [as4Sender(), as4Sender(), as4Sender(), apiSender(), readyzProbe()];
    await sleep(3_000);
    // (a) A restart as clients see it: every connection ended (FATAL 57P01), the server back at once.
    phase = 'restart';
    proxy.drop('shutdown');
    await sleep(3_000);
    // (b) A crash and an outage: connections reset, then new ones refused, then accepted and never answered.
    phase = 'refused';
    await proxy.refuse();
    proxy.drop('reset');
    await sleep(4_000);
    phase = 'blackhole';
    await proxy.blackhole();
    await sleep(7_000);
    phase = 'after';
    await proxy.pass();
    await waitFor200(`${base}/readyz`, 20_000);
    await sleep(3_000);
    running = false;
    await Promise.all(load);

    assert.equal(unexpected.length, 0, `every answer is a receipt or a retryable refusal:\n${unexpected.slice(0, 8).join('\n')}`);
    assert.ok(refused.size > 0, 'some AS4 messages were refused during the faults');
    assert.ok(apiRefusals.length > 0, 'some submissions got 503 during the faults');

    // Never a receipt for something not committed.
    const stored = async (ids: string[]) => (await db.knex('as4_messages').where({ direction: 'inbound' }).whereIn('message_id', ids).select('message_id', 'document_id')) as Array<{ message_id: string; document_id: string }>;
    const committed = new Set((await stored([...receipted])).map((r) => r.message_id));
    assert.deepEqual([...receipted].filter((id) => !committed.has(id)), [], 'receipts without a commit');

    // /readyz: 503 while unreachable, never hanging; 200 again after.
    for (const p of ['refused', 'blackhole']) assert.ok(readyz.some((r) => r.phase === p && r.status === 503), `/readyz 503 while ${p}: ${JSON.stringify(readyz.filter((r) => r.phase === p))}`);
    assert.ok(readyz.every((r) => r.ms < 4_000 && r.status !== 0), `/readyz within 4 s: ${JSON.stringify(readyz.filter((r) => r.ms >= 4_000 || r.status === 0))}`);
    assert.equal(readyz.at(-1)!.status, 200);

    // The senders retry: every refused message is stored exactly once.
    const retry = [...refused.values()];
    const resend = async () => {
      for (let m = retry.pop(); m; m = retry.pop()) {
        for (let attempt = 0; (await classify(m, await postAs4(m))) !== 'receipt'; attempt++) {
          assert.ok(attempt < 10, `${m.messageId}: no receipt after the faults`);
          await sleep(500);
        }
      }
    };
    await Promise.all([resend(), resend(), resend(), resend()]);
    assert.equal(unexpected.length, 0, `retries after the faults get receipts:\n${unexpected.slice(0, 8).join('\n')}`);
    const all = await stored(built.map((m) => m.messageId));
    assert.equal(all.length, built.length, 'every message stored');
    assert.equal(new Set(all.map((r) => r.document_id)).size, built.length, 'each once');

    // Submissions retried with their Idempotency-Key: one document each, each delivered (its job not lost or stuck).
    for (const s of submissions.filter((x) => !x.id)) {
      for (let attempt = 0; !s.id; attempt++) {
        const r = await submit(s);
        if (r?.status === 201 || r?.status === 200) s.id = ((await r.json()) as { id: string }).id;
        else if (r?.status === 409 && (await r.clone().text()).includes('api.business-duplicate')) {
          // The connection dropped while the submission's commit was in doubt: it had committed, the
          // caller got 503 and the key was freed; the retry names the stored original instead.
          s.id = ((await r.json()) as { details: { originalDocumentId: string } }).details.originalDocumentId;
        } else {
          const problem = r ? await r.text() : 'no answer';
          assert.ok(attempt < 40 && r?.status === 409 && problem.includes('api.request-in-progress'), `submission retry: HTTP ${r?.status} ${problem}`);
          await sleep(300);
        }
      }
    }
    const ids = submissions.map((s) => s.id!);
    assert.equal(new Set(ids).size, submissions.length);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const rows = (await db.knex('documents').whereIn('id', ids).select('id', 'status')) as Array<{ status: string }>;
      if (rows.every((r) => r.status === 'delivered')) break;
      assert.ok(Date.now() < deadline, `not delivered: ${JSON.stringify(rows.filter((r) => r.status !== 'delivered'))}`);
      await sleep(300);
    }
    const jobs = (await db.knex('jobs').whereNot({ status: 'done' }).select('kind', 'status', 'last_error_kind')) as Array<{ status: string }>;
    assert.deepEqual(jobs.filter((j) => j.status === 'running' || j.status === 'dead'), [], 'no job running or dead');

    // LISTEN/NOTIFY resumed: a revoked key is refused at once (not after the key cache's 60 s).
    const listening = Date.now() + 20_000;
    for (;;) {
      const k = await createKey(tenants, tenantId, ['inbox']);
      const inbox = `${base}/api/v1/inbox/${encodeURIComponent(BUYER)}/documents`;
      assert.equal((await fetch(inbox, { headers: bearer(k.secret) })).status, 200);
      await tenants.revokeKey(commandLineCaller('test'), k.id);
      await sleep(500);
      if ((await fetch(inbox, { headers: bearer(k.secret) })).status === 401) break;
      assert.ok(Date.now() < listening, 'a revoked key is still accepted: the notification listener did not come back');
    }

    assert.equal(child.exitCode, null, `the process is still running: ${child.output().stderr.slice(-2000)}`);
    assert.equal(child.pid, pid);
    assert.doesNotMatch(child.output().stderr, /unhandled|uncaught/i);
    console.log(`      ${built.length} AS4 messages (${refused.size} refused, retried), ${submissions.length} submissions (${apiRefusals.length} refused with 503), ${readyz.length} /readyz probes`);
  });
});
