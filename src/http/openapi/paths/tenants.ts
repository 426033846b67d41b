/**
 * Tenants, their participants, API keys and mandates, and the audit log (src/http/tenants.ts). Operators
 * see and manage every tenant; a tenant's `admin` key its own; another tenant is not found.
 */
import { SCOPES } from '../../../auth/principal.js';
import { jsonResponse, nullable, pathParameter, problemResponse, queryParameter, record, ref, schemaRef, timestamp } from '../describe.js';
import type { JsonSchema, PathItem, Reference, RequestBody, Response } from '../types.js';

const TAG = ['tenants'];
const text = nullable('string');
const uuid: JsonSchema = { type: 'string', format: 'uuid' };
const scopes: JsonSchema = { type: 'array', minItems: 1, items: { enum: [...SCOPES] } };

const keyFields: Record<string, JsonSchema> = {
  id: uuid,
  tenantId: nullable('string', { format: 'uuid', description: 'null: an operator key.' }),
  name: { type: 'string' },
  prefix: { type: 'string', pattern: '^pap_[a-z2-7]{16}$', description: 'The public part of the key, recorded as the actor of what it does.' },
  scopes,
  expiresAt: timestamp(),
  lastUsedAt: timestamp('Written at most once a minute.'),
  revokedAt: timestamp(),
  createdAt: { type: 'string', format: 'date-time' },
  createdBy: { type: 'string' },
};

const mandate = record('Tenant `grantorTenantId` lets tenant `granteeTenantId` act for it within `scopes`.', {
  id: uuid,
  grantorTenantId: uuid,
  granteeTenantId: uuid,
  scopes,
  validUntil: timestamp(),
  revokedAt: timestamp(),
  createdAt: { type: 'string', format: 'date-time' },
  createdBy: { type: 'string' },
});

const schemas: Record<string, JsonSchema> = {
  Tenant: record('A company or public body.', {
    id: uuid,
    name: { type: 'string' },
    enterpriseNumber: nullable('string', { pattern: '^\\d{10}$' }),
    countryCode: nullable('string', { pattern: '^[A-Z]{2}$' }),
    sandbox: { type: 'boolean', description: 'Made by the sandbox: test data only.' },
    createdAt: { type: 'string', format: 'date-time' },
  }),
  TenantList: record('The tenants the key sees.', { tenants: { type: 'array', items: schemaRef('Tenant') } }),
  TenantInput: {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string' }, enterpriseNumber: { type: 'string', pattern: '^\\d{10}$' }, countryCode: { type: 'string', pattern: '^[A-Z]{2}$' } },
  },
  TenantParticipants: record("The tenant's participants.", { participants: { type: 'array', items: { type: 'string' } } }),
  TenantParticipantInput: { type: 'object', required: ['participant'], properties: { participant: { type: 'string' }, name: { type: 'string' } } },
  TenantParticipant: record('A participant given to the tenant.', { participant: { type: 'string' }, tenantId: uuid, added: { type: 'boolean', description: 'false: it was hosted already.' } }),
  ApiKey: record('An API key (never its secret).', keyFields),
  ApiKeyList: record("The tenant's keys.", { keys: { type: 'array', items: schemaRef('ApiKey') } }),
  ApiKeyInput: {
    type: 'object',
    required: ['scopes'],
    properties: { name: { type: 'string', maxLength: 200 }, scopes, expiresAt: { type: 'string', format: 'date-time' } },
  },
  NewApiKey: record('A new key: `secret` is shown here and never again.', {
    ...keyFields,
    secret: { type: 'string', pattern: '^pap_[a-z2-7]{16}_[A-Za-z0-9_-]{43}$', description: 'Send as `Authorization: Bearer <secret>`.' },
  }),
  Mandate: mandate,
  MandateList: record('Mandates the tenant gave or holds.', { mandates: { type: 'array', items: schemaRef('Mandate') } }),
  MandateInput: {
    type: 'object',
    required: ['granteeTenantId', 'scopes'],
    properties: { granteeTenantId: uuid, scopes: { ...scopes, description: 'Never `admin`.' }, validUntil: { type: 'string', format: 'date-time' } },
  },
  AuditEntry: record('One entry of the append-only audit log.', {
    id: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
    actor: { type: 'string' },
    actorTenantId: nullable('string', { format: 'uuid' }),
    onBehalfOfTenantId: nullable('string', { format: 'uuid' }),
    action: { type: 'string' },
    target: text,
    remoteAddress: text,
    details: nullable('object'),
  }),
  AuditLog: record('Audit entries, newest first.', { entries: { type: 'array', items: schemaRef('AuditEntry') } }),
};

