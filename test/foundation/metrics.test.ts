/**
 * GET /metrics of the access point as `serve` starts it: after real traffic (an AS4 message stored, one
 * stored and rejected by validation, one refused; a document submitted over the API and rejected) the
 * counters moved and the histograms counted, the job queue and the certificate expiry are read; then the
 * settings that move the endpoint to its own port and put it behind a token.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUserMessage } from '../../src/as4/index.js';
import { SCOPES } from '../../src/auth/principal.js';
import { createTestPki } from '../../src/testing/test-pki.js';
import { BASE_INVOICE } from '../support/artifacts.js';
import { bearer, createKey, createTenant, supplierOf } from '../support/auth.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { TEST_SML_ZONE } from '../support/discovery.js';
import { parseExposition, sampleValue, type Family } from '../support/prometheus-text.js';
import { startServedAp, type ServedAp } from '../support/served-ap.js';
import { BUYER, header, INVOICE_XML, sbd } from '../inbound/support.js';

const ENV = { SML_ZONE: TEST_SML_ZONE, SML_DNS_SERVERS: '127.0.0.1:9', INBOUND_VALIDATION_WORKERS: '0' };

async function scrape(url: string, init: RequestInit = {}): Promise<Map<string, Family>> {
  const res = await fetch(url, init);
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

describe('metrics of the served access point', function () {
  this.timeout(120_000);
  const pki = createTestPki();

  describe('on the main port, after traffic', () => {
    let served: ServedAp;
    let receiver: WebhookReceiver;
    let families: Map<string, Family>;
    const cert = pki.issueAp('PBE000711');

    before(async () => {
      receiver = await WebhookReceiver.start();
      served = await startServedAp({ prefix: 'ap_metrics', ap: cert, trust: pki.trustedPems, smp: pki.issueSmp('SMP METRICS'), env: { ...ENV, WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true' } });
      const { ap } = served;
      const auth = bearer((await createKey(served.tenants, null, [...SCOPES])).secret);
      const added = await fetch(`${ap.url}/api/v1/admin/participants`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ participant: BUYER, documentTypes: [{ documentType: 'invoice' }] }),
      });
      assert.equal(added.status, 201, await added.text());

      // Over AS4: a valid invoice (stored, then in the inbox), an XSD-invalid one (stored, then rejected), and no AS4 at all.
      const sender = pki.issueAp('PBE000712');
      const invalid = INVOICE_XML.toString().replace('<cbc:IssueDate>', '<cbc:Unexpected>1</cbc:Unexpected><cbc:IssueDate>');
      for (const [i, xml] of [INVOICE_XML, invalid].entries()) {
        const m = await buildUserMessage({
          header: header({ fromPartyId: 'PBE000712', toPartyId: 'PBE000711', messageId: `metrics-${i}@test` }),
          payload: sbd({ xml, instanceIdentifier: `metrics-instance-${i}` }),
          sender: { privateKey: createPrivateKey(sender.keyPem), certificate: sender.cert },
          receiverCertificate: cert.cert,
        });
        const res = await fetch(`${ap.url}/as4`, { method: 'POST', headers: { 'content-type': m.contentType }, body: new Uint8Array(m.body) });
        assert.equal(res.status, 200, await res.text());
      }
      assert.equal((await fetch(`${ap.url}/as4`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'not AS4' })).status, 415);

      // Over the API: an invalid invoice, rejected (422), which the tenant's webhook is told of.
      const text = readFileSync(BASE_INVOICE, 'utf8').replace('<cbc:IssueDate>', '<cbc:Unexpected>1</cbc:Unexpected><cbc:IssueDate>');
      const tenant = await createTenant(served.tenants, { name: 'Metrics sender', participants: [supplierOf(text)!] });
      const sending = bearer((await createKey(served.tenants, tenant.id, ['send', 'webhooks'])).secret);
      const hook = await fetch(`${ap.url}/api/v1/webhooks`, {
        method: 'POST',
        headers: { ...sending, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, eventTypes: ['document.rejected'] }),
      });
      assert.equal(hook.status, 201, await hook.clone().text());
      receiver.secrets = [((await hook.json()) as { secret: string }).secret];
      const submitted = await fetch(`${ap.url}/api/v1/documents`, { method: 'POST', headers: { ...sending, 'content-type': 'application/xml' }, body: text });
      assert.equal(submitted.status, 422, await submitted.text());

      // An id that is not a UUID (400, thrown by the route), and no key (401, before any route).
      assert.equal((await fetch(`${ap.url}/api/v1/documents/not-a-uuid`, { headers: auth })).status, 400);
      assert.equal((await fetch(`${ap.url}/api/v1/documents/not-a-uuid`)).status, 401);

      // A job of a kind no runner takes, due a minute ago: the queue depth and the runner's lag.
      await served.db.knex('jobs').insert({ kind: 'metrics-test', payload: {}, max_attempts: 1, run_at: served.db.knex.raw("now() - interval '60 seconds'") });

      // Both received documents filed (inbox or rejected), and the webhook delivered, before the scrape.
      await receiver.waitFor(1, 30_000);
      const end = Date.now() + 30_000;
      for (;;) {
        const left = await served.db.knex('documents').where({ direction: 'inbound', status: 'received' }).count<{ count: string }[]>('* as count');
        const pending = await served.db.knex('webhook_deliveries').whereNot({ status: 'succeeded' }).count<{ count: string }[]>('* as count');
        if (Number(left[0]!.count) === 0 && Number(pending[0]!.count) === 0) break;
        assert.ok(Date.now() < end, 'the received documents were never filed, or the webhook never delivered');
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(ap.metricsUrl, `${ap.url}/metrics`);
      families = await scrape(ap.metricsUrl);
    });

    after(async () => {
      await served?.close();
      await receiver?.close();
    });

    const value = (family: string, labels: Record<string, string> = {}, sample = family) => sampleValue(families, family, sample, labels);

    it('counts documents received, rejected by direction, and AS4 messages refused by error kind', () => {
      assert.equal(families.get('peppol_documents_received_total')?.type, 'counter');
      assert.equal(value('peppol_documents_received_total'), 2);
      assert.equal(value('peppol_documents_rejected_total', { direction: 'inbound' }), 1);
      assert.equal(value('peppol_documents_rejected_total', { direction: 'outbound' }), 1);
      assert.equal(value('peppol_as4_receive_errors_total', { reason: 'input.unsupported-media-type' }), 1);
      assert.equal(value('peppol_documents_sent_total', { via: 'as4' }), 0);
      assert.equal(value('peppol_webhook_attempts_total', { outcome: 'succeeded' }), 1);
      assert.equal(value('peppol_webhook_attempts_total', { outcome: 'failed' }), 0);
    });

    it('times AS4 receptions and validations in histograms', () => {
      assert.equal(families.get('peppol_as4_receive_duration_seconds')?.type, 'histogram');
      assert.equal(value('peppol_as4_receive_duration_seconds', { outcome: 'stored' }, 'peppol_as4_receive_duration_seconds_count'), 2);
      assert.equal(value('peppol_as4_receive_duration_seconds', { outcome: 'error' }, 'peppol_as4_receive_duration_seconds_count'), 1);
      assert.ok(value('peppol_as4_receive_duration_seconds', { outcome: 'stored' }, 'peppol_as4_receive_duration_seconds_sum')! > 0);
      // Received: one valid, one invalid; submitted: one invalid; the business responses answering them are validated too.
      assert.ok(value('peppol_validation_duration_seconds', { outcome: 'valid' }, 'peppol_validation_duration_seconds_count')! >= 1);
      assert.equal(value('peppol_validation_duration_seconds', { outcome: 'invalid' }, 'peppol_validation_duration_seconds_count'), 2);
      assert.equal(families.get('peppol_as4_send_duration_seconds')?.type, 'histogram');
    });

    it('counts API requests by route template and status class', () => {
      assert.equal(value('peppol_api_requests_total', { method: 'POST', route: '/api/v1/documents', status_class: '4xx' }), 1);
      assert.equal(value('peppol_api_requests_total', { method: 'POST', route: '/api/v1/admin/participants', status_class: '2xx' }), 1);
      assert.equal(value('peppol_api_requests_total', { method: 'GET', route: '/api/v1/documents/:id', status_class: '4xx' }), 1);
      assert.equal(value('peppol_api_requests_total', { method: 'GET', route: '(unmatched)', status_class: '4xx' }), 1);
      const routes = (families.get('peppol_api_requests_total')?.samples.get('peppol_api_requests_total') ?? []).map((s) => s.labels['route']);
      assert.ok(routes.every((r) => !r?.includes('not-a-uuid')), `paths, not templates: ${routes.join(', ')}`);
    });

    it('reads the job queue at scrape time: depth per kind and status, and how long the oldest due job waited', () => {
      assert.equal(value('peppol_job_queue_depth', { kind: 'metrics-test', status: 'queued' }), 1);
      const lag = value('peppol_job_runner_lag_seconds', { kind: 'metrics-test' })!;
      assert.ok(lag >= 60 && lag < 600, `lag ${lag}`);
    });

    it('gives the AP certificate expiry and the process metrics', () => {
      const notAfter = new Date(new X509Certificate(cert.certPem).validTo).getTime() / 1000;
      assert.equal(value('peppol_ap_certificate_expiry_timestamp_seconds', { certificate: 'current' }), notAfter);
      assert.equal(value('peppol_ap_certificate_expiry_timestamp_seconds', { certificate: 'previous' }), undefined);
      assert.ok(value('process_resident_memory_bytes')! > 0);
      assert.ok(families.has('nodejs_eventloop_lag_seconds'));
    });
  });

  describe('on a port of its own, behind a token', () => {
    let served: ServedAp;
    let dir: string;
    const token = 'metrics-token-0123456789abcdef';
    // In a certificate rollover: the one being replaced is AP_PREVIOUS_*.
    const previous = pki.issueAp('PBE000713');

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'metrics-token-'));
      writeFileSync(join(dir, 'token'), `${token}\n`);
      writeFileSync(join(dir, 'previous.key'), previous.keyPem);
      writeFileSync(join(dir, 'previous.pem'), previous.certPem);
      served = await startServedAp({
        prefix: 'ap_metrics_apart',
        ap: pki.issueAp('PBE000713'),
        trust: pki.trustedPems,
        env: { ...ENV, METRICS_PORT: '0', METRICS_TOKEN_FILE: join(dir, 'token'), AP_PREVIOUS_KEY_FILE: join(dir, 'previous.key'), AP_PREVIOUS_CERT_FILE: join(dir, 'previous.pem') },
      });
    });

    after(async () => {
      await served?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('is not on the main port, and only /metrics is on its own', async () => {
      const { url, metricsUrl } = served.ap;
      assert.ok(metricsUrl && !metricsUrl.startsWith(`${url}/`), String(metricsUrl));
      assert.equal((await fetch(`${url}/metrics`, { headers: bearer(token) })).status, 404);
      assert.equal((await fetch(new URL('/healthz', metricsUrl))).status, 404);
    });

    it('answers 401 without the token or with another, 200 with it', async () => {
      const metricsUrl = served.ap.metricsUrl!;
      const without = await fetch(metricsUrl);
      assert.equal(without.status, 401);
      assert.equal(without.headers.get('www-authenticate'), 'Bearer realm="metrics"');
      assert.equal((await fetch(metricsUrl, { headers: bearer(`${token}x`) })).status, 401);
      assert.equal((await fetch(metricsUrl, { headers: { authorization: token } })).status, 401);
      const families = await scrape(metricsUrl, { headers: bearer(token) });
      assert.equal(sampleValue(families, 'peppol_documents_received_total', 'peppol_documents_received_total'), 0);
      const notAfter = new Date(new X509Certificate(previous.certPem).validTo).getTime() / 1000;
      assert.equal(sampleValue(families, 'peppol_ap_certificate_expiry_timestamp_seconds', 'peppol_ap_certificate_expiry_timestamp_seconds', { certificate: 'previous' }), notAfter);
    });
  });

  it('is not served at all with METRICS_ENABLED=false', async () => {
    const served = await startServedAp({ prefix: 'ap_metrics_off', ap: pki.issueAp('PBE000714'), trust: pki.trustedPems, env: { ...ENV, METRICS_ENABLED: 'false' } });
    try {
      assert.equal(served.ap.metricsUrl, null);
      assert.equal((await fetch(`${served.ap.url}/metrics`)).status, 404);
    } finally {
      await served.close();
    }
  });
});
