/**
 * Wiring: builds the access point from the configuration. Work that can be done once happens here, before
 * the first request: schemas compiled, database migrated, repositories built.
 *
 * Documents are validated by the whole engine (UBL 2.1 XSD, EN 16931 and Peppol BIS schematron), received
 * ones and API submissions alike, in one pool of worker threads (INBOUND_VALIDATION_WORKERS), so that a
 * large invoice never holds up the event loop that answers AS4 and the API; with 0 workers, inline.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import type { As4Identity } from './as4/index.js';
import type { CertificatesFile, Config, PkiConfig } from './config/index.js';
import { ApError } from './errors.js';
import { createApp } from './http/app.js';
import { discoveryMounts, type Mount } from './http/discovery-mounts.js';
import { buildOutbound, type OutboundService } from './jobs/outbound-service.js';
import { JobRunner } from './jobs/runner.js';
import { PeppolLookup } from './peppol/lookup.js';
import type { SmlRegistrar } from './peppol/sml-registrar.js';
import { PostgresDeliveryStore } from './store/deliveries.js';
import { as4DirectRoute } from './http/as4-endpoint.js';
import { InflightBudget } from './http/body-budget.js';
import { inboxRouter } from './http/inbox.js';
import { startInbound, type InboundService } from './pipeline/inbound-service.js';
import { inlineValidationRunner, workerValidationRunner } from './pipeline/inbound-validation.js';
import type { Logger } from './log.js';
import { PeppolCertificateValidator, seatIdOf, TrustStore } from './pki/index.js';
import { As4MessageStore } from './store/as4-messages.js';
import { settledWithin } from './settled-within.js';
import { openDatabase } from './store/database.js';
import { isReachable } from './store/db.js';
import { PostgresDocumentStore } from './store/documents.js';
import { PostgresJobStore } from './store/jobs.js';
import { PostgresPayloadStore } from './store/payloads.js';
import { createValidator } from './validation/validator.js';

/**
 * The certificate validator (AP and SMP certificates): trusted CAs from a bundle given on the command
 * line (`--trust`), else PEPPOL_TRUST_FILE (pinned to the Peppol G3 CAs when PEPPOL_ENVIRONMENT is set);
 * revocation policy and CRL downloads from the PKI_* variables. The server builds one and shares it (and
 * its CRL cache) between inbound, outbound and discovery.
 */
export function buildCertificateValidator(pki: PkiConfig, trustOverride?: CertificatesFile): PeppolCertificateValidator {
  const trust = trustOverride ?? pki.trust;
  if (!trust) throw new ApError('config.invalid', 'No trusted CAs: set PEPPOL_TRUST_FILE or pass --trust <ca.pem>');
  const trustStore = !trustOverride && pki.environment ? TrustStore.peppolG3(pki.environment, trust.pem) : TrustStore.fromBundle(trust.pem);
  return new PeppolCertificateValidator({ trustStore, revocation: pki.revocation, crl: pki.crl });
}

/** Our AP key and certificate, its seat id (the certificate's CN) and endpoint; null when AS4 is not configured. */
function buildIdentity(config: Config): { identity: As4Identity; seatId: string; endpointUrl: string } | null {
  const ap = config.as4.identity;
  if (!ap) return null;
  const seatId = seatIdOf(ap.certificate.x509);
  if (!seatId) throw new ApError('config.invalid', `AP_CERT_FILE=${ap.certificate.file}: the certificate's CN is not a Peppol seat id (such as POP000123)`);
  return { identity: { privateKey: ap.privateKey.key, certificate: ap.certificate.x509 }, seatId, endpointUrl: ap.endpointUrl };
}

/**
 * Our SMP (when SMP_PUBLIC_URL, SMP_KEY_FILE and SMP_CERT_FILE are set, which needs our AP) and the admin
 * API. No SML registrar under `serve`: see the participants command.
 */
