/**
 * Access points for end-to-end tests, composed by the composition root's functions as src/main.ts composes
 * them, and served as the server serves them (AS4 on node:http before the express app): each with its own
 * database, its own seat-id certificate from the shared test PKI, its own SMP (signed, Postgres-backed),
 * its AS4 endpoint, inbox and documents API, and the outbound side with a real SML lookup through the
 * local DNS zone. The HTTP server can be stopped and started again on the same port (an AP that is down).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { pino } from 'pino';
import {
  buildAfterStoredHandlers,
  buildHttp,
  buildInbound,
  buildOutboundDelivery,
  buildServedHere,
  buildServices,
  buildStores,
  buildWebhooks,
  Closers,
} from '../../src/composition/index.js';
import { buildMetrics } from '../../src/composition/metrics.js';
import { buildBusinessResponses, publishMlsParticipant } from '../../src/composition/responses.js';
import { metricsEndpoint } from '../../src/http/metrics.js';
import { buildEmail, emailNotifications, outboundEmail, pickupHandler, type EmailService } from '../../src/composition/email.js';
import { buildReporting, type Reporting } from '../../src/composition/reporting.js';
import { loadConfig, type OutboundConfig, type ReportingConfig, type ResponsesConfig } from '../../src/config/index.js';
import { buildArchive, buildArchiveWork, type PayloadStores } from '../../src/composition/archive.js';
import type { ArchiveService } from '../../src/services/archive.js';
import { ARCHIVE_OBJECTS, PostgresPayloadStore } from '../../src/store/payloads.js';
import type { Knex } from 'knex';
import { InflightBudget } from '../../src/http/body-budget.js';
import type { OutboundService } from '../../src/jobs/outbound-service.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { knownDocumentType } from '../../src/peppol/document-types.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { PeppolLookup } from '../../src/peppol/lookup.js';
import type { InboundService } from '../../src/pipeline/inbound-service.js';
import { inlineValidationRunner, measuredValidationRunner, workerValidationRunner } from '../../src/pipeline/inbound-validation.js';
import type { ServedHere } from '../../src/pipeline/served-here.js';
import type { IssuedCertificate } from '../../src/testing/test-pki.js';
import type { As4Identity } from '../../src/as4/index.js';
import { createKnex } from '../../src/store/db.js';
import type { PostgresDocumentStore } from '../../src/store/documents.js';
import { PostgresJobStore } from '../../src/store/jobs.js';
import type { SmpParticipantStore } from '../../src/store/participants-smp.js';
import { createValidator, type Validator } from '../../src/validation/validator.js';
import { BASE_CREDIT_NOTE, BASE_INVOICE, SCHEMATRON_DIR, UBL_SCHEMAS_DIR } from '../support/artifacts.js';
import { bearer, createKey, createTenant, supplierOf, testAuth } from '../support/auth.js';
import { commandLineCaller } from '../../src/services/tenants.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startDiscoveryEnv, TEST_SML_ZONE, type DiscoveryEnv } from '../support/discovery.js';

export const INVOICE = knownDocumentType('invoice')!;
export const CREDIT_NOTE = knownDocumentType('creditnote')!;
export const INVOICE_RESPONSE = knownDocumentType('invoice-response')!;
const MAX_BYTES = 20 * 1024 * 1024;

let validatorPromise: Promise<Validator> | undefined;
/** The full validator (XSD + CEN + Peppol), compiled once per test run and shared by the APs. */
export function fullValidator(): Promise<Validator> {
  return (validatorPromise ??= createValidator({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: SCHEMATRON_DIR }));
}

/** A valid Belgian enterprise number (0208 scheme) from 8 digits: the last two are 97 − (n mod 97). */
export function belgianParticipant(n: number): string {
  const base = String(n).padStart(8, '0');
  return `0208:${base}${String(97 - (Number(base) % 97)).padStart(2, '0')}`;
}

let invoiceCounter = 0;
/** An official example with our sender/receiver EndpointIDs and a unique invoice number. */
export function ublDocument(kind: 'invoice' | 'creditnote', sender: string, receiver: string): Buffer {
  const xml = readFileSync(kind === 'invoice' ? BASE_INVOICE : BASE_CREDIT_NOTE, 'utf8');
  const [sIcd, sId] = sender.split(':') as [string, string];
  const [rIcd, rId] = receiver.split(':') as [string, string];
  const number = `E2E-${process.pid}-${++invoiceCounter}-${Date.now()}`;
  return Buffer.from(
    xml
      .replace('<cbc:ID>Snippet1</cbc:ID>', `<cbc:ID>${number}</cbc:ID>`)
      .replace('<cbc:EndpointID schemeID="0088">9482348239847239874</cbc:EndpointID>', `<cbc:EndpointID schemeID="${sIcd}">${sId}</cbc:EndpointID>`)
      .replace('<cbc:EndpointID schemeID="0002">FR23342</cbc:EndpointID>', `<cbc:EndpointID schemeID="${rIcd}">${rId}</cbc:EndpointID>`),
    'utf8',
  );
}

