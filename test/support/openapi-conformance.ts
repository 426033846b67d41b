/**
 * Root hooks (loaded by .mocharc.json `require`): every response the tests receive through the global fetch
 * from a path under /api/v1, of any server, is checked against the OpenAPI document (openapi-check.ts), and
 * the run fails in a root afterAll listing each violation. The bodies are read from a clone, so the tests
 * read theirs as before. Requests sent with node:http (http.request) are not seen.
 */
import { buildOpenApiDocument } from '../../src/http/openapi/index.js';
import { conformanceChecker, type Violation } from './openapi-check.js';

const checker = conformanceChecker(buildOpenApiDocument('test'));
const violations: Violation[] = [];
const pending = new Set<Promise<void>>();
const originalFetch = globalThis.fetch;

function requestOf(input: string | URL | Request, init?: RequestInit): { method: string; url: URL } {
  const url = new URL(input instanceof Request ? input.url : String(input));
  return { method: init?.method ?? (input instanceof Request ? input.method : 'GET'), url };
}

async function observe(method: string, path: string, res: Response): Promise<void> {
  // A body cut off (the test aborted, the server closed mid-way) is not the document's concern.
  const body = method.toUpperCase() === 'HEAD' ? null : await res.text().catch(() => null);
  violations.push(...checker.check({ method, path, status: res.status, headers: res.headers, body }));
}

async function checkedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const res = await originalFetch(input, init);
  const { method, url } = requestOf(input, init);
  // Redirects are followed by fetch: the response is the final URL's.
  const path = res.url ? new URL(res.url).pathname : url.pathname;
  if (checker.covers(path)) {
    const done = observe(method, path, res.clone()).finally(() => pending.delete(done));
    pending.add(done);
  }
  return res;
}

export const mochaHooks = {
  beforeAll(): void {
    globalThis.fetch = checkedFetch as typeof fetch;
  },
  async afterAll(): Promise<void> {
    await Promise.all(pending);
    globalThis.fetch = originalFetch;
    if (violations.length === 0) return;
    const lines = violations.map((v) => `  ${v.method} ${v.path} ${v.status}: ${v.error}`);
    throw new Error(`${violations.length} responses do not conform to the OpenAPI document (src/http/openapi):\n${[...new Set(lines)].join('\n')}`);
  },
};