export function buildDiscoveryMounts(config: Config, knex: Knex, registrar?: SmlRegistrar): Mount[] {
  const { smp, as4 } = config;
  return discoveryMounts({
    knex,
    adminToken: config.tokens.admin,
    smp:
      smp && as4.identity
        ? {
            publicUrl: smp.publicUrl,
            signingKey: { keyPem: smp.privateKey.pem, certPem: smp.certificate.pem },
            endpoint: { url: as4.identity.endpointUrl, certificate: as4.identity.certificate.x509.raw, technicalContactUrl: as4.identity.technicalContactUrl },
          }
        : null,
    ...(registrar ? { registrar } : {}),
  });
}

export interface AccessPoint {
  server: Server;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), then closes the database. */
  shutdown(reason: string): Promise<void>;
}

/**
 * What start-up opened, to close in reverse order: at shutdown, and when a later step of start-up fails.
 * One deadline bounds the whole close. Past it the steps left share one short grace (a healthy step needs
 * no more), then are left behind: work waiting on a database that stopped answering never ends by itself.
 */
class Closers {
  private readonly steps: Array<{ name: string; close: (budgetMs: number) => Promise<unknown> | void }> = [];
  constructor(private readonly logger: Logger) {}

  push(name: string, close: (budgetMs: number) => Promise<unknown> | void): void {
    this.steps.push({ name, close });
  }

  /** Closes every step, newest first, by `deadline` (epoch ms) plus the grace. */
  async closeAll(deadline: number): Promise<void> {
    const end = deadline + SHUTDOWN_GRACE_MS;
    const left = () => Math.max(end - Date.now(), SHUTDOWN_STEP_FLOOR_MS);
    for (const step of this.steps.splice(0).reverse()) {
      const work = Promise.resolve()
        .then(() => step.close(left()))
        .catch((err: unknown) => this.logger.error({ err, step: step.name }, 'shutdown: step failed'));
      if (!(await settledWithin(work, left()))) this.logger.warn({ step: step.name }, 'shutdown: step did not finish in time, left behind');
    }
  }
}

/** Time the steps still open at the shutdown deadline share; each gets at least the floor. */
const SHUTDOWN_GRACE_MS = 1_000;
const SHUTDOWN_STEP_FLOOR_MS = 100;

export async function startAccessPoint(config: Config, logger: Logger): Promise<AccessPoint> {
  const closers = new Closers(logger);
  try {
    return await buildAccessPoint(config, logger, closers);
  } catch (err) {
    await closers.closeAll(Date.now() + config.http.shutdownTimeoutMs);
    throw err;
  }
}

