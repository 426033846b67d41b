/**
 * The OpenAPI document of /api/v1: it passes a standard OpenAPI 3.1 validator, it is served with its HTML
 * reference page, and the conformance checker the root hook runs on every response finds what it should.
 */
import { ApError } from '../../src/errors.js';
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
import { conformanceChecker, type ObservedResponse } from '../support/openapi-check.js';

const doc = buildOpenApiDocument('0.0.0-test');
const operations = Object.entries(doc.paths).flatMap(([path, item]) => METHODS.flatMap((m) => (item[m] ? [{ path, method: m, op: item[m] as Operation }] : [])));

const problemBody = (status: number, code: string) =>
  JSON.stringify({ type: `urn:peppol-ap:problem:${code}`, title: 'Not found', status, detail: 'No such thing', code, error: code, message: 'No such thing' });

function observed(over: Omit<Partial<ObservedResponse>, 'headers'> & { headers?: Record<string, string> }): ObservedResponse {
  const { headers, ...rest } = over;
  return {
    method: 'GET',
    path: '/api/v1/documents/0b9e2f4c-5d1a-4c3e-9f7b-2a6d8e1c4b3f',
    status: 404,
    body: problemBody(404, 'api.not-found'),
    ...rest,
    headers: new Headers({ 'x-request-id': 'r-1', 'content-type': 'application/problem+json; charset=utf-8', ...headers }),
  };
}

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
        // Every key is refused: the description must be served without one.
        authenticate: (_req, _res, next) => next(new ApError('api.unauthorized', 'no key here')),
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

  describe('conformance checker', () => {
    const checker = conformanceChecker(doc);

    it('checks the paths under /api/v1 only', () => {
      assert.equal(checker.covers('/api/v1/documents'), true);
      assert.equal(checker.covers('/api/v1'), true);
      assert.equal(checker.covers('/api/v1x'), false);
      assert.equal(checker.covers('/as4'), false);
      assert.equal(checker.covers('/smp/iso6523-actorid-upis%3A%3A0208%3A0123456749'), false);
    });

    it('accepts a described status whose body validates', () => {
      assert.deepEqual(checker.check(observed({})), []);
    });

    it('reports a status the operation does not describe', () => {
      const v = checker.check(observed({ status: 418, body: problemBody(418, 'api.bad-request') }));
      assert.deepEqual(v.map((x) => [x.method, x.path, x.status]), [['GET', '/api/v1/documents/{id}', 418]]);
      assert.match(v[0]!.error, /status 418 is not described/);
    });

    it('reports a body that does not validate against the response schema', () => {
      const v = checker.check(observed({ status: 200, body: JSON.stringify({ id: 'not-a-document' }), headers: { 'content-type': 'application/json' } }));
      assert.ok(v.length > 0);
      assert.ok(v.every((x) => x.path === '/api/v1/documents/{id}' && x.status === 200 && x.error.startsWith('body')), JSON.stringify(v));
    });

    it('reports a media type not described and a missing X-Request-Id', () => {
      const v = checker.check(observed({ headers: { 'content-type': 'text/plain' } }));
      assert.match(v.map((x) => x.error).join('\n'), /content type text\/plain is not described/);
      const res = observed({});
      res.headers.delete('x-request-id');
      assert.deepEqual(checker.check(res).map((x) => x.error), ['header X-Request-Id is missing']);
    });

    it('lets an undescribed route answer only the 404 problem of every unknown route', () => {
      assert.deepEqual(checker.check(observed({ path: '/api/v1/nothing-here' })), []);
      assert.deepEqual(checker.check(observed({ method: 'DELETE' })), []);
      const v = checker.check(observed({ path: '/api/v1/nothing-here', status: 200, body: '{}', headers: { 'content-type': 'application/json' } }));
      assert.deepEqual(v, [{ method: 'GET', path: '/api/v1/nothing-here', status: 200, error: 'no path of the document matches' }]);
      assert.match(checker.check(observed({ method: 'PUT', status: 200 }))[0]!.error, /method PUT is not described/);
    });
  });
});
