/**
 * GET /openapi.json and GET /docs, mounted at API_BASE_PATH. The document, its JSON text and the page are
 * made once, when the router is made (at start-up), not per request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from 'express';
import { PROJECT_ROOT } from '../../config/project-root.js';
import { renderReferencePage } from './html.js';
import { buildOpenApiDocument } from './index.js';

/** The document's `info.version`: the version of this server, from package.json. */
function serverVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export function openApiRouter(): Router {
  const document = buildOpenApiDocument(serverVersion());
  const json = JSON.stringify(document);
  const page = renderReferencePage(document);
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(json);
  });
  router.get('/docs', (_req, res) => {
    res.setHeader('Content-Security-Policy', page.contentSecurityPolicy);
    res.type('text/html').send(page.html);
  });
  return router;
}
