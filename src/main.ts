/**
 * Wiring: builds the access point from the configuration. Work that can be done once happens here, before
 * the first request: schemas compiled, database migrated, repositories built.
 *
 * Documents are validated by the whole engine (UBL 2.1 XSD, EN 16931 and Peppol BIS schematron), received
 * ones and API submissions alike, in one pool of worker threads (INBOUND_VALIDATION_WORKERS), so that a
 * large invoice never holds up the event loop that answers AS4 and the API; with 0 workers, inline.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { As4Identity } from './as4/index.js';
import { buildArchive, buildArchiveWork, buildPayloadStores } from './composition/archive.js';
import { buildAuth } from './composition/auth.js';
import { watchCertificateExpiry } from './composition/certificate-expiry.js';
import {
  buildAfterStoredHandlers,
  buildHttp,
  buildInbound,
  buildLookup,
  buildOutboundDelivery,
  buildServedHere,
  buildServices,
  buildStores,
  buildValidation,
  buildWebhooks,
  Closers,
  queueWithoutDelivery,
  spoolDirOf,
  type SmpParts,
} from './composition/index.js';
import { buildMetrics, type PrometheusMetrics } from './composition/metrics.js';
import { buildBusinessResponses, publishMlsParticipant, type BusinessResponses } from './composition/responses.js';
import { buildEmail, emailNotifications, outboundEmail, pickupHandler } from './composition/email.js';
import { buildReporting, sendsReports, type Reporting } from './composition/reporting.js';
import { prepareSandbox, sandboxDemo, type Sandbox } from './composition/sandbox.js';
import { trustOf, type CertificatesFile, type Config, type PkiConfig } from './config/index.js';
import { ApError } from './errors.js';
import { InflightBudget } from './http/body-budget.js';
import { METRICS_PATH, metricsEndpoint } from './http/metrics.js';
import { createBoundedServer } from './http/server-limits.js';
import { measuredValidationRunner } from './pipeline/inbound-validation.js';
import type { OutboundService } from './jobs/outbound-service.js';
import { JobRunner } from './jobs/runner.js';
import type { PeppolLookup } from './peppol/lookup.js';
import type { Logger } from './log.js';
import { PeppolCertificateValidator, seatIdOf, TrustStore } from './pki/index.js';
import type { InboundService } from './pipeline/inbound-service.js';
import { openDatabase } from './store/database.js';
import { isReachable } from './store/db.js';
import { PostgresJobStore } from './store/jobs.js';

/**
 * The certificate validator (AP and SMP certificates): trusted CAs from a bundle given on the command
 * line (`--trust`), else PEPPOL_TRUST_FILE, else the shipped Peppol G3 CAs of PEPPOL_ENVIRONMENT (pinned
 * to the G3 CAs of that environment whenever it is set);
 * revocation policy and CRL downloads from the PKI_* variables. The server builds one and shares it (and
 * its CRL cache) between inbound, outbound and discovery.
 */
export function buildCertificateValidator(pki: PkiConfig, trustOverride?: CertificatesFile): PeppolCertificateValidator {
  const trust = trustOverride ?? trustOf(pki);
  if (!trust) throw new ApError('config.invalid', 'No trusted CAs: set PEPPOL_TRUST_FILE or PEPPOL_ENVIRONMENT, or pass --trust <ca.pem>');
  const trustStore = !trustOverride && pki.environment ? TrustStore.peppolG3(pki.environment, trust.pem) : TrustStore.fromBundle(trust.pem);
  return new PeppolCertificateValidator({ trustStore, revocation: pki.revocation, crl: pki.crl });
}

/**
 * Our AP key and certificate, its seat id (the certificate's CN) and endpoint, and the key pair being
 * replaced in a rollover (AP_PREVIOUS_*, same seat id); null when AS4 is not configured.
 */
