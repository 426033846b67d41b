/**
 * Wiring: builds the access point from the configuration. Work that can be done once happens here, before
 * the first request: schemas compiled, database migrated, repositories built.
 *
 * The document validator is chosen in createValidator(): the UBL 2.1 XSD layer now; the full validator
 * (XSD + CEN + Peppol schematron) replaces it there.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import type { Logger } from './log.js';
import { openDatabase } from './store/database.js';
import { isReachable } from './store/db.js';
import { PostgresDocumentStore } from './store/documents.js';
import { PostgresPayloadStore } from './store/payloads.js';
import type { DocumentValidator } from './validation/types.js';
import { UblXsdValidator } from './validation/xsd.js';

export interface Validator extends DocumentValidator {
  close(): void;
}

export function createValidator(config: Config): Validator {
  return UblXsdValidator.load(config.ublSchemasDir, { maxBytes: config.maxDocumentBytes });
}

export interface AccessPoint {
  server: Server;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), then closes database and validator. */
  shutdown(reason: string): Promise<void>;
}

export async function startAccessPoint(config: Config, logger: Logger): Promise<AccessPoint> {
  const validator = createValidator(config);
  let db;
  try {
    db = await openDatabase({
      url: config.databaseUrl,
      poolMax: config.dbPoolMax,
      embedded: config.embeddedPg,
      logger,
    });
  } catch (err) {
    validator.close();
    throw err;
  }
  const documents = new PostgresDocumentStore(db.knex, new PostgresPayloadStore(db.knex));
  let shuttingDown = false;
  const app = createApp({
    logger,
    documents: { validator, documents, limits: { maxBytes: config.maxDocumentBytes }, maxDocumentBytes: config.maxDocumentBytes },
    readiness: {
      database: () => isReachable(db.knex),
      artifacts: () => true, // schemas compiled above, or the start failed
      accepting: () => !shuttingDown,
    },
    isShuttingDown: () => shuttingDown,
  });

  const server = app.listen(config.http.port, config.http.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    await db.close();
    validator.close();
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
      await db.close();
      validator.close();
      logger.info('shutdown complete');
    })();
    return stopping;
  };
  return { server, url, shutdown };
}