export const TEST_OUTBOUND_CONFIG: OutboundConfig = {
  transport: { connectTimeoutMs: 2000, responseTimeoutMs: 20_000, maxResponseBytes: 10 * 1024 * 1024, maxSockets: 32 },
  retry: { maxAttempts: 30, initialDelayMs: 150, multiplier: 1.5, maxDelayMs: 600 },
  circuit: { failureThreshold: 3, openMs: 300, maxOpenMs: 600 },
  concurrency: 16,
  pollIntervalMs: 50,
  firstAttemptGraceMs: 30_000,
  countryC1: null,
};

export interface TestAp {
  name: string;
  seatId: string;
  cert: IssuedCertificate;
  db: TestDatabase;
  url: string;
  smpUrl: string;
  documents: PostgresDocumentStore;
  participants: SmpParticipantStore;
  /** Where its payloads and archive copies are, and its archive (verify, export). */
  payloadStores: PayloadStores;
  archive: ArchiveService;
  /** The AP's one "served here" check (AS4 inbound and local delivery). */
  served: ServedHere;
  outbound: OutboundService;
  /** The AP's job runner (outbound delivery is its job kind). */
  jobs: JobRunner;
  inbound: InboundService;
  /** This access point's own MLS participant (`0242:<seat digits>`), published and registered in the SML. */
  mlsParticipant: string;
  /** The e-mail channel, when the AP was started with `email` settings. */
  email: EmailService | null;
  /** This access point's tenant (owner of every participant it hosts or sends for). */
  tenantId: string;
  /** The Authorization header of that tenant's key (all scopes). */
  authorization: Record<string, string>;
  /** The monthly Peppol reports, when started with `reporting`: their job kind is on this AP's runner; schedule() (what `serve` calls at start-up) is the test's to call. */
  reporting: Reporting | null;
  /**
   * Publishes a participant here (SMP capabilities for invoice, credit note and, unless
   * `invoiceResponses` is false, Invoice Response) and registers it in the SML.
   */
  host(participant: string, endpoint?: { url: string; certPem: string }, options?: { invoiceResponses?: boolean }): Promise<void>;
  submit(xml: Buffer): Promise<{ status: number; body: any }>;
  get(id: string): Promise<any>;
  /** Waits until the document is in one of `statuses` (or fails after timeoutMs). */
  waitFor(id: string, statuses: string[], timeoutMs?: number): Promise<any>;
  inbox(participant: string, path?: string): Promise<Response>;
  /** POST …/ack of an inbox document: picked up. */
  ack(participant: string, id: string): Promise<Response>;
  /** Gives a participant hosted here to this access point's tenant (host() and submit() do it). */
  own(participant: string): Promise<void>;
  /** GET of an API path with the key of this access point's tenant (all scopes); a JSON body makes it a POST. */
  api(path: string, body?: unknown): Promise<Response>;
  /** PUT of a JSON body to an API path with the key of this access point's tenant. */
  put(path: string, body: unknown): Promise<Response>;
  /** GET of an API path with an operator key (no tenant; all scopes). */
  operatorApi(path: string): Promise<Response>;
  /** The AP's SML/SMP lookup (its cache is what senders act on). */
  lookup: PeppolLookup;
  /**
   * Certificate rollover, as a rolling restart with AP_CERT_FILE set to a new certificate (same seat id)
   * and AP_PREVIOUS_CERT_FILE to the old one: a new inbound side signs with the new key and decrypts with
   * both, and the SMP publishes the new certificate; the old inbound side stops taking requests at once.
   */
  rollOver(): Promise<IssuedCertificate>;
  /** GET /metrics of this access point (Prometheus text format; the server's registry and recording). */
  metricsUrl: string;
  /** Stops answering HTTP (the AP is down) / answers again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Spool files of an access point (AS4_SPOOL_THRESHOLD_BYTES, AS4_SPOOL_DIR, AS4_MAX_MESSAGE_BYTES). */
export interface TestSpool {
  thresholdBytes: number;
  dir: string;
  maxBytes?: number;
}

export interface E2eNetwork {
  env: DiscoveryEnv;
  /** `inboundWorkers`: validate received documents in that many worker threads (default: inline). */
  /** `responses`: MLS_TYPE and MLS_CONFIRMATION_WAIT_MS of the AP (default FAILURE_ONLY). */
  /** `lookupCacheMs`: how long its SML/SMP answers are cached (default 15 minutes, as in production). */
  /** `email`: e-mail variables (SMTP_HOST, SMTP_PORT, EMAIL_FROM...) that turn the e-mail channel on. */
  /** `payloadStores`: where the AP keeps payloads and archive copies (default Postgres); its archive always runs. */
  /** `reporting`: send the monthly Peppol reports (the job kind registered, not yet scheduled); default off. */
  /** `spool`: large messages and API submissions past `thresholdBytes` go to files in `dir`, up to `maxBytes` (AS4_MAX_MESSAGE_BYTES); default: all in memory. */
  startAp(
    name: string,
    seatId: string,
    options?: {
      outbound?: Partial<OutboundConfig>;
      inboundWorkers?: number;
      responses?: Partial<ResponsesConfig>;
      lookupCacheMs?: number;
      email?: Record<string, string>;
      reporting?: ReportingConfig;
      payloadStores?: (knex: Knex) => PayloadStores;
      spool?: TestSpool;
    },
  ): Promise<TestAp>;
  close(): Promise<void>;
}

export async function startNetwork(): Promise<E2eNetwork> {
  const env = await startDiscoveryEnv();
  const aps: TestAp[] = [];
  return {
    env,
    async startAp(name, seatId, options = {}) {
      const ap = await startAp(env, name, seatId, { ...TEST_OUTBOUND_CONFIG, ...options.outbound }, options.inboundWorkers ?? 0, { ...DEFAULTS.responses, ...options.responses }, options.lookupCacheMs, options.email, options.reporting ?? null, options.payloadStores, options.spool);
      aps.push(ap);
      return ap;
    },
    async close() {
      for (const ap of aps) await ap.close();
      await env.close();
    },
  };
}

/** The configuration's defaults, for the parts tests do not set; webhooks may go to 127.0.0.1. */
const DEFAULTS = loadConfig({ WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true' });

async function startAp(
  env: DiscoveryEnv,
  name: string,
  seatId: string,
  outboundConfig: OutboundConfig,
  inboundWorkers: number,
  responsesConfig: ResponsesConfig,
  lookupCacheMs: number | undefined,
  emailEnv: Record<string, string> | undefined,
  reportingConfig: ReportingConfig | null,
  payloadStoresOf?: (knex: Knex) => PayloadStores,
  spool?: TestSpool,
): Promise<TestAp> {
  const maxMessageBytes = spool?.maxBytes ?? 100 * 1024 * 1024;
  const validator = await fullValidator();
  const cert = env.pki.issueAp(seatId);
  const identity = { privateKey: createPrivateKey(cert.keyPem), certificate: cert.cert };
  const testDb = await createTestDatabase({ prefix: `ap_e2e_${name.toLowerCase()}` });
  // The AP's own pool, sized like a served instance (the test database's default pool is small).
  const knex = createKnex({ url: testDb.url, poolMax: 20 });
  const db: TestDatabase = { ...testDb, knex };
  const payloadStores = payloadStoresOf?.(knex) ?? { payloads: new PostgresPayloadStore(knex), archive: new PostgresPayloadStore(knex, ARCHIVE_OBJECTS) };
  const stores = buildStores(knex, payloadStores.payloads);
  const { documents, participants } = stores;
  const logger = pino({ level: process.env['E2E_LOG'] ?? 'silent' });
  const closers = new Closers(logger);
  closers.push('database', async () => {
    await knex.destroy();
    await testDb.drop();
  });

  // The server first, so the AP knows its own URLs; the handler is attached once it is built.
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  let server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const smpUrl = `${url}/smp`;

  const ap = { identity, seatId, certificateValidator: env.validator };
  // The server's metrics registry and what records into it, so that tests can scrape an access point.
  const prometheus = buildMetrics({ jobs: new PostgresJobStore(knex), certificates: [{ role: 'current', certificate: cert.cert }], logger });
  const { metrics } = prometheus;
  const served = buildServedHere(stores, { ownEndpointUrl: `${url}/as4`, cacheMs: 0 });
  const jobs = new JobRunner(new PostgresJobStore(knex), { concurrency: 64, pollIntervalMs: outboundConfig.pollIntervalMs, logger });
  const network = new PeppolLookup({
    sml: { zone: TEST_SML_ZONE, dnsServers: [env.dns.address], timeoutMs: 1000, tries: 1, requireHttps: false },
    validator: env.validator,
    smpTimeoutMs: 3000,
    ...(lookupCacheMs !== undefined ? { cacheTtlMs: lookupCacheMs } : {}),
  });
  const email = emailEnv ? buildEmail(loadConfig({ WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true', ...emailEnv }).email, { knex, stores, runner: jobs, maxDocumentBytes: MAX_BYTES }, closers) : null;
  const outbound = buildOutboundDelivery(
    outboundConfig,
    {
      ...ap,
      knex,
      stores,
      lookup: network,
      served,
      maxDocumentBytes: MAX_BYTES,
      ...(spool ? { spoolDir: spool.dir } : {}),
      runner: jobs,
      logger,
      mlsType: responsesConfig.mlsType,
      ...(email ? { email: outboundEmail(email) } : {}),
      metrics,
    },
    closers,
  );
  const validation = measuredValidationRunner(inlineValidationRunner(validator, MAX_BYTES), metrics);
  const mlsParticipant = await publishMlsParticipant(participants, seatId);
  await env.registrar.register(parseParticipantId(mlsParticipant), smpUrl);
  const responses = buildBusinessResponses(responsesConfig, { store: stores.responses, documents, queue: outbound.queue, validation, runner: jobs, seatId, maxDocumentBytes: MAX_BYTES });
  const pickup = email ? pickupHandler(email) : undefined;
  outbound.delivery.handLocalDeliveriesTo([responses.handler, ...(pickup ? [pickup] : [])]);

  const inboundValidation = measuredValidationRunner(
    inboundWorkers > 0
      ? await workerValidationRunner({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: SCHEMATRON_DIR, maxBytes: MAX_BYTES, workers: inboundWorkers })
      : inlineValidationRunner(validator),
    metrics,
  );
  const startInboundSide = (current: As4Identity, retiringIdentities: As4Identity[]) =>
    buildInbound(
      { duplicateRetentionMs: 30 * 86_400_000, maxMessageBytes, ...(spool ? { spoolThresholdBytes: spool.thresholdBytes, spoolDir: spool.dir } : {}) },
      {
        ...ap,
        identity: current,
        retiringIdentities,
        stores,
        validation: inboundValidation,
        served,
        handlers: buildAfterStoredHandlers(stores, responses, pickup),
        concurrency: Math.max(1, inboundWorkers),
        logger,
        metrics,
      },
      closers,
    );
  const inbound = await startInboundSide(identity, []);
  const reporting = reportingConfig
    ? buildReporting(reportingConfig, { store: stores.reporting, documents, validation, seatId, queue: outbound.queue, runner: jobs, logger })
    : null;
  const webhooks = buildWebhooks(DEFAULTS.webhooks, { knex, runner: jobs, pollIntervalMs: outboundConfig.pollIntervalMs, logger, metrics, ...(email ? { notifications: emailNotifications(email) } : {}) }, closers);
  const archive = buildArchive(DEFAULTS, { knex, stores: payloadStores, signer: identity });
  const archiveWork = buildArchiveWork(DEFAULTS.retention, { archive, runner: jobs, pollIntervalMs: outboundConfig.pollIntervalMs, logger }, closers);
  await jobs.start();
  closers.push('jobs', (budgetMs) => jobs.stop(budgetMs));
  webhooks.start();
  closers.push('webhooks fan-out', () => webhooks.stopFanOut());
  await archiveWork.start();
  const auth = testAuth(stores);
  const services = buildServices({ rejectedPayloadBytesPerDay: 100 * 1024 * 1024, idempotencyKeyRetentionHours: 24 }, {
    stores,
    validation,
    outbound: outbound.queue,
    served,
    auth,
    network,
    responses,
    ...(email ? { email } : {}),
    ...(reporting ? { reports: reporting.service } : {}),
    webhooks: { queue: webhooks.queue, allowPrivateTargets: true },
    archive: archive.service,
    metrics,
  });
  // Each access point serves one tenant owning every participant it hosts or sends for, with one key.
  const tenant = await createTenant(services.tenants, { name: `Customers of ${name}` });
  const key = bearer((await createKey(services.tenants, tenant.id, ['send', 'inbox', 'respond', 'webhooks', 'participants'])).secret);
  const operatorKey = bearer((await createKey(services.tenants, null, ['admin', 'send', 'inbox'])).secret);
  const own = async (participant: string) => {
    await services.tenants.addParticipant(commandLineCaller('e2e'), tenant.id, participant);
  };
  const bodies = new InflightBudget(256 * 1024 * 1024);
  const endpoint = metricsEndpoint({ scrape: () => prometheus.scrape(), token: null, onError: (err) => logger.error({ err }, 'metrics: scrape failed') });
  const httpFor = (inboundSide: InboundService, certificate: IssuedCertificate) =>
    buildHttp({
      services,
      stores,
      auth,
      maxDocumentBytes: MAX_BYTES,
      bodies,
      ...(spool ? { spool: { thresholdBytes: spool.thresholdBytes, maxBytes: maxMessageBytes, dir: spool.dir, maxCopyBytes: MAX_BYTES } } : {}),
      inbound: { service: inboundSide, path: '/as4' },
      smp: {
        publicUrl: smpUrl,
        signingKey: { keyPem: env.smpCert.keyPem, certPem: env.smpCert.certPem },
        endpoint: { url: `${url}/as4`, certificate: certificate.cert.raw, technicalContactUrl: `mailto:support@${name.toLowerCase()}.test`, serviceDescription: `Test access point ${name}` },
      },
      readiness: {},
      isShuttingDown: () => false,
      logger,
      metrics: { api: metrics, endpoint },
    });
  handler = httpFor(inbound, cert);

  const get = async (id: string) => (await fetch(`${url}/api/v1/documents/${id}`, { headers: key })).json();
  let closed = false;
  const stopServer = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return {
    name,
    seatId,
    cert,
    db,
    url,
    smpUrl,
    documents,
    participants,
    payloadStores,
    archive: archive.service,
    served,
    outbound,
    jobs,
    inbound,
    mlsParticipant,
    email,
    tenantId: tenant.id,
    authorization: key,
    reporting,
    async host(participant, endpoint, options = {}) {
      const p = parseParticipantId(participant);
      if (!(await participants.getParticipant(p))) await participants.addParticipant({ participant: p, name: `participant at ${name}` });
      for (const d of options.invoiceResponses === false ? [INVOICE, CREDIT_NOTE] : [INVOICE, CREDIT_NOTE, INVOICE_RESPONSE]) {
        await participants.addCapability(p, { documentType: d.documentType, process: d.process, ...(endpoint ? { endpointUrl: endpoint.url, certificatePem: endpoint.certPem } : {}) });
      }
      await own(participant);
      await env.registrar.register(p, smpUrl);
    },
    async submit(xml) {
      // The supplier is a customer of this access point: sending is allowed only for the tenant's own participants.
      const supplier = supplierOf(xml);
      if (supplier) await own(supplier);
      const res = await fetch(`${url}/api/v1/documents`, { method: 'POST', headers: { ...key, 'content-type': 'application/xml' }, body: new Uint8Array(xml) });
      return { status: res.status, body: await res.json() };
    },
    get,
    async waitFor(id, statuses, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const doc = await get(id);
        if (statuses.includes(doc.status)) return doc;
        if (Date.now() > end) throw new Error(`${name}: document ${id} is ${doc.status}, not ${statuses.join('|')}: ${JSON.stringify(doc.events?.map((e: any) => `${e.fromStatus}->${e.toStatus} ${e.reason}`))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    own,
    put(path, body) {
      return fetch(`${url}${path}`, { method: 'PUT', headers: { ...key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    },
    operatorApi(path) {
      return fetch(`${url}${path}`, { headers: operatorKey });
    },
    api(path, body) {
      if (body === undefined) return fetch(`${url}${path}`, { headers: key });
      return fetch(`${url}${path}`, { method: 'POST', headers: { ...key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    },
    inbox(participant, path = 'documents') {
      return fetch(`${url}/api/v1/inbox/${encodeURIComponent(participant)}/${path}`, { headers: key });
    },
    ack(participant, id) {
      return fetch(`${url}/api/v1/inbox/${encodeURIComponent(participant)}/documents/${id}/ack`, { method: 'POST', headers: key });
    },
    lookup: network,
    metricsUrl: `${url}/metrics`,
    async rollOver() {
      const next = env.pki.issueAp(seatId);
      const side = await startInboundSide({ privateKey: createPrivateKey(next.keyPem), certificate: next.cert }, [identity]);
      handler = httpFor(side, next);
      return next;
    },
    down: stopServer,
    async up() {
      server = http.createServer((req, res) => handler(req, res));
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    async close() {
      if (closed) return;
      closed = true;
      if (server.listening) await stopServer();
      await closers.closeAll(Date.now() + 30_000);
    },
  };
}
