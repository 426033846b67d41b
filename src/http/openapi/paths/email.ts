/**
 * The e-mail channel's settings (src/http/email.ts, scope `participants`): a tenant's language, outbound
 * fallback and notification subscriptions; a hosted participant's pick-up delay. Mounted only where the
 * e-mail channel is on (SMTP_HOST).
 */
import { EMAIL_LANGUAGES, NOTIFICATION_EVENTS } from '../../../email/texts.js';
import { emptyResponse, jsonResponse, nullable, pathParameter, problemResponse, record, ref, schemaRef } from '../describe.js';
import type { JsonSchema, PathItem, Reference, RequestBody, Response } from '../types.js';

const TAG = ['email'];
const language: JsonSchema = { enum: [...EMAIL_LANGUAGES], description: 'The language of e-mails sent for the tenant (fallback invoices, pick-up e-mails, responses, notifications).' };
const fallback: JsonSchema = {
  enum: ['off', 'always', 'on_peppol_failure'],
  description: '`on_peppol_failure`: an outbound invoice whose receiver is not on Peppol (not registered, or no endpoint for the document type) is e-mailed to the buyer; `always`: also when Peppol did not deliver in the end (attempts ran out, refused); `off`: never. A submission may say otherwise (`?emailFallback=`).',
};
const events: JsonSchema = { type: 'array', uniqueItems: true, items: { enum: [...NOTIFICATION_EVENTS] }, description: '`document.received`: a new document in an inbox; `document.failed`: an outbound document ended failed or undeliverable; `webhook.disabled`: a webhook endpoint was disabled.' };
const delaySeconds: JsonSchema = { type: 'integer', minimum: 3600, maximum: 432000, description: 'One hour to five days.' };

const schemas: Record<string, JsonSchema> = {
  TenantEmailSettings: record("A tenant's e-mail settings (the defaults until it saves its own).", {
    language,
    fallback,
    notificationAddress: nullable('string', { description: 'Where notifications go.' }),
    notificationEvents: events,
  }),
  TenantEmailSettingsInput: {
    type: 'object',
    required: ['language', 'fallback'],
    properties: { language, fallback, notificationAddress: nullable('string'), notificationEvents: events },
  },
  PickupDelay: record("A hosted participant's pick-up delay: a document still in its inbox after it is rendered and e-mailed to the functional address (and stays in the inbox).", {
    participant: { type: 'string', description: '`ICD:value`, lower case.' },
    delaySeconds,
    functionalAddress: { type: 'string' },
  }),
  PickupDelayInput: { type: 'object', required: ['delaySeconds', 'functionalAddress'], properties: { delaySeconds, functionalAddress: { type: 'string' } } },
};

const jsonBody = (schema: string): RequestBody => ({ description: 'A JSON object (at most 16 KiB).', required: true, content: { 'application/json': { schema: schemaRef(schema) } } });
const common: Record<string, Response | Reference> = { '400': ref('responses', 'BadRequest'), '401': ref('responses', 'Unauthorized'), '500': ref('responses', 'InternalError') };
const tenant = [pathParameter('tenantId', 'The tenant id, a UUID.', { type: 'string', format: 'uuid' })];
const participant = [pathParameter('participant', 'A participant hosted here, `iso6523-actorid-upis::ICD:value` or `ICD:value`.', { type: 'string' })];
const noTenant = problemResponse('No such tenant among those the key may manage (`api.not-found`).');
const noParticipant = problemResponse('No such participant of a tenant the key may manage (`api.not-found`).');

const paths: Record<string, PathItem> = {
  '/tenants/{tenantId}/email-settings': {
    get: { operationId: 'getTenantEmailSettings', summary: "A tenant's e-mail language, fallback and notifications", tags: TAG, parameters: tenant, responses: { '200': jsonResponse('The settings.', schemaRef('TenantEmailSettings')), '404': noTenant, ...common } },
    put: {
      operationId: 'putTenantEmailSettings',
      summary: "Set a tenant's e-mail language, fallback and notification subscriptions",
      tags: TAG,
      parameters: tenant,
      requestBody: jsonBody('TenantEmailSettingsInput'),
      responses: { '200': jsonResponse('Saved.', schemaRef('TenantEmailSettings')), '404': noTenant, ...common },
    },
  },
  '/participants/{participant}/pickup-delay': {
    get: { operationId: 'getPickupDelay', summary: "A hosted participant's pick-up delay", tags: TAG, parameters: participant, responses: { '200': jsonResponse('The delay.', schemaRef('PickupDelay')), '404': problemResponse('No delay set, or no such participant (`api.not-found`).'), ...common } },
    put: {
      operationId: 'putPickupDelay',
      summary: 'Set the pick-up delay (off by default): documents not picked up by then are e-mailed to the functional address',
      tags: TAG,
      parameters: participant,
      requestBody: jsonBody('PickupDelayInput'),
      responses: { '200': jsonResponse('Saved; applies to documents received from now on.', schemaRef('PickupDelay')), '404': noParticipant, ...common },
    },
    delete: { operationId: 'deletePickupDelay', summary: 'Turn the pick-up delay off', tags: TAG, parameters: participant, responses: { '204': emptyResponse('Off.'), '404': noParticipant, ...common } },
  },
};

export { paths, schemas };
