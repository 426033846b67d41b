/**
 * The one OpenAPI 3.1 document of the REST API under /api/v1, assembled from the areas (areas.ts) and the
 * shared components. Built once, at start-up, by the router that serves it (router.ts).
 */
import * as areas from './areas.js';
import { COMPONENTS } from './components.js';
import { ref } from './describe.js';
import { METHODS, type ApiArea, type JsonSchema, type OpenApiDocument, type PathItem } from './types.js';

/** Where the document's paths are mounted: `paths['/documents']` answers at `/api/v1/documents`. */
export const API_BASE_PATH = '/api/v1';

const DESCRIPTION = `The REST API of this Peppol access point: send UBL invoices and credit notes, follow their delivery, receive documents in a participant's inbox, administer the participants hosted here.

Every error is an RFC 9457 problem (\`application/problem+json\`, schema ProblemDetails) whose \`code\` is a kind of the error catalogue; a path that no operation here describes answers 404 \`api.not-found\`. Every response carries \`X-Request-Id\`.`;

/** Merges name → value maps, refusing a name two areas both define (a path or a schema). */
function merge<T>(what: string, parts: ReadonlyArray<[area: string, Readonly<Record<string, T>>]>): Record<string, T> {
  const out: Record<string, T> = {};
  const owner = new Map<string, string>();
  for (const [area, entries] of parts) {
    for (const [name, value] of Object.entries(entries)) {
      const first = owner.get(name);
      if (first !== undefined) throw new Error(`OpenAPI ${what} ${name} is defined by both ${first} and ${area}`);
      owner.set(name, area);
      out[name] = value;
    }
  }
  return out;
}

/**
 * Every keyed operation can be answered by authentication before its route runs (src/http/auth.ts):
 * 401 without a valid key, 403 without the scope, 429 past the key's rate. Described here once.
 */
function withAuthentication(paths: Record<string, PathItem>): Record<string, PathItem> {
  const out: Record<string, PathItem> = {};
  for (const [path, item] of Object.entries(paths)) {
    const copy: { -readonly [M in keyof PathItem]: PathItem[M] } = { ...item };
    for (const m of METHODS) {
      const op = item[m];
      if (!op || op.security?.length === 0) continue;
      copy[m] = {
        ...op,
        responses: { '401': ref('responses', 'Unauthorized'), '403': ref('responses', 'Forbidden'), '429': ref('responses', 'TooManyRequests'), ...op.responses },
      };
    }
    out[path] = copy;
  }
  return out;
}

export function buildOpenApiDocument(version: string): OpenApiDocument {
  const list: Array<[string, ApiArea]> = Object.entries(areas);
  return {
    openapi: '3.1.0',
    info: { title: 'Peppol access point API', version, description: DESCRIPTION },
    servers: [{ url: API_BASE_PATH }],
    security: [{ apiKey: [] }],
    paths: withAuthentication(merge<PathItem>('path', list.map(([name, a]) => [name, a.paths]))),
    components: {
      ...COMPONENTS,
      schemas: merge<JsonSchema>('schema', [['components', COMPONENTS.schemas], ...list.map(([name, a]): [string, Record<string, JsonSchema>] => [name, a.schemas])]),
    },
  };
}
