/**
 * Webhook endpoints (src/http/webhooks.ts, scope `webhooks`) and the event feed (src/http/events.ts,
 * scope `send` or `inbox`): the same events, pushed by Standard Webhooks or pulled in commit order.
 */
import { DOCUMENT_EVENT_TYPES } from '../../../webhooks/event-types.js';
import { emptyResponse, jsonResponse, nullable, pathParameter, problemResponse, queryParameter, record, ref, schemaRef, timestamp } from '../describe.js';
import type { JsonSchema, PathItem, Reference, RequestBody, Response } from '../types.js';

const TAG = ['webhooks'];
const uuid: JsonSchema = { type: 'string', format: 'uuid' };
const eventType: JsonSchema = { enum: [...DOCUMENT_EVENT_TYPES] };
const secret: JsonSchema = { type: 'string', pattern: '^whsec_[A-Za-z0-9+/]+=*$', description: 'The signing secret, shown in this answer only.' };

const endpointFields: Record<string, JsonSchema> = {
  id: uuid,
  tenantId: uuid,
  url: { type: 'string' },
  eventTypes: { type: 'array', items: eventType },
  disabledAt: timestamp('Set when deliveries stopped: a 410, or every attempt of a delivery failed.'),
  disabledReason: nullable('string'),
  previousSecretValidUntil: timestamp('After a rotation, until when the previous secret signs too.'),
  createdAt: { type: 'string', format: 'date-time' },
};

const schemas: Record<string, JsonSchema> = {
  WebhookEndpoint: record('A subscribed endpoint.', endpointFields),
  WebhookEndpointWithSecret: record('A new or rotated endpoint, with its signing secret.', { ...endpointFields, secret }),
  WebhookEndpointList: record("The endpoints of the caller's tenants.", { webhooks: { type: 'array', items: schemaRef('WebhookEndpoint') } }),
  WebhookEndpointInput: {
    type: 'object',
    required: ['url', 'eventTypes'],
    properties: {
      url: { type: 'string', description: 'https (http only with WEBHOOKS_ALLOW_PRIVATE_TARGETS); never a loopback or private address unless that setting allows it.' },
      eventTypes: { type: 'array', minItems: 1, items: eventType },
      tenantId: { ...uuid, description: "Default: the key's own tenant (an operator key must name one)." },
    },
  },
  WebhookDelivery: record('One message to the endpoint and its attempts.', {
    id: uuid,
    webhookId: { type: 'string', description: 'The `webhook-id` header, the same in every attempt and replay.' },
    eventId: nullable('string'),
    eventType: { type: 'string' },
    replay: { type: 'boolean' },
    status: { enum: ['pending', 'succeeded', 'failed'] },
    attempts: { type: 'integer', minimum: 0 },
    nextAttemptAt: timestamp(),
    lastError: nullable('string'),
    createdAt: { type: 'string', format: 'date-time' },
    attemptLog: {
      type: 'array',
      items: record('One attempt.', { at: { type: 'string', format: 'date-time' }, httpStatus: nullable('integer'), latencyMs: { type: 'integer', minimum: 0 }, error: nullable('string') }),
    },
  }),
  WebhookDeliveryList: record('The latest 100 deliveries, newest first.', { deliveries: { type: 'array', items: schemaRef('WebhookDelivery') } }),
  WebhookReplayInput: {
    type: 'object',
    description: 'One event again, or every event of a time range (at most 1000).',
    properties: { eventId: { type: 'string' }, from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } },
  },
  WebhookReplayed: record('The deliveries made.', { deliveries: { type: 'array', items: uuid } }),
  WebhookTestSent: record('The delivery of a `webhook.test` message.', { delivery: uuid }),
  FeedEvent: record('An event of a document the caller may see.', {
    cursor: { type: 'string', pattern: '^\\d+-\\d+$' },
    type: eventType,
    at: { type: 'string', format: 'date-time' },
    eventId: { type: 'string' },
    documentId: uuid,
    direction: { enum: ['outbound', 'inbound'] },
    status: { type: 'string' },
    previousStatus: nullable('string'),
    businessStatus: { enum: ['received', 'processed', 'rejected', 'paid'], description: '`response.received`: the business status the Invoice Response left the invoice in.' },
    response: record('`response.received` and `mls.received`: the answer.', {
      code: { type: 'string', description: 'Invoice Response: AB, IP, UQ, CA, RE, AP, PD; MLS: AP, AB, RE.' },
      documentId: { type: 'string', description: 'The response document (GET /documents/{id}).' },
      reason: nullable('string', { description: 'What it says, for people: codes, texts, rule ids.' }),
    }),
  }, ['businessStatus', 'response']),
  FeedPage: record('Events in commit order: a poller that passes `next` back as `after` never misses one and never sees one twice.', {
    events: { type: 'array', items: schemaRef('FeedEvent') },
    next: { type: 'string', description: 'Pass as `after`; an empty page keeps it where it was.' },
  }),
};

