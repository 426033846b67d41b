/**
 * Checks one HTTP response against the OpenAPI document: the route and method are described, the status is
 * described for that operation, the required headers are there, the media type is one described for that
 * status, and a JSON body validates against its schema (ajv, JSON Schema 2020-12, compiled once per schema).
 * A path no operation describes may answer only what every such path answers: 404 with a problem.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema, OpenApiDocument, Operation, Reference, Response } from '../../src/http/openapi/types.js';

export interface ObservedResponse {
  method: string;
  /** The request's path, without the query. */
  path: string;
  status: number;
  headers: Headers;
  /** The body as text; null when it was not read (HEAD) or could not be. */
  body: string | null;
}

export interface Violation {
  method: string;
  /** The path template the response matched, or the path itself when none did. */
  path: string;
  status: number;
  error: string;
}

// ajv-formats is CommonJS: under ESM its default export is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const ROOT_ID = 'urn:peppol-ap:openapi';
const COMPONENT_SCHEMA = '#/components/schemas/';

/** The schema with its component references made absolute, pointing into the one schema that holds them all. */
function absoluteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(absoluteRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith(COMPONENT_SCHEMA) ? `${ROOT_ID}#/$defs/${v.slice(COMPONENT_SCHEMA.length)}` : absoluteRefs(v)]),
  );
}

const mediaTypeOf = (contentType: string | null) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

/** The parsed body, or `undefined` when it is not JSON. */
function parsed(body: string | null): unknown {
  try {
    return body === null ? undefined : JSON.parse(body);
  } catch {
    return undefined;
  }
}

interface Route {
  template: string;
  pattern: RegExp;
  /** Literal segments: of two templates that both match, the more literal one wins (`/x/new` over `/x/{id}`). */
  literals: number;
  operations: Partial<Record<string, Operation>>;
}

function routeOf(template: string, operations: Route['operations']): Route {
  const segments = template.split('/').filter(Boolean);
  const pattern = segments.map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return { template, pattern: new RegExp(`^/${pattern}/?$`), literals: segments.filter((s) => !s.startsWith('{')).length, operations };
}

export interface ConformanceChecker {
  /** Whether the path is the API's (under the server URL); other paths (AS4, SMP, health) are not checked. */
  covers(path: string): boolean;
  check(response: ObservedResponse): Violation[];
}

export function conformanceChecker(doc: OpenApiDocument): ConformanceChecker {
  const base = doc.servers[0]?.url ?? '';
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addSchema({ $id: ROOT_ID, $defs: absoluteRefs(doc.components.schemas) as Record<string, JsonSchema> });
  const validators = new Map<JsonSchema, ValidateFunction>();
  const validatorOf = (schema: JsonSchema) => {
    let v = validators.get(schema);
    if (!v) validators.set(schema, (v = ajv.compile(absoluteRefs(schema) as JsonSchema)));
    return v;
  };
  const resolve = (r: Response | Reference): Response => ('$ref' in r ? doc.components.responses[r.$ref.slice(r.$ref.lastIndexOf('/') + 1)]! : r);
  const routes = Object.entries(doc.paths)
    .map(([template, item]) => routeOf(template, item as Route['operations']))
    .sort((a, b) => b.literals - a.literals);
  // Compiled now, not at the first response: a schema ajv refuses fails at once.
  for (const route of routes) {
    for (const op of Object.values(route.operations)) {
      for (const r of Object.values(op!.responses)) for (const m of Object.values(resolve(r).content ?? {})) if (m.schema) validatorOf(m.schema);
    }
  }
  const problem = validatorOf({ $ref: `${COMPONENT_SCHEMA}ProblemDetails` });

  function checkAgainst(described: Response, r: ObservedResponse): string[] {
    const errors: string[] = [];
    for (const [name, h] of Object.entries(described.headers ?? {})) {
      const header = '$ref' in h ? doc.components.headers[h.$ref.slice(h.$ref.lastIndexOf('/') + 1)]! : h;
      if (header.required && !r.headers.has(name)) errors.push(`header ${name} is missing`);
    }
    const content = described.content;
    const mediaType = mediaTypeOf(r.headers.get('content-type'));
    if (!content) {
      if (r.body) errors.push(`a body (${mediaType || 'no content type'}) where none is described`);
      return errors;
    }
    const entry = Object.entries(content).find(([t]) => t === mediaType || (t.endsWith('/*') && mediaType.startsWith(t.slice(0, -1))));
    if (!entry) return [...errors, `content type ${mediaType || '(none)'} is not described (${Object.keys(content).join(', ')})`];
    const schema = entry[1].schema;
    if (!schema || !isJson(mediaType) || r.body === null) return errors;
    const body = parsed(r.body);
    if (body === undefined) return [...errors, `the ${mediaType} body is not JSON`];
    const validate = validatorOf(schema);
    if (!validate(body)) errors.push(...(validate.errors ?? []).map((e) => `body${e.instancePath} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`));
    return errors;
  }

  return {
    covers: (path) => path === base || path.startsWith(`${base}/`),
    check(r) {
      const relative = r.path.slice(base.length) || '/';
      const method = r.method.toLowerCase();
      const route = routes.find((x) => x.pattern.test(relative));
      const op = route?.operations[method];
      const at = { method: r.method.toUpperCase(), path: route ? `${base}${route.template}` : r.path, status: r.status };
      if (!op) {
        // What any undescribed route answers (src/http/errors.ts notFound): a 404 problem.
        const isProblem = r.status === 404 && mediaTypeOf(r.headers.get('content-type')) === 'application/problem+json' && problem(parsed(r.body));
        return isProblem ? [] : [{ ...at, error: route ? `method ${at.method} is not described for this path` : 'no path of the document matches' }];
      }
      const described = op.responses[String(r.status)] ?? op.responses[`${String(r.status)[0]}XX`] ?? op.responses['default'];
      if (!described) return [{ ...at, error: `status ${r.status} is not described (${Object.keys(op.responses).join(', ')})` }];
      return checkAgainst(resolve(described), r).map((error) => ({ ...at, error }));
    },
  };
}
