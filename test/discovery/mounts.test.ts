import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { loadConfig } from '../../src/config/index.js';
import { errorHandler, notFound } from '../../src/http/errors.js';
import { requestLog } from '../../src/http/request-log.js';
import { createLogger } from '../../src/log.js';
import { ADMIN_API_PATH } from '../../src/http/discovery-mounts.js';
import { apiAuthentication, buildDiscoveryMounts, buildServices, buildStores, queueWithoutDelivery } from '../../src/composition/index.js';
import { smpParts } from '../../src/main.js';
import { ParticipantsService } from '../../src/services/participants.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { DnsZone, LocalZoneSmlRegistrar } from '../../src/testing/local-dns.js';
import { smlDnsName } from '../../src/peppol/sml.js';
import { createTestPki } from '../../src/testing/test-pki.js';
import { bearer, createKey, testAuth } from '../support/auth.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('discovery mounts from configuration', () => {
  let db: TestDatabase;
  let dir: string;
  let server: http.Server;
  let base: string;
  let adminKey: string;
  const zone = new DnsZone('participant.sml.test.local');

  before(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'discovery-mounts-'));
    const pki = createTestPki();
    const smp = pki.issueSmp('SMP MOUNTED');
    const ap = pki.issueAp('PBE000002');
    writeFileSync(join(dir, 'smp.key'), smp.keyPem);
    writeFileSync(join(dir, 'smp.crt'), smp.certPem);
    writeFileSync(join(dir, 'ap.key'), ap.keyPem);
    writeFileSync(join(dir, 'ap.crt'), ap.certPem);
    writeFileSync(join(dir, 'trust.pem'), [...pki.trustedPems.roots, ...pki.trustedPems.ap, ...pki.trustedPems.smp].join('\n'));
    const app = express();
    // As createApp does: every API response carries X-Request-Id, which the OpenAPI conformance hook checks.
    app.use(requestLog(createLogger('silent')));
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = loadConfig({
      SMP_PUBLIC_URL: `${base}/smp`,
      SMP_KEY_FILE: join(dir, 'smp.key'),
      SMP_CERT_FILE: join(dir, 'smp.crt'),
      AP_ENDPOINT_URL: 'https://ap.test.local/as4',
      AP_KEY_FILE: join(dir, 'ap.key'),
      AP_CERT_FILE: join(dir, 'ap.crt'),
      PEPPOL_TRUST_FILE: join(dir, 'trust.pem'),
    });
    const stores = buildStores(db.knex);
    const published = smpParts(config)!;
    const participants = new ParticipantsService({ store: stores.participants, sml: { registrar: new LocalZoneSmlRegistrar(zone), smpBaseUrl: published.publicUrl } });
    const auth = testAuth(stores);
    const services = { ...buildServices({ rejectedPayloadBytesPerDay: 0, idempotencyKeyRetentionHours: 24 }, { stores, validation: null as never, outbound: queueWithoutDelivery(db.knex, { maxAttempts: 1, firstAttemptGraceMs: 0 }), auth }), participants };
    adminKey = (await createKey(services.tenants, null, ['participants'])).secret;
    app.use('/api/v1', apiAuthentication(auth, stores));
    for (const m of buildDiscoveryMounts({ services, stores, smp: published })) app.use(m.path, m.router);
    app.use(notFound);
    app.use(errorHandler);
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('mounts the SMP at the path of SMP_PUBLIC_URL and the admin API, registering added participants', async () => {
    const res = await fetch(`${base}${ADMIN_API_PATH}/participants`, {
      method: 'POST',
      headers: { ...bearer(adminKey), 'content-type': 'application/json' },
      body: JSON.stringify({ participant: '0208:0123456749', documentTypes: [{ documentType: 'invoice' }] }),
    });
    assert.equal(res.status, 201);
    const p = parseParticipantId('0208:0123456749');
    assert.equal(zone.getNaptr(smlDnsName(p, zone.origin))?.[0]?.regexp, `!^.*$!${base}/smp!`);
    const group = await fetch(`${base}/smp/iso6523-actorid-upis%3A%3A0208%3A0123456749`);
    assert.equal(group.status, 200);
    assert.match(await group.text(), new RegExp(`href="${base}/smp/iso6523-actorid-upis%3A%3A0208%3A0123456749/services/busdox-docid-qns%3A%3A`));
    // Paths that are not SMP paths fall through to the 404 handler.
    assert.equal((await fetch(`${base}/smp/healthz`)).status, 404);
  });

  it('refuses configuration with half of the SMP settings', () => {
    assert.throws(() => loadConfig({ SMP_PUBLIC_URL: 'https://x/smp' }), /go together/);
    assert.throws(() => loadConfig({ SML_DNS_SERVERS: 'not-an-ip' }), /SML_DNS_SERVERS/);
  });
});
