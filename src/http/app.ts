/**
 * The HTTP application, built from its dependencies so that tests and the wiring in src/main.ts compose
 * it the same way, and so that other endpoints (AS4, SMP, console) mount beside the documents API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type RequestHandler, type Router } from 'express';
import type { Metrics } from '../core/metrics.js';
import type { Logger } from 'pino';
import { documentsRouter, type DocumentsApiDeps } from './documents.js';
import { errorHandler, notFound } from './errors.js';
import { healthRouter, type ReadinessCheck } from './health.js';
import { countApiRequests, METRICS_PATH } from './metrics.js';
import { API_BASE_PATH } from './openapi/index.js';
import { openApiRouter } from './openapi/router.js';
import { requestLog } from './request-log.js';
import { securityHeaders } from './response-headers.js';

export interface AppDeps {
  logger: Logger;
  documents: DocumentsApiDeps;
  /** Authentication of /api/v1 (src/http/auth.ts): sets req.principal, or answers 401/429. */
  authenticate: RequestHandler;
  /** Named checks behind /readyz (database, artifacts...). */
  readiness: Record<string, ReadinessCheck>;
  /** The sandbox runs (src/composition/sandbox.ts): /healthz and /readyz say `sandbox: true`. */
  sandbox?: boolean;
  /** Extra routers, mounted in order before the 404 handler (e.g. AS4 endpoint at /as4, SMP at /). */
  mounts?: Array<{ path: string; router: Router }>;
  /** While true, responses ask clients to close their connection (graceful shutdown). */
  isShuttingDown?: () => boolean;
  /** API requests counted; `endpoint`: GET /metrics served here (src/http/metrics.ts), null when it has its own port. */
  metrics?: { api: Pick<Metrics, 'apiRequest'>; endpoint: ((req: IncomingMessage, res: ServerResponse) => void) | null };
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders);
  app.use(requestLog(deps.logger));
  if (deps.isShuttingDown) {
    const shuttingDown = deps.isShuttingDown;
    app.use((_req, res, next) => {
      if (shuttingDown()) res.setHeader('Connection', 'close');
      next();
    });
  }
  app.use(healthRouter(deps.readiness, deps.sandbox ? { sandbox: true } : {}));
  if (deps.metrics?.endpoint) app.all(METRICS_PATH, deps.metrics.endpoint);
  if (deps.metrics) app.use(API_BASE_PATH, countApiRequests(deps.metrics.api));
  // The API's description is public: mounted before authentication.
  app.use(API_BASE_PATH, openApiRouter());
  app.use(API_BASE_PATH, deps.authenticate);
  app.use(API_BASE_PATH, documentsRouter(deps.documents));
  for (const m of deps.mounts ?? []) app.use(m.path, m.router);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
