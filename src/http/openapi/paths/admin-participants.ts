/**
 * Administration of the participants hosted here and the document types our SMP publishes for them
 * (src/http/admin-participants.ts), by keys with the `participants` scope: a tenant's key its own
 * participants, an operator's all. Adding or removing a participant also (un)registers it in the SML.
 */
import { emptyResponse, jsonResponse, nullable, problemResponse, queryParameter, record, ref, schemaRef } from '../describe.js';
import type { JsonSchema, PathItem, Reference, RequestBody, Response } from '../types.js';

const TAG = ['admin'];
const text = nullable('string');

const capabilityInput: Record<string, JsonSchema> = {
  documentType: { type: 'string', description: 'A short name of the constants table (`invoice`, `credit-note`…) or a full document type identifier.' },
  process: { type: 'string', description: 'A process identifier; needed when the document type is not in the constants table.' },
  transportProfile: { type: 'string' },
  endpointUrl: { type: 'string', pattern: '^https?://', description: 'Our AS4 endpoint when unset.' },
  certificatePem: { type: 'string', description: 'A PEM certificate; our AP certificate when unset.' },
  serviceActivationDate: { type: 'string', format: 'date-time' },
  serviceExpirationDate: { type: 'string', format: 'date-time' },
};

const hostedFields: Record<string, JsonSchema> = {
  id: { type: 'string', format: 'uuid' },
  participant: { type: 'string', description: '`iso6523-actorid-upis::<icd>:<id>`, lower case.' },
  name: text,
  countryCode: text,
  createdAt: { type: 'string', format: 'date-time' },
  documentTypes: { type: 'array', items: schemaRef('Capability') },
};

const schemas: Record<string, JsonSchema> = {
  CapabilityInput: { type: 'object', required: ['documentType'], properties: capabilityInput },
  ParticipantInput: {
    type: 'object',
    required: ['participant'],
    properties: {
      participant: { type: 'string', description: '`iso6523-actorid-upis::0208:0123456749` or `0208:0123456749`.' },
      name: { type: 'string' },
      countryCode: { type: 'string', pattern: '^[A-Z]{2}$' },
      documentTypes: { type: 'array', items: schemaRef('CapabilityInput') },
      tenantId: { type: 'string', format: 'uuid', description: "The tenant it is given to; default the key's own (an operator's key: none)." },
    },
  },
  Capability: record('A document type (and process) the participant receives, as our SMP publishes it.', {
    id: { type: 'string', pattern: '^[0-9]+$', description: 'A 64-bit serial, as a decimal string.' },
    documentType: { type: 'string', description: '`<scheme>::<value>`' },
    process: { type: 'string', description: '`<scheme>::<value>`' },
    transportProfile: { type: 'string' },
    endpointUrl: text,
    hasOwnCertificate: { type: 'boolean' },
    serviceActivationDate: nullable('string', { format: 'date-time' }),
    serviceExpirationDate: nullable('string', { format: 'date-time' }),
  }),
  HostedParticipant: record('A participant hosted here.', hostedFields),
  AddedParticipant: record('A participant now hosted here, and the tenant it was given to.', { ...hostedFields, tenantId: nullable('string', { format: 'uuid' }) }),
  HostedParticipants: record('The participants hosted here that the key manages.', { participants: { type: 'array', items: schemaRef('HostedParticipant') } }),
};

const jsonBody = (description: string, schema: string): RequestBody => ({ description, required: true, content: { 'application/json': { schema: schemaRef(schema) } } });
const participant = [ref('parameters', 'Participant')];
const always: Record<string, Response | Reference> = { '401': ref('responses', 'Unauthorized'), '500': ref('responses', 'InternalError') };
const badInput = problemResponse('`api.bad-request` (a field missing or not a string, with `details.field`), `identifier.invalid`, `json.malformed`.');
const bodyErrors: Record<string, Response | Reference> = {
  '400': badInput,
  '413': ref('responses', 'PayloadTooLarge'),
  '415': ref('responses', 'UnsupportedMediaType'),
};
const notHosted = problemResponse('The participant is not hosted here (`api.not-found`).');

const paths: Record<string, PathItem> = {
  '/admin/participants': {
    get: {
      operationId: 'listHostedParticipants',
      summary: 'The participants hosted here that the key manages, with their document types',
      tags: TAG,
      responses: { '200': jsonResponse('The participants.', schemaRef('HostedParticipants')), ...always },
    },
    post: {
      operationId: 'addHostedParticipant',
      summary: 'Host a participant (and register it in the SML), with its document types',
      tags: TAG,
      requestBody: jsonBody('The participant and its document types (body at most 256 KiB).', 'ParticipantInput'),
      responses: {
        '201': jsonResponse('Hosted.', schemaRef('AddedParticipant')),
        ...bodyErrors,
        '404': problemResponse('The tenant is not one the key manages (`api.not-found`).'),
        '409': problemResponse('Already hosted here, or owned by another tenant (`api.conflict`).'),
        ...always,
      },
    },
  },
  '/admin/participants/{participant}': {
    get: {
      operationId: 'getHostedParticipant',
      summary: 'One hosted participant',
      tags: TAG,
      parameters: participant,
      responses: { '200': jsonResponse('The participant.', schemaRef('HostedParticipant')), '400': ref('responses', 'BadRequest'), '404': notHosted, ...always },
    },
    delete: {
      operationId: 'removeHostedParticipant',
      summary: 'Stop hosting a participant (and unregister it from the SML)',
      tags: TAG,
      parameters: participant,
      responses: { '204': emptyResponse('Removed.'), '400': ref('responses', 'BadRequest'), '404': notHosted, ...always },
    },
  },
  '/admin/participants/{participant}/document-types': {
    post: {
      operationId: 'addHostedDocumentType',
      summary: 'Publish a document type for a hosted participant',
      tags: TAG,
      parameters: participant,
      requestBody: jsonBody('The document type.', 'CapabilityInput'),
      responses: {
        '201': jsonResponse('Published.', schemaRef('Capability')),
        ...bodyErrors,
        '404': notHosted,
        '409': problemResponse('The participant already has this document type, process and endpoint (`api.conflict`).'),
        ...always,
      },
    },
    delete: {
      operationId: 'removeHostedDocumentType',
      summary: 'Stop publishing a document type (every process, or one)',
      tags: TAG,
      parameters: [
        ...participant,
        queryParameter('documentType', 'A short name or a full document type identifier.', { type: 'string' }, true),
        queryParameter('process', 'Only this process; every process when absent.', { type: 'string' }),
      ],
      responses: {
        '204': emptyResponse('Removed.'),
        '400': problemResponse('`documentType` missing, or an identifier that does not parse (`api.bad-request`, `identifier.invalid`).'),
        '404': problemResponse('Not hosted here, or no entry for this document type (`api.not-found`).'),
        ...always,
      },
    },
  },
};

export { paths, schemas };
