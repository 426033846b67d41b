/**
 * Helpers the area modules describe their operations with, so that every response carries the headers
 * every response has (X-Request-Id) and every error is described the one way errors are answered
 * (application/problem+json, src/http/errors.ts).
 */
import type { Header, JsonSchema, Parameter, Reference, Response } from './types.js';

export const PROBLEM_JSON = 'application/problem+json';

/** A `$ref` to a component: `ref('schemas', 'ProblemDetails')`. */
export function ref(kind: 'schemas' | 'responses' | 'headers' | 'parameters', name: string): Reference {
  return { $ref: `#/components/${kind}/${name}` };
}

export const schemaRef = (name: string): Reference => ref('schemas', name);

/** Response headers beside X-Request-Id, which every response gets. */
type ExtraHeaders = Readonly<Record<string, Header | Reference>>;

function headers(extra: ExtraHeaders): Record<string, Header | Reference> {
  return { 'X-Request-Id': ref('headers', 'X-Request-Id'), ...extra };
}

export function jsonResponse(description: string, schema: JsonSchema, extra: ExtraHeaders = {}): Response {
  return { description, headers: headers(extra), content: { 'application/json': { schema } } };
}

/** A body of another media type (XML payloads, receipts, the HTML reference page). */
export function bodyResponse(description: string, mediaType: string, extra: ExtraHeaders = {}): Response {
  return { description, headers: headers(extra), content: { [mediaType]: { schema: { type: 'string' } } } };
}

export function emptyResponse(description: string, extra: ExtraHeaders = {}): Response {
  return { description, headers: headers(extra) };
}

/** An error answered as an RFC 9457 problem; `description` lists the catalogue kinds it can carry. */
export function problemResponse(description: string, extra: ExtraHeaders = {}): Response {
  return { description, headers: headers(extra), content: { [PROBLEM_JSON]: { schema: schemaRef('ProblemDetails') } } };
}

export function pathParameter(name: string, description: string, schema: JsonSchema): Parameter {
  return { name, in: 'path', required: true, description, schema };
}

export function queryParameter(name: string, description: string, schema: JsonSchema, required = false): Parameter {
  return { name, in: 'query', description, schema, ...(required ? { required } : {}) };
}

/** `type: [t, 'null']`: JSON Schema 2020-12's nullable, which OpenAPI 3.1 uses instead of `nullable`. */
export function nullable(type: string, more: JsonSchema = {}): JsonSchema {
  return { type: [type, 'null'], ...more };
}

/**
 * A closed object: the properties the route writes and no other (so that a field added to a view and not
 * here fails the conformance check), all present but the `optional` ones.
 */
export function record(description: string, properties: Readonly<Record<string, JsonSchema>>, optional: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    required: Object.keys(properties).filter((p) => !optional.includes(p)),
    properties,
  };
}

/** A nullable ISO date-time, as the views write timestamps. */
export function timestamp(description?: string): JsonSchema {
  return nullable('string', { format: 'date-time', ...(description ? { description } : {}) });
}

/** A component schema, or null. */
export function nullableRef(name: string): JsonSchema {
  return { anyOf: [schemaRef(name), { type: 'null' }] };
}