const byId = [pathParameter('webhookId', 'The endpoint id, a UUID (anything else is 400).', uuid)];
const jsonBody = (schema: string, required = true): RequestBody => ({ description: 'A JSON object (at most 16 KiB).', required, content: { 'application/json': { schema: schemaRef(schema) } } });
const common: Record<string, Response | Reference> = { '400': ref('responses', 'BadRequest'), '500': ref('responses', 'InternalError') };
const notFound = problemResponse('No such endpoint among the key\'s tenants (`api.not-found`).');
const disabled = problemResponse('The endpoint is disabled (`api.conflict`): delete it and subscribe again.');

const paths: Record<string, PathItem> = {
  '/webhooks': {
    get: { operationId: 'listWebhooks', summary: "The caller's webhook endpoints", tags: TAG, responses: { '200': jsonResponse('The endpoints.', schemaRef('WebhookEndpointList')), ...common } },
    post: {
      operationId: 'createWebhook',
      summary: 'Subscribe an endpoint to event types; the signing secret is in this answer only',
      tags: TAG,
      requestBody: jsonBody('WebhookEndpointInput'),
      responses: {
        '201': jsonResponse('Subscribed.', schemaRef('WebhookEndpointWithSecret'), { Location: { description: '`/api/v1/webhooks/{id}`', required: true, schema: { type: 'string' } } }),
        '404': problemResponse('The tenant is not one the key may manage webhooks for (`api.not-found`).'),
        '422': problemResponse('`webhook.target-refused`: the URL resolves to a loopback, private or link-local address, or is not https.'),
        ...common,
      },
    },
  },
  '/webhooks/{webhookId}': {
    get: { operationId: 'getWebhook', summary: 'One endpoint', tags: TAG, parameters: byId, responses: { '200': jsonResponse('The endpoint.', schemaRef('WebhookEndpoint')), '404': notFound, ...common } },
    delete: { operationId: 'deleteWebhook', summary: 'Unsubscribe', tags: TAG, parameters: byId, responses: { '204': emptyResponse('Deleted.'), '404': notFound, ...common } },
  },
  '/webhooks/{webhookId}/rotate-secret': {
    post: {
      operationId: 'rotateWebhookSecret',
      summary: 'A new signing secret; the previous one signs too for 24 hours',
      tags: TAG,
      parameters: byId,
      responses: { '200': jsonResponse('The endpoint and its new secret.', schemaRef('WebhookEndpointWithSecret')), '404': notFound, ...common },
    },
  },
  '/webhooks/{webhookId}/deliveries': {
    get: {
      operationId: 'listWebhookDeliveries',
      summary: 'The delivery log: each delivery with its attempts (time, HTTP status, latency)',
      tags: TAG,
      parameters: byId,
      responses: { '200': jsonResponse('The deliveries.', schemaRef('WebhookDeliveryList')), '404': notFound, ...common },
    },
  },
  '/webhooks/{webhookId}/replay': {
    post: {
      operationId: 'replayWebhook',
      summary: 'Deliver one event again, or every event of a time range, with their original webhook-id',
      tags: TAG,
      parameters: byId,
      requestBody: jsonBody('WebhookReplayInput'),
      responses: { '202': jsonResponse('Queued.', schemaRef('WebhookReplayed')), '404': notFound, '409': disabled, ...common },
    },
  },
  '/webhooks/{webhookId}/test': {
    post: {
      operationId: 'testWebhook',
      summary: 'Send a `webhook.test` message',
      tags: TAG,
      parameters: byId,
      responses: { '202': jsonResponse('Queued.', schemaRef('WebhookTestSent')), '404': notFound, '409': disabled, ...common },
    },
  },
  '/events': {
    get: {
      operationId: 'listEvents',
      summary: "The caller's document events in commit order, for integrators that poll",
      tags: TAG,
      parameters: [
        queryParameter('after', 'The `next` of the previous page (absent: from the start).', { type: 'string', pattern: '^\\d+-\\d+$' }),
        queryParameter('limit', 'Page size, 1 to 500.', { type: 'integer', minimum: 1, maximum: 500, default: 100 }),
      ],
      responses: { '200': jsonResponse('A page of events.', schemaRef('FeedPage')), ...common },
    },
  },
};

export { paths, schemas };