async function buildAccessPoint(config: Config, logger: Logger, closers: Closers): Promise<AccessPoint> {
  const { validation: v, as4, discovery } = config;
  const ap = buildIdentity(config);
  const validation =
    v.workers > 0
      ? await workerValidationRunner({ ublSchemasDir: v.ublSchemasDir, schematronDir: v.schematronDir, maxBytes: v.maxDocumentBytes, workers: v.workers })
      : inlineValidationRunner(
          await createValidator({ ublSchemasDir: v.ublSchemasDir, schematronDir: v.schematronDir, maxBytes: v.maxDocumentBytes }),
          v.maxDocumentBytes,
        );
  closers.push('validation', () => validation.close());
  const db = await openDatabase({ url: config.database.url, poolMax: config.database.poolMax, embedded: config.database.embedded, logger });
  closers.push('database', (budgetMs) => db.close(budgetMs));
  const documents = new PostgresDocumentStore(db.knex, new PostgresPayloadStore(db.knex));
  // AS4 inbound (we are C3), when our AP key is configured.
  let inbound: InboundService | null = null;
  const mounts: Mount[] = [];
  // One certificate validator (trust store, revocation policy, CRL cache) for inbound, outbound and discovery.
  let certificateValidator: PeppolCertificateValidator | null = null;
  if (ap) {
    certificateValidator = buildCertificateValidator(config.pki);
    mounts.push(...buildDiscoveryMounts(config, db.knex));
    const started = await startInbound({
      knex: db.knex,
      documents,
      identity: ap.identity,
      seatId: ap.seatId,
      certificateValidator,
      runner: validation,
      ownEndpointUrl: ap.endpointUrl,
      duplicateRetentionMs: as4.duplicateRetentionMs,
      servicedCacheMs: as4.servicedCacheMs,
      concurrency: Math.max(1, v.workers),
      limits: { mime: { maxTotalBytes: as4.maxMessageBytes, maxParts: 16, maxHeaderBytes: 16 * 1024 } },
      logger,
    });
    inbound = started;
    closers.push('inbound', () => started.stop());
    mounts.push({ path: '/api/v1/inbox', router: inboxRouter({ knex: db.knex, documents, token: config.tokens.inbox }) });
  }
  // The job runner of this process; its kinds are registered below, then it starts.
  const runner = new JobRunner(new PostgresJobStore(db.knex), { concurrency: config.jobs.concurrency, pollIntervalMs: config.outbound.pollIntervalMs, logger });
  // AS4 outbound (we are C2), also only with our AP key: without it submitted documents stay queued.
  let outbound: OutboundService | null = null;
  if (ap && certificateValidator) {
    const built = buildOutbound({
      knex: db.knex,
      documents,
      lookup: new PeppolLookup({
        sml: { zone: discovery.sml.zone, dnsServers: discovery.sml.dnsServers ?? [], timeoutMs: discovery.sml.dnsTimeoutMs, requireHttps: discovery.sml.requireHttps },
        validator: certificateValidator,
        smpTimeoutMs: discovery.smp.timeoutMs,
        cacheTtlMs: discovery.smp.cacheTtlMs,
        cacheMaxEntries: discovery.smp.cacheMaxEntries,
      }),
      identity: ap.identity,
      seatId: ap.seatId,
      certificateValidator,
      config: config.outbound,
      maxDocumentBytes: v.maxDocumentBytes,
      runner,
      logger,
    });
    outbound = built;
    closers.push('outbound', () => built.close());
  } else {
    logger.warn('outbound delivery is off (AP_KEY_FILE, AP_CERT_FILE and AP_ENDPOINT_URL not set): submitted documents stay queued');
  }
  await runner.start();
  closers.push('jobs', (budgetMs) => runner.stop(budgetMs));
  const outboundQueue = outbound?.queue ?? {
    deliveries: new PostgresDeliveryStore(db.knex),
    maxAttempts: config.outbound.retry.maxAttempts,
    hold: () => null,
    firstAttemptGraceMs: config.outbound.firstAttemptGraceMs,
    dispatch: () => {},
    idDomain: 'peppol-ap',
  };
  let shuttingDown = false;
  // One budget for every request body, AS4 and API alike.
  const bodies = new InflightBudget(config.http.inflightBytes);
  const app = createApp({
    logger,
    documents: {
      validation,
      documents,
      maxDocumentBytes: v.maxDocumentBytes,
      bodies,
      rejectedPayloadBytesPerDay: config.quotas.rejectedPayloadBytesPerDay,
      outbound: outboundQueue,
      messages: inbound?.messages ?? new As4MessageStore(db.knex),
    },
    readiness: {
      database: () => isReachable(db.knex),
      artifacts: () => true, // schemas compiled above, or the start failed
      accepting: () => !shuttingDown,
    },
    isShuttingDown: () => shuttingDown,
    mounts,
  });

  // POST to the AS4 endpoint is taken before express (see as4-endpoint.ts); everything else is the app's.
  const as4Route = inbound ? as4DirectRoute(inbound.pipeline, { path: as4.path, logger, isShuttingDown: () => shuttingDown, budget: bodies }) : null;
  const server = createServer((req, res) => {
    if (!as4Route?.(req, res)) app(req, res);
  });
  server.listen(config.http.port, config.http.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    // A port that is taken is the operator's setting, not a crash: one line, exit 2 (see cli/main.ts).
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ApError('config.invalid', `PORT=${config.http.port}: the port is already in use on ${config.http.host}; stop what listens there or choose another PORT`);
    }
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url, embeddedDatabase: db.embedded }, 'access point ready');

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
  return { server, url, shutdown };
}