function buildIdentity(config: Config): { identity: As4Identity; retiring: As4Identity[]; seatId: string; endpointUrl: string } | null {
  const ap = config.as4.identity;
  if (!ap) return null;
  const seatId = seatIdOf(ap.certificate.x509);
  if (!seatId) throw new ApError('config.invalid', `AP_CERT_FILE=${ap.certificate.file}: the certificate's CN is not a Peppol seat id (such as POP000123)`);
  const previous = config.as4.previousIdentity;
  if (previous && seatIdOf(previous.certificate.x509) !== seatId) {
    throw new ApError('config.invalid', `AP_PREVIOUS_CERT_FILE=${previous.certificate.file}: its seat id ${seatIdOf(previous.certificate.x509) ?? '(none)'} is not ${seatId}, the seat id of AP_CERT_FILE; a rollover keeps the seat id`);
  }
  return {
    identity: { privateKey: ap.privateKey.key, certificate: ap.certificate.x509 },
    retiring: previous ? [{ privateKey: previous.privateKey.key, certificate: previous.certificate.x509 }] : [],
    seatId,
    endpointUrl: ap.endpointUrl,
  };
}

/** Our SMP, published when SMP_PUBLIC_URL, SMP_KEY_FILE and SMP_CERT_FILE are set (which needs our AP). */
export function smpParts(config: Config): SmpParts | null {
  const { smp, as4 } = config;
  if (!smp || !as4.identity) return null;
  return {
    publicUrl: smp.publicUrl,
    signingKey: { keyPem: smp.privateKey.pem, certPem: smp.certificate.pem },
    endpoint: { url: as4.identity.endpointUrl, certificate: as4.identity.certificate.x509.raw, technicalContactUrl: as4.identity.technicalContactUrl },
  };
}

export interface AccessPoint {
  server: Server;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Where GET /metrics is served: `url` + /metrics, or on the metrics server of METRICS_PORT; null when off. */
  metricsUrl: string | null;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), then closes the database. */
  shutdown(reason: string): Promise<void>;
  /** In the sandbox: the demo tenant and its API key. */
  demo: { tenantId: string; apiKey: string } | null;
}

export async function startAccessPoint(given: Config, logger: Logger): Promise<AccessPoint> {
  const closers = new Closers(logger);
  try {
    const sandbox = prepareSandbox(given, logger);
    return await buildAccessPoint(sandbox?.config ?? given, logger, closers, sandbox);
  } catch (err) {
    await closers.closeAll(Date.now() + given.http.shutdownTimeoutMs);
    throw err;
  }
}

