/**
 * The sandbox (src/composition/sandbox.ts): the access point as `serve` starts it with no AP key. A test
 * PKI is generated in SANDBOX_DIR on the first start and reused on the next; the two demo participants
 * are hosted; an invoice from one arrives in the other's inbox; a receiver hosted elsewhere is refused
 * without the SML; /healthz and /readyz say `sandbox: true`; PEPPOL_ENVIRONMENT=production refuses it.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxDemo, SANDBOX_SEAT_ID } from '../../src/composition/sandbox.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { startAccessPoint, type AccessPoint } from '../../src/main.js';
import { PeppolCertificateValidator, TrustStore } from '../../src/pki/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { runCliProcess } from '../support/process.js';
import { ublDocument } from './harness.js';

const [SUPPLIER, BUYER] = sandboxDemo.participants;

describe('sandbox: serve without an AP key', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let dir: string;
  let ap: AccessPoint | undefined;
  const files = () => ['ap.key', 'ap.pem', 'trust.pem'].map((f) => readFileSync(join(dir, f), 'utf8'));
  const start = () =>
    startAccessPoint(
      loadConfig({ DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', SANDBOX_DIR: dir, OUTBOUND_POLL_INTERVAL_MS: '50' }),
      createLogger('silent'),
    );

  before(async () => {
    db = await createTestDatabase({ prefix: 'sandbox' });
    dir = join(mkdtempSync(join(tmpdir(), 'sandbox-')), 'pki');
    ap = await start();
  });
  after(async () => {
    await ap?.shutdown('test done');
    await db?.drop();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  // The demo tenant's key, as the start printed it: it sends for one demo participant and reads the other's inbox.
  const json = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${ap!.url}${path}`, { ...init, headers: { authorization: `Bearer ${ap!.demo!.apiKey}`, ...(init.headers ?? {}) } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const inbox = (participant: string) => json(`/api/v1/inbox/${encodeURIComponent(participant)}/documents`);
  const submit = (xml: Buffer) => json('/api/v1/documents', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: new Uint8Array(xml) });
  async function waitFor(id: string, status: string) {
    const end = Date.now() + 30_000;
    for (;;) {
      const { body } = await json(`/api/v1/documents/${id}`);
      if (body.status === status) return body;
      if (Date.now() > end) assert.fail(`document ${id} is ${body.status}, not ${status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('generates a test PKI on the first start: the key readable by its owner only, the AP certificate valid under its trust file', async () => {
    assert.equal(statSync(join(dir, 'ap.key')).mode & 0o777, 0o600);
    const [, certPem, trustPem] = files();
    const cert = new X509Certificate(certPem!);
    assert.match(cert.subject, new RegExp(`^CN=${SANDBOX_SEAT_ID}\nOU=PEPPOL TEST AP\n`));
    const validator = new PeppolCertificateValidator({ trustStore: TrustStore.fromBundle(trustPem!), revocation: { mode: 'off', softFail: true } });
    const checked = await validator.validate(cert, { purpose: 'ap' });
    assert.equal(checked.seatId, SANDBOX_SEAT_ID);
    assert.match(checked.issuer, /FOR TEST ONLY - LOCAL SANDBOX/);
  });

  it('says sandbox: true in /healthz and /readyz', async () => {
    assert.deepEqual((await json('/healthz')).body, { status: 'ok', sandbox: true });
    const ready = await json('/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.sandbox, true);
  });

  it('delivers an invoice from one demo participant into the inbox of the other', async () => {
    assert.deepEqual((await inbox(BUYER!)).body.documents, []);
    const submitted = await submit(ublDocument('invoice', SUPPLIER!, BUYER!));
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const sent = await waitFor(submitted.body.id, 'delivered');
    const received = (await inbox(BUYER!)).body.documents as Array<{ id: string; sender: string }>;
    assert.equal(received.length, 1);
    // Test data, both the sent document and the copy the buyer received.
    assert.equal(submitted.body.sandbox, true);
    assert.equal(sent.sandbox, true);
    assert.equal((await json(`/api/v1/documents/${received[0]!.id}`)).body.sandbox, true);
  });

  it('refuses a receiver that is not hosted here without asking the SML: undeliverable', async () => {
    const submitted = await submit(ublDocument('invoice', SUPPLIER!, '0208:0203201340'));
    const doc = await waitFor(submitted.body.id, 'undeliverable');
    assert.match(JSON.stringify(doc.events), /the sandbox never asks the Peppol SML/);
  });

  it('prints a demo API key of a sandbox tenant owning both demo participants, kept 0600 in SANDBOX_DIR', async () => {
    const demo = ap!.demo!;
    assert.match(demo.apiKey, /^pap_[a-z2-7]{16}_[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(join(dir, 'demo-api-key')).mode & 0o777, 0o600);
    const tenant = (await json(`/api/v1/tenants/${demo.tenantId}`)).body;
    assert.equal(tenant.sandbox, true);
    assert.deepEqual((await json(`/api/v1/tenants/${demo.tenantId}/participants`)).body.participants.sort(), sandboxDemo.participants.map((p) => `iso6523-actorid-upis::${p}`).sort());
    assert.equal((await fetch(`${ap!.url}/api/v1/documents`)).status, 401, 'without the key');
  });

  it('reuses the PKI, the hosted participants and the demo key on the next start', async () => {
    const before = files();
    const key = ap!.demo!.apiKey;
    await ap!.shutdown('restart');
    ap = await start();
    assert.deepEqual(files(), before);
    assert.equal(ap.demo!.apiKey, key);
    assert.equal((await inbox(BUYER!)).body.documents.length, 1);
    const again = await submit(ublDocument('creditnote', BUYER!, SUPPLIER!));
    await waitFor(again.body.id, 'delivered');
  });

  it('is refused under PEPPOL_ENVIRONMENT=production, in one line, before anything is written', async () => {
    const elsewhere = join(dir, '..', 'production');
    const run = await runCliProcess(['serve'], { PEPPOL_ENVIRONMENT: 'production', SANDBOX_DIR: elsewhere, DATABASE_URL: db.url, PORT: '0', AP_KEY_FILE: undefined, AP_CERT_FILE: undefined, AP_ENDPOINT_URL: undefined });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /PEPPOL_ENVIRONMENT=production needs our AP key: set AP_KEY_FILE, AP_CERT_FILE and AP_ENDPOINT_URL/);
    assert.ok(!existsSync(elsewhere));
  });
});
