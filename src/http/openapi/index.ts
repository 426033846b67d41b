/**
 * The one OpenAPI 3.1 document of the REST API under /api/v1, assembled from the areas (areas.ts) and the
 * shared components. Built once, at start-up, by the router that serves it (router.ts).
 */
import * as areas from './areas.js';
import { COMPONENTS } from './components.js';
import type { ApiArea, JsonSchema, OpenApiDocument, PathItem } from './types.js';

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

export function buildOpenApiDocument(version: string): OpenApiDocument {
  const list: Array<[string, ApiArea]> = Object.entries(areas);
  return {
    openapi: '3.1.0',
    info: { title: 'Peppol access point API', version, description: DESCRIPTION },
    servers: [{ url: API_BASE_PATH }],
    security: [{ apiKey: [] }],
    paths: merge<PathItem>('path', list.map(([name, a]) => [name, a.paths])),
    components: {
      ...COMPONENTS,
      schemas: merge<JsonSchema>('schema', [['components', COMPONENTS.schemas], ...list.map(([name, a]): [string, Record<string, JsonSchema>] => [name, a.schemas])]),
    },
  };
}