/** Listens on `port` of `host`; a port that is taken is the operator's setting (`variable`), not a crash: one line, exit 2 (see cli/main.ts). */
async function listen(server: Server, port: number, host: string, variable: string): Promise<string> {
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ApError('config.invalid', `${variable}=${port}: the port is already in use on ${host}; stop what listens there or choose another ${variable}`);
    }
    throw err;
  }
  const bound = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${bound}`;
}

/** The metrics server of METRICS_PORT: /metrics only, with the main server's bounds on slow clients. */
async function serveMetricsApart(config: Config, endpoint: ReturnType<typeof metricsEndpoint>, closers: Closers): Promise<string> {
  const server = createBoundedServer(config.http.limits, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === METRICS_PATH) return endpoint(req, res);
    res.statusCode = 404;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('Only /metrics is served here\n');
  });
  const url = await listen(server, config.metrics.port!, config.metrics.host ?? config.http.host, 'METRICS_PORT');
  closers.push('metrics server', () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return url;
}

async function buildAccessPoint(config: Config, logger: Logger, closers: Closers, sandbox: Sandbox | null): Promise<AccessPoint> {
  const { validation: v, as4, discovery } = config;
  const ap = buildIdentity(config);
  const pool = await buildValidation(v, closers);
  const db = await openDatabase({ url: config.database.url, poolMax: config.database.poolMax, embedded: config.database.embedded, logger, sandbox: sandbox !== null });
  closers.push('database', (budgetMs) => db.close(budgetMs));
  // Transit payloads and archive copies: Postgres, or S3 (PAYLOAD_STORE, ARCHIVE_STORE).
  const payloadStores = buildPayloadStores(config.storage, db.knex, closers);
  const stores = buildStores(db.knex, payloadStores.payloads);
  // One registry of ours for the process, its metrics made once; what records gets its interface.
  const ourCertificates = ap ? [{ role: 'current' as const, certificate: ap.identity.certificate }, ...ap.retiring.map((r) => ({ role: 'previous' as const, certificate: r.certificate }))] : [];
  const prometheus: PrometheusMetrics | null = config.metrics.enabled ? buildMetrics({ jobs: new PostgresJobStore(db.knex), certificates: ourCertificates, logger }) : null;
  const metrics = prometheus ? { metrics: prometheus.metrics } : {};
  const validation = prometheus ? measuredValidationRunner(pool, prometheus.metrics) : pool;
  const auth = await buildAuth(config.auth, { knex: db.knex, keys: stores.apiKeys, logger }, closers);
  // The job runner of this process; its kinds are registered below, then it starts.
  const runner = new JobRunner(new PostgresJobStore(db.knex), { concurrency: config.jobs.concurrency, pollIntervalMs: config.outbound.pollIntervalMs, logger });
  // AS4 inbound (we are C3) and outbound (C2), when our AP key is configured: without it submitted
  // documents stay queued and nothing is received.
  // The e-mail channel (SMTP_HOST): its job kind first, as delivery, inbound and webhooks hand it work.
  const email = buildEmail(config.email, { knex: db.knex, stores, runner, maxDocumentBytes: v.maxDocumentBytes }, closers);
  if (!email) logger.info('the e-mail channel is off (SMTP_HOST and EMAIL_FROM not set): no e-mail fallback, pick-up e-mails or notifications');
  let inbound: InboundService | null = null;
  let outbound: OutboundService | null = null;
  let network: PeppolLookup | undefined;
  let responses: BusinessResponses | null = null;
  let reporting: Reporting | null = null;
  const served = ap ? buildServedHere(stores, { ownEndpointUrl: ap.endpointUrl, cacheMs: as4.servedCacheMs ?? as4.servedCacheMsOldName }) : undefined;
  if (ap && served) {
    // One certificate validator (trust store, revocation policy, CRL cache) for inbound, outbound and discovery.
    const certificateValidator = buildCertificateValidator(config.pki);
    const identity = { identity: ap.identity, seatId: ap.seatId, certificateValidator };
    // The sandbox never asks the Peppol network; otherwise one resolver for delivery and the lookup pre-flight.
    const lookup = sandbox ? sandbox.lookup : (network = buildLookup(discovery, certificateValidator));
    outbound = buildOutboundDelivery(
      config.outbound,
      { ...identity, knex: db.knex, stores, lookup, served, maxDocumentBytes: v.maxDocumentBytes, spoolDir: spoolDirOf(as4), runner, logger, mlsType: config.responses.mlsType, ...(email ? { email: outboundEmail(email) } : {}), ...metrics },
      closers,
    );
    await publishMlsParticipant(stores.participants, ap.seatId);
    responses = buildBusinessResponses(config.responses, { store: stores.responses, documents: stores.documents, queue: outbound.queue, validation, runner, seatId: ap.seatId, maxDocumentBytes: v.maxDocumentBytes });
    const pickup = email ? pickupHandler(email) : undefined;
    outbound.delivery.handLocalDeliveriesTo([responses.handler, ...(pickup ? [pickup] : [])]);
    watchCertificateExpiry(
      ourCertificates,
      as4.certificateExpiryWarningMs,
      logger,
      closers,
    );
    // The sandbox sends nothing out, so it never reports; REPORTING decides elsewhere (production by default).
    const sends = !sandbox && sendsReports(config.reporting, config.pki.environment);
    reporting = buildReporting(config.reporting, {
      store: stores.reporting,
      documents: stores.documents,
      validation,
      seatId: ap.seatId,
      queue: sends ? outbound.queue : null,
      runner: sends ? runner : null,
      logger,
    });
    inbound = await buildInbound(
      as4,
      { ...identity, retiringIdentities: ap.retiring, stores, validation, served, handlers: buildAfterStoredHandlers(stores, responses, pickup), concurrency: Math.max(1, v.workers), logger, ...metrics },
      closers,
    );
  } else {
    logger.warn('outbound delivery is off (AP_KEY_FILE, AP_CERT_FILE and AP_ENDPOINT_URL not set): submitted documents stay queued');
  }
  const webhooks = buildWebhooks(
    config.webhooks,
    { knex: db.knex, runner, pollIntervalMs: config.outbound.pollIntervalMs, logger, ...(email ? { notifications: emailNotifications(email) } : {}), ...metrics },
    closers,
  );
  // The archive: checkpoints signed with our AP key (none without one); the archiver loop and retention on the runner.
  const archive = buildArchive(config, { knex: db.knex, stores: payloadStores, signer: ap ? ap.identity : null });
  const archiveWork = buildArchiveWork(config.retention, { archive, runner, pollIntervalMs: config.outbound.pollIntervalMs, logger }, closers);
  await runner.start();
  closers.push('jobs', (budgetMs) => runner.stop(budgetMs));
  await reporting?.schedule();
  webhooks.start();
  closers.push('webhooks fan-out', () => webhooks.stopFanOut());
  await archiveWork.start();
  const outboundQueue =
    outbound?.queue ?? queueWithoutDelivery(db.knex, { maxAttempts: config.outbound.retry.maxAttempts, firstAttemptGraceMs: config.outbound.firstAttemptGraceMs }, payloadStores.payloads);
  // No SML registrar under `serve`: see the participants command.
  const services = buildServices(config.quotas, {
    stores,
    validation,
    outbound: outboundQueue,
    auth,
    webhooks: { queue: webhooks.queue, allowPrivateTargets: config.webhooks.allowPrivateTargets },
    ...(responses ? { responses } : {}),
    ...(email ? { email } : {}),
    ...(reporting ? { reports: reporting.service } : {}),
    ...(served ? { served } : {}),
    ...(network ? { network } : {}),
    consoleIdleMinutes: config.console.idleMinutes,
    archive: archive.service,
    ...metrics,
  });
  const demo = sandbox ? await sandbox.setUpDemo(services, auth.authenticator) : null;
  let shuttingDown = false;
  const endpoint = prometheus && metricsEndpoint({ scrape: () => prometheus.scrape(), token: config.metrics.tokenFile?.token ?? null, onError: (err) => logger.error({ err }, 'metrics: scrape failed') });
  const metricsApart = endpoint && config.metrics.port !== null ? await serveMetricsApart(config, endpoint, closers) : null;
  const handler = buildHttp({
    services,
    stores,
    auth,
    maxDocumentBytes: v.maxDocumentBytes,
    // One budget for every request body, AS4 and API alike.
    bodies: new InflightBudget(config.http.inflightBytes),
    // With our AP, a submission past the spool threshold goes to a file, up to the largest AS4 message.
    ...(inbound ? { spool: { thresholdBytes: as4.spoolThresholdBytes, maxBytes: as4.maxMessageBytes, dir: spoolDirOf(as4), maxCopyBytes: v.maxDocumentBytes } } : {}),
    inbound: inbound && { service: inbound, path: as4.path },
    smp: smpParts(config),
    readiness: {
      database: () => isReachable(db.knex),
      artifacts: () => true, // schemas compiled above, or the start failed
      accepting: () => !shuttingDown,
    },
    isShuttingDown: () => shuttingDown,
    sandbox: sandbox !== null,
    console: config.console,
    logger,
    ...(prometheus ? { metrics: { api: prometheus.metrics, endpoint: metricsApart ? null : endpoint } } : {}),
  });
  const server = createBoundedServer(config.http.limits, handler);
  const url = await listen(server, config.http.port, config.http.host, 'PORT');
  const metricsUrl = endpoint ? `${metricsApart ?? url}${METRICS_PATH}` : null;
  logger.info({ url, metricsUrl, embeddedDatabase: db.embedded, ...(sandbox ? { sandbox: true } : {}) }, 'access point ready');
  // A sandbox-only key of test participants, printed so that a first user can call the API at once.
  if (demo) logger.warn({ sandbox: true, tenantId: demo.tenantId, apiKey: demo.apiKey, participants: sandboxDemo.participants }, `SANDBOX demo API key: ${demo.apiKey} (Authorization: Bearer ...; sends for and reads the inboxes of ${sandboxDemo.participants.join(' and ')})`);

  let stopping: Promise<void> | null = null;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      shuttingDown = true;
      logger.info({ reason }, 'shutting down: no new connections, finishing requests in flight');
      const deadline = Date.now() + config.http.shutdownTimeoutMs;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        logger.warn({ timeoutMs: config.http.shutdownTimeoutMs }, 'shutdown timeout: closing remaining connections');
        server.closeAllConnections();
      }, config.http.shutdownTimeoutMs);
      await closed;
      clearTimeout(timer);
      await closers.closeAll(deadline);
      logger.info('shutdown complete');
    })();
    return stopping;
  };
  return { server, url, metricsUrl, shutdown, demo };
}
