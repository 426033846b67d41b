/** This document and its HTML rendering (src/http/openapi/router.ts): public, no key needed. */
import { bodyResponse, jsonResponse } from '../describe.js';
import type { JsonSchema, PathItem } from '../types.js';

const TAG = ['reference'];
const PUBLIC: [] = [];

const schemas: Record<string, JsonSchema> = {};

const paths: Record<string, PathItem> = {
  '/openapi.json': {
    get: {
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI 3.1 document',
      tags: TAG,
      security: PUBLIC,
      responses: { '200': jsonResponse('The document.', {
          type: 'object',
          required: ['openapi', 'info', 'paths'],
          properties: { openapi: { const: '3.1.0' }, info: { type: 'object' }, paths: { type: 'object' } },
        }) },
    },
  },
  '/docs': {
    get: {
      operationId: 'getApiReference',
      summary: 'The API reference: this document as an HTML page (no script, nothing loaded from elsewhere)',
      tags: TAG,
      security: PUBLIC,
      responses: { '200': bodyResponse('The page.', 'text/html') },
    },
  },
};

export { paths, schemas };
