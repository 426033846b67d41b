/**
 * The parts of an OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0) this project writes. Schemas
 * are JSON Schema 2020-12, which OpenAPI 3.1 takes whole, so they stay plain JSON objects here.
 */

export type JsonSchema = { readonly [keyword: string]: unknown };

/** A type alias, not an interface, so that a reference is also a JsonSchema (a `$ref` schema). */
export type Reference = { readonly $ref: string };

export interface Header {
  readonly description: string;
  readonly required?: boolean;
  readonly schema: JsonSchema;
}

export interface MediaType {
  readonly schema?: JsonSchema;
}

export interface Response {
  readonly description: string;
  readonly headers?: Readonly<Record<string, Header | Reference>>;
  readonly content?: Readonly<Record<string, MediaType>>;
}

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly description: string;
  readonly required?: boolean;
  readonly schema: JsonSchema;
}

export interface RequestBody {
  readonly description: string;
  readonly required?: boolean;
  readonly content: Readonly<Record<string, MediaType>>;
}

export interface Operation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly parameters?: ReadonlyArray<Parameter | Reference>;
  readonly requestBody?: RequestBody;
  /** Keyed by status code; `security: []` marks a public operation. */
  readonly responses: Readonly<Record<string, Response | Reference>>;
  readonly security?: ReadonlyArray<Readonly<Record<string, readonly string[]>>>;
}

export const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
export type Method = (typeof METHODS)[number];

export type PathItem = { readonly [M in Method]?: Operation };

/** One area of the API (documents, inbox, ...): its paths, relative to the server URL, and its schemas. */
export interface ApiArea {
  readonly paths: Readonly<Record<string, PathItem>>;
  readonly schemas: Readonly<Record<string, JsonSchema>>;
}

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly servers: ReadonlyArray<{ readonly url: string }>;
  readonly security: ReadonlyArray<Readonly<Record<string, readonly string[]>>>;
  readonly paths: Readonly<Record<string, PathItem>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly responses: Readonly<Record<string, Response>>;
    readonly headers: Readonly<Record<string, Header>>;
    readonly parameters: Readonly<Record<string, Parameter>>;
    readonly securitySchemes: Readonly<Record<string, { readonly type: 'http'; readonly scheme: 'bearer'; readonly bearerFormat: string; readonly description: string }>>;
  };
}