const param = (name: string, what: string) => pathParameter(name, `The ${what} id, a UUID (anything else is 400).`, uuid);
const tenantId = [param('tenantId', 'tenant')];
const jsonBody = (schema: string): RequestBody => ({ description: 'A JSON object (at most 64 KiB).', required: true, content: { 'application/json': { schema: schemaRef(schema) } } });
const common: Record<string, Response | Reference> = { '400': ref('responses', 'BadRequest'), '500': ref('responses', 'InternalError') };
const notFound = problemResponse('Not found, or not one this key may see (`api.not-found`).');
const conflict = problemResponse('`api.conflict`: already revoked, or the participant belongs to another tenant.');

const paths: Record<string, PathItem> = {
  '/tenants': {
    get: { operationId: 'listTenants', summary: 'The tenants the key sees: its own and those that gave it a mandate (operator: all)', tags: TAG, responses: { '200': jsonResponse('The tenants.', schemaRef('TenantList')), ...common } },
    post: {
      operationId: 'createTenant',
      summary: 'Create a tenant (operator keys with `admin`)',
      tags: TAG,
      requestBody: jsonBody('TenantInput'),
      responses: { '201': jsonResponse('Created.', schemaRef('Tenant'), { Location: { description: '`/api/v1/tenants/{id}`', required: true, schema: { type: 'string' } } }), ...common },
    },
  },
  '/tenants/{tenantId}': {
    get: { operationId: 'getTenant', summary: 'One tenant', tags: TAG, parameters: tenantId, responses: { '200': jsonResponse('The tenant.', schemaRef('Tenant')), '404': notFound, ...common } },
  },
  '/tenants/{tenantId}/participants': {
    get: { operationId: 'listTenantParticipants', summary: "The tenant's participants", tags: TAG, parameters: tenantId, responses: { '200': jsonResponse('The participants.', schemaRef('TenantParticipants')), '404': notFound, ...common } },
    post: {
      operationId: 'addTenantParticipant',
      summary: 'Give a participant to the tenant (a tenant key: only one carrying its enterprise number)',
      tags: TAG,
      parameters: tenantId,
      requestBody: jsonBody('TenantParticipantInput'),
      responses: {
        '200': jsonResponse('It was hosted already, and is now the tenant\'s.', schemaRef('TenantParticipant')),
        '201': jsonResponse('Hosted and given to the tenant.', schemaRef('TenantParticipant')),
        '404': notFound,
        '409': conflict,
        ...common,
      },
    },
  },
  '/tenants/{tenantId}/keys': {
    get: { operationId: 'listApiKeys', summary: "The tenant's API keys", tags: TAG, parameters: tenantId, responses: { '200': jsonResponse('The keys.', schemaRef('ApiKeyList')), '404': notFound, ...common } },
    post: {
      operationId: 'createApiKey',
      summary: 'Create an API key; its secret is in this answer only',
      tags: TAG,
      parameters: tenantId,
      requestBody: jsonBody('ApiKeyInput'),
      responses: { '201': jsonResponse('Created.', schemaRef('NewApiKey')), '404': notFound, ...common },
    },
  },
  '/keys/{keyId}': {
    delete: {
      operationId: 'revokeApiKey',
      summary: 'Revoke a key: it stops working at once, in every process',
      tags: TAG,
      parameters: [param('keyId', 'API key')],
      responses: { '200': jsonResponse('Revoked.', schemaRef('ApiKey')), '404': notFound, '409': conflict, ...common },
    },
  },
  '/tenants/{tenantId}/mandates': {
    get: { operationId: 'listMandates', summary: 'Mandates the tenant gave or holds', tags: TAG, parameters: tenantId, responses: { '200': jsonResponse('The mandates.', schemaRef('MandateList')), '404': notFound, ...common } },
    post: {
      operationId: 'grantMandate',
      summary: 'Let another tenant (an accountant, a software house) act for this one within scopes',
      tags: TAG,
      parameters: tenantId,
      requestBody: jsonBody('MandateInput'),
      responses: { '201': jsonResponse('Granted.', schemaRef('Mandate')), '404': notFound, ...common },
    },
  },
  '/mandates/{mandateId}': {
    delete: {
      operationId: 'revokeMandate',
      summary: 'End a mandate at once (either side may)',
      tags: TAG,
      parameters: [param('mandateId', 'mandate')],
      responses: { '200': jsonResponse('Revoked.', schemaRef('Mandate')), '404': notFound, '409': conflict, ...common },
    },
  },
  '/audit': {
    get: {
      operationId: 'listAuditLog',
      summary: "The audit log of the key's tenant (operator: all), newest first",
      tags: TAG,
      parameters: [
        queryParameter('limit', 'Page size, 1 to 500.', { type: 'integer', minimum: 1, maximum: 500, default: 100 }),
        queryParameter('before', 'An entry id: only older entries.', { type: 'integer', minimum: 1 }),
      ],
      responses: { '200': jsonResponse('Entries.', schemaRef('AuditLog')), ...common },
    },
  },
};

export { paths, schemas };
