/**
 * The export of a tenant's period: over the API (tenant-scoped, as the OpenAPI document describes it),
 * a ZIP of the original XMLs, receipts, validation reports and events with a manifest and the chain proof
 * to a signed checkpoint, which `peppol-ap archive verify-export` checks after the database is dropped;
 * a file changed in the ZIP is named.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import { verifyExport } from '../../src/archive/export.js';
import { apiAuthentication, buildServices, queueWithoutDelivery } from '../../src/composition/index.js';
import { archiveRouter } from '../../src/http/archive.js';
import { createApp } from '../../src/http/app.js';
import { InflightBudget } from '../../src/http/body-budget.js';
import { createLogger } from '../../src/log.js';
import { bearer, createKey, testAuth } from '../support/auth.js';
import { runCliProcess } from '../support/process.js';
import { archiveAll, fileAndAcknowledge, OTHER_BUYER, receive, startArchiveEnv, submit, type ArchiveEnv } from './support.js';

describe('archive: an export that verifies offline', function () {
  this.timeout(120_000);
  let env: ArchiveEnv;
  let server: Server;
  let base: string;
  let tenantKey: Record<string, string>;
  let operatorKey: Record<string, string>;
  let webhooksOnly: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'ap-archive-export-'));
  const own: string[] = [];
  let otherTenant: string;

  before(async () => {
    env = await startArchiveEnv({ prefix: 'ap_archive_export' });
    const auth = testAuth(env.stores);
    const services = buildServices(
      { rejectedPayloadBytesPerDay: 0, idempotencyKeyRetentionHours: 24 },
      { stores: env.stores, auth, validation: null as never, outbound: queueWithoutDelivery(env.db.knex, { maxAttempts: 1, firstAttemptGraceMs: 0 }), archive: env.archive.service },
    );
    tenantKey = bearer((await createKey(services.tenants, env.tenantId, ['send', 'inbox'])).secret);
    operatorKey = bearer((await createKey(services.tenants, null, ['admin'])).secret);
    webhooksOnly = bearer((await createKey(services.tenants, env.tenantId, ['webhooks'])).secret);
    const app = createApp({
      logger: createLogger('silent'),
      authenticate: apiAuthentication(auth, env.stores),
      documents: { documents: services.documents, maxDocumentBytes: 1 << 20, bodies: new InflightBudget(1 << 22) },
      readiness: {},
      mounts: [{ path: '/api/v1', router: archiveRouter({ archive: services.archive! }) }],
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The tenant's traffic, interleaved with another tenant's, whose entries the proof shows only as leaves.
    for (let i = 0; i < 6; i++) {
      const id = await receive(env);
      await fileAndAcknowledge(env, id);
      own.push(id, await submit(env));
      await receive(env, OTHER_BUYER);
    }
    otherTenant = (await env.db.knex('hosted_participants').where({ identifier: OTHER_BUYER }).first()).tenant_id;
    await archiveAll(env);
  });
  after(async () => {
    server?.close();
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const period = () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    return `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  };

  it('is tenant-scoped: a tenant key exports its own, an operator names the tenant, another tenant is not found', async () => {
    assert.equal((await fetch(`${base}/api/v1/archive/export?${period()}&tenant=${otherTenant}`, { headers: tenantKey })).status, 404);
    assert.equal((await fetch(`${base}/api/v1/archive/export?${period()}`, { headers: operatorKey })).status, 400);
    assert.equal((await fetch(`${base}/api/v1/archive/export?${period()}&tenant=00000000-0000-4000-8000-000000000000`, { headers: operatorKey })).status, 404);
    assert.equal((await fetch(`${base}/api/v1/archive/export?${period()}`, { headers: webhooksOnly })).status, 403);
    assert.equal((await fetch(`${base}/api/v1/archive/export?from=yesterday&to=2026-12-01`, { headers: tenantKey })).status, 400);
    const byOperator = await fetch(`${base}/api/v1/archive/export?${period()}&tenant=${otherTenant}`, { headers: operatorKey });
    assert.equal(byOperator.status, 200);
    const result = verifyExport(new Uint8Array(await byOperator.arrayBuffer()));
    assert.equal(result.ok, true, result.problems.join('; '));
    assert.equal(result.tenantId, otherTenant);
    assert.equal(result.documents, 6);
  });

  it('says so when the archive lost a copy that retention did not purge', async () => {
    const key = `document/${own[2]}`;
    const copy = (await env.payloadStores.archive.get(key))!;
    await env.payloadStores.archive.delete(key);
    try {
      const res = await fetch(`${base}/api/v1/archive/export?${period()}`, { headers: tenantKey });
      const result = verifyExport(new Uint8Array(await res.arrayBuffer()));
      assert.equal(result.ok, false);
      assert.deepEqual(result.problems, [`documents/${own[2]}/document.xml: the archive did not have these bytes when it exported them, and retention had not purged them`]);
    } finally {
      await env.payloadStores.archive.put(key, copy);
    }
  });

  it('holds the original XMLs, receipts, reports and events, a manifest and the chain proof, and verifies after the database is dropped', async () => {
    const res = await fetch(`${base}/api/v1/archive/export?${period()}`, { headers: tenantKey });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/zip');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="archive-[0-9a-f-]+-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.zip"$/);
    const zip = new Uint8Array(await res.arrayBuffer());
    const files = unzipSync(zip);
    const manifest = JSON.parse(strFromU8(files['manifest.json']!));
    assert.deepEqual(new Set(manifest.documents.map((d: { documentId: string }) => d.documentId)), new Set(own));
    const first = own[0]!;
    assert.equal(strFromU8(files[`documents/${first}/document.xml`]!), (await env.stores.documents.payload(first))!.toString());
    assert.ok(files[`documents/${first}/receipt-1.xml`], 'the receipt');
    assert.ok(files[`documents/${own[1]}/validation-report.json`], 'the validation report');
    assert.equal(Object.keys(files).filter((p) => p.startsWith(`documents/${first}/events/`)).length, 3, 'the three events of a received, filed, acknowledged invoice');
    const proof = strFromU8(files['proof.jsonl']!).trim().split('\n').slice(1).map((l) => JSON.parse(l));
    assert.ok(proof.some((l) => 'leaf' in l) && proof.some((l) => 'contentSha256' in l), 'own entries in full, others as leaves');
    assert.ok(!strFromU8(files['proof.jsonl']!).includes(OTHER_BUYER));
    const zipFile = join(dir, 'export.zip');
    writeFileSync(zipFile, zip);
    const certFile = join(dir, 'ap.pem');
    writeFileSync(certFile, env.cert.certPem);

    // The same export by the command line, as an operator.
    const cliZip = join(dir, 'cli.zip');
    const [from, to] = [new Date(Date.now() - 3_600_000).toISOString(), new Date(Date.now() + 3_600_000).toISOString()];
    const exported = await runCliProcess(['archive', 'export', '--tenant', env.tenantId, '--from', from, '--to', to, '--out', cliZip], { DATABASE_URL: env.db.url });
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(JSON.parse(exported.stdout).documents, own.length);

    // No database: dropped, and the command is pointed at it anyway.
    const url = env.db.url;
    await env.close();
    const cli = await runCliProcess(['archive', 'verify-export', zipFile, '--cert', certFile], { DATABASE_URL: url });
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    const out = JSON.parse(cli.stdout);
    assert.equal(out.ok, true);
    assert.equal(out.documents, own.length);
    assert.match(out.checkpoint.signer, /CN=POP000009/);
    const fromCli = await runCliProcess(['archive', 'verify-export', cliZip, '--cert', certFile], {});
    assert.equal(fromCli.code, 0, fromCli.stdout);

    // One byte of one invoice changed (and its manifest hash with it): named, and the command fails.
    const tampered = { ...files, [`documents/${first}/document.xml`]: Buffer.from(strFromU8(files[`documents/${first}/document.xml`]!).replace('ARCH-', 'ARCX-')) };
    const m = JSON.parse(strFromU8(files['manifest.json']!));
    const { createHash } = await import('node:crypto');
    for (const f of m.files) if (f.path === `documents/${first}/document.xml`) f.sha256 = createHash('sha256').update(tampered[f.path]!).digest('hex');
    tampered['manifest.json'] = Buffer.from(JSON.stringify(m));
    const tamperedFile = join(dir, 'tampered.zip');
    writeFileSync(tamperedFile, zipSync(tampered));
    const bad = await runCliProcess(['archive', 'verify-export', tamperedFile], {});
    assert.equal(bad.code, 1);
    assert.match(JSON.parse(bad.stdout).problems.join('\n'), new RegExp(`documents/${first}/document.xml: its SHA-256 is not the one archive entry \\d+ chains`));
    // A certificate other than the one that signed: the checkpoint does not verify.
    const otherCert = join(dir, 'other.pem');
    const { pki } = await import('./support.js');
    writeFileSync(otherCert, pki.issueAp('POP000123', { keyBits: 2048 }).certPem);
    const wrongCert = await runCliProcess(['archive', 'verify-export', zipFile, '--cert', otherCert], {});
    assert.equal(wrongCert.code, 1);
    assert.match(wrongCert.stdout, /signature does not verify/);
  });
});
