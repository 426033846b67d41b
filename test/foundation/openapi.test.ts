/**
 * The OpenAPI document of /api/v1: it passes a standard OpenAPI 3.1 validator, and it is served with its
 * HTML reference page.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Validator } from '@seriousme/openapi-schema-validator';
import { PROJECT_ROOT } from '../../src/config/project-root.js';
import { createApp } from '../../src/http/app.js';
import { InflightBudget } from '../../src/http/body-budget.js';
import { buildOpenApiDocument } from '../../src/http/openapi/index.js';
import { METHODS, type Operation } from '../../src/http/openapi/types.js';
import { createLogger } from '../../src/log.js';
import type { DocumentsService } from '../../src/services/documents.js';

const doc = buildOpenApiDocument('0.0.0-test');
const operations = Object.entries(doc.paths).flatMap(([path, item]) => METHODS.flatMap((m) => (item[m] ? [{ path, method: m, op: item[m] as Operation }] : [])));

describe('OpenAPI document of /api/v1', () => {
  it('passes the OpenAPI 3.1 schema validator', async () => {
    const result = await new Validator().validate(structuredClone(doc) as unknown as Record<string, unknown>);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(doc.openapi, '3.1.0');
  });

  it('describes X-Request-Id on every response, a 401 for every operation behind a key, and only public operations without one', () => {
    const missing = operations.flatMap(({ path, method, op }) =>
      Object.entries(op.responses).flatMap(([status, r]) => {
        const response = '$ref' in r ? doc.components.responses[r.$ref.split('/').pop()!]! : r;
        return response.headers?.['X-Request-Id'] ? [] : [`${method} ${path} ${status}`];
      }),
    );
    assert.deepEqual(missing, []);
    const publicOps = operations.filter(({ op }) => op.security?.length === 0).map(({ path }) => path);
    assert.deepEqual(publicOps.sort(), ['/docs', '/openapi.json']);
    const keyedWithout401 = operations.filter(({ op }) => op.security?.length !== 0 && !op.responses['401']).map(({ method, path }) => `${method} ${path}`);
    assert.deepEqual(keyedWithout401, []);
    assert.deepEqual(doc.security, [{ apiKey: [] }]);
    assert.deepEqual(Object.keys(doc.components.responses).filter((r) => ['Unauthorized', 'Forbidden', 'NotFound', 'TooManyRequests'].includes(r)), ['Unauthorized', 'Forbidden', 'NotFound', 'TooManyRequests']);
  });

  describe('served', () => {
    let server: Server;
    let base: string;
    before(async () => {
      const app = createApp({
        logger: createLogger('silent'),
        documents: { documents: {} as DocumentsService, maxDocumentBytes: 1024, bodies: new InflightBudget(4096) },
        readiness: {},
      });
      server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    });
    after(async () => {
      await new Promise((r) => server.close(r));
    });

    it('serves the document at GET /api/v1/openapi.json without credentials', async () => {
      const res = await fetch(`${base}/openapi.json`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const served = (await res.json()) as typeof doc;
      assert.deepEqual(served, { ...doc, info: { ...doc.info, version: served.info.version } });
      const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
      assert.equal(served.info.version, pkg.version);
    });

    it('serves a reference page at GET /api/v1/docs: every operation and schema, no script, nothing from elsewhere', async () => {
      const res = await fetch(`${base}/docs`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      const html = await res.text();
      for (const { op } of operations) assert.ok(html.includes(`id="op-${op.operationId}"`), op.operationId);
      for (const name of Object.keys(doc.components.schemas)) assert.ok(html.includes(`id="schema-${name}"`), name);
      assert.doesNotMatch(html, /<script|<link|\ssrc=|href="(?:https?:)?\/\//i);
      const style = /<style>([^<]*)<\/style>/.exec(html)![1]!;
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.equal(csp, `default-src 'none'; style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'; frame-ancestors 'none'`);
    });
  });
});
