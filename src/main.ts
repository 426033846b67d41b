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
import type { Config } from './config.js';
import { ApError } from './errors.js';
import { loadAs4Config, loadAs4Identity, seatIdOf } from './config-as4.js';
import { discoveryValidator, loadDiscoveryConfig } from './config-discovery.js';
import { loadJobsConfig } from './config-jobs.js';
import { loadOutboundConfig } from './config-outbound.js';
import { createApp } from './http/app.js';
import { discoveryMounts } from './http/discovery-mounts.js';
import { buildOutbound, type OutboundService } from './jobs/outbound-service.js';
import { JobRunner } from './jobs/runner.js';
import { PeppolLookup } from './peppol/lookup.js';
import { PostgresDeliveryStore } from './store/deliveries.js';
import { as4DirectRoute } from './http/as4-endpoint.js';
import { inboxRouter } from './http/inbox.js';
import { startInbound, type InboundService } from './pipeline/inbound-service.js';
import { inlineValidationRunner, workerValidationRunner } from './pipeline/inbound-validation.js';
import type { Logger } from './log.js';
import type { PeppolCertificateValidator } from './pki/index.js';
import { As4MessageStore } from './store/as4-messages.js';
import { openDatabase } from './store/database.js';
import { isReachable } from './store/db.js';
import { PostgresDocumentStore } from './store/documents.js';
import { PostgresJobStore } from './store/jobs.js';
import { PostgresPayloadStore } from './store/payloads.js';
import { createValidator } from './validation/validator.js';

export interface AccessPoint {
  server: Server;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), then closes the database. */
  shutdown(reason: string): Promise<void>;
}

export async function startAccessPoint(config: Config, logger: Logger, env: Record<string, string | undefined> = process.env): Promise<AccessPoint> {
  const as4Config = loadAs4Config(env);
  const as4Identity = loadAs4Identity(as4Config);
  const discovery = as4Identity ? loadDiscoveryConfig(env) : null;
  const outboundConfig = loadOutboundConfig(env);
  const jobsConfig = loadJobsConfig(env);
  const validation =
    as4Config.validationWorkers > 0
      ? await workerValidationRunner({
          ublSchemasDir: config.ublSchemasDir,
          schematronDir: config.schematronDir,
          maxBytes: config.maxDocumentBytes,
          workers: as4Config.validationWorkers,
        })
      : inlineValidationRunner(
          await createValidator({ ublSchemasDir: config.ublSchemasDir, schematronDir: config.schematronDir, maxBytes: config.maxDocumentBytes }),
          config.maxDocumentBytes,
        );
  let db;
  try {
    db = await openDatabase({ url: config.databaseUrl, poolMax: config.dbPoolMax, embedded: config.embeddedPg, logger });
  } catch (err) {
    await validation.close();
    throw err;
  }
  const documents = new PostgresDocumentStore(db.knex, new PostgresPayloadStore(db.knex));
  // AS4 inbound (we are C3), when our AP key is configured.
  let inbound: InboundService | null = null;
  const mounts = [];
  // One certificate validator (trust store, revocation policy, CRL cache) for inbound, outbound and discovery.
  let certificateValidator: PeppolCertificateValidator | null = null;
  if (as4Identity && discovery) {
    try {
      certificateValidator = discoveryValidator(discovery);
      // Our SMP (when SMP_PUBLIC_URL, SMP_KEY_FILE, SMP_CERT_FILE and AP_ENDPOINT_URL are set) and the admin
      // API; key files are read here, before anything starts. No SML registrar: see the participants command.
      mounts.push(...discoveryMounts({ config: discovery, knex: db.knex }));
      inbound = await startInbound({
        knex: db.knex,
        documents,
        identity: as4Identity,
        seatId: seatIdOf(as4Identity.certificate),
        certificateValidator,
        runner: validation,
        ownEndpointUrl: discovery.ownEndpoint?.url ?? null,
        duplicateRetentionMs: as4Config.duplicateRetentionMs,
        servicedCacheMs: as4Config.servicedCacheMs,
        concurrency: Math.max(1, as4Config.validationWorkers),
        limits: { mime: { maxTotalBytes: as4Config.maxMessageBytes, maxParts: 16, maxHeaderBytes: 16 * 1024 } },
        logger,
      });
    } catch (err) {
      await db.close();
      await validation.close();
      throw err;
    }
    mounts.push({ path: '/api/v1/inbox', router: inboxRouter({ knex: db.knex, documents, token: as4Config.inboxToken }) });
  }
  // The job runner of this process; its kinds are registered below, then it starts.
  const runner = new JobRunner(new PostgresJobStore(db.knex), { concurrency: jobsConfig.concurrency, pollIntervalMs: outboundConfig.pollIntervalMs, logger });
  // AS4 outbound (we are C2), also only with our AP key: without it submitted documents stay queued.
  let outbound: OutboundService | null = null;
  if (as4Identity && discovery && certificateValidator) {
    outbound = buildOutbound({
      knex: db.knex,
      documents,
      lookup: new PeppolLookup({
        sml: { zone: discovery.sml.zone, dnsServers: discovery.sml.dnsServers, timeoutMs: discovery.sml.dnsTimeoutMs, requireHttps: discovery.sml.requireHttps },
        validator: certificateValidator,
        smpTimeoutMs: discovery.smp.timeoutMs,
        cacheTtlMs: discovery.smp.cacheTtlMs,
        cacheMaxEntries: discovery.smp.cacheMaxEntries,
      }),
      identity: as4Identity,
      seatId: seatIdOf(as4Identity.certificate),
      certificateValidator,
      config: outboundConfig,
      maxDocumentBytes: config.maxDocumentBytes,
      runner,
      logger,
    });
  } else {
    logger.warn('outbound delivery is off (AP_KEY_FILE / AP_CERT_FILE not set): submitted documents stay queued');
  }
  try {
    await runner.start();
  } catch (err) {
    await inbound?.stop();
    await db.close();
    await validation.close();
    throw err;
  }
  const outboundQueue = outbound?.queue ?? {
    deliveries: new PostgresDeliveryStore(db.knex),
    maxAttempts: outboundConfig.retry.maxAttempts,
    hold: () => null,
    firstAttemptGraceMs: outboundConfig.firstAttemptGraceMs,
    dispatch: () => {},
    idDomain: 'peppol-ap',
  };
  let shuttingDown = false;
  const app = createApp({
    logger,
    documents: {
      validation,
      documents,
      maxDocumentBytes: config.maxDocumentBytes,
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
  const as4 = inbound ? as4DirectRoute(inbound.pipeline, { path: as4Config.path, logger, isShuttingDown: () => shuttingDown }) : null;
  const server = createServer((req, res) => {
    if (!as4?.(req, res)) app(req, res);
  });
  server.listen(config.http.port, config.http.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    await runner.stop();
    outbound?.close();
    await inbound?.stop();
    await db.close();
    await validation.close();
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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: closing remaining connections');
        server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      await closed;
      clearTimeout(timer);
      await runner.stop(config.shutdownTimeoutMs);
      outbound?.close();
      await inbound?.stop();
      await db.close();
      await validation.close();
      logger.info('shutdown complete');
    })();
    return stopping;
  };
  return { server, url, shutdown };
}
