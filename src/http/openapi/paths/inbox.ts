/**
 * The buyer's inbox per hosted participant (src/http/inbox.ts), Mercurius' list → retrieve → mark in REST.
 * A key with the `inbox` scope for the participant's tenant (own or by mandate); any other inbox is not found.
 */
import { RESPONSE_CODES, STATUS_ACTIONS, STATUS_REASONS } from '../../../responses/codes.js';
import { MAX_INBOX_PAGE } from '../../../services/inbox.js';
import { bodyResponse, jsonResponse, nullable, problemResponse, queryParameter, record, ref, schemaRef } from '../describe.js';
import type { JsonSchema, PathItem, Reference, Response } from '../types.js';

const TAG = ['inbox'];
const text = nullable('string');

const itemFields: Record<string, JsonSchema> = {
  id: { type: 'string', format: 'uuid' },
  status: { enum: ['available', 'acknowledged'] },
  receivedAt: { type: 'string', format: 'date-time', description: 'UTC, with microseconds.' },
  cursor: { type: 'string', description: '`<receivedAt>~<id>`: pass as `receivedAfter` to list what came after this document.' },
  sender: text,
  receiver: text,
  documentKind: nullable('string', { enum: ['Invoice', 'CreditNote', 'ApplicationResponse', null] }),
  documentType: text,
  process: text,
  invoiceNumber: text,
  issueDate: nullable('string', { format: 'date' }),
  payloadSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  payloadSize: { type: 'integer', minimum: 0 },
  as4: record('The AS4 message that brought the document (the support keys of Mercurius).', {
    messageId: text,
    conversationId: text,
    sbdhInstanceId: text,
    senderSeatId: text,
    countryC1: text,
  }),
};

const schemas: Record<string, JsonSchema> = {
  InboxItem: record('A received document in the inbox.', itemFields),
  InboxPage: record('Available documents, oldest first.', {
    documents: { type: 'array', items: schemaRef('InboxItem') },
    nextCursor: { ...text, description: 'The cursor of the last document listed (or the one given when none is); pass it as `receivedAfter` for the next page.' },
  }),
  InboxDocument: record('An inbox document with its payload.', {
    ...itemFields,
    payload: nullable('string', { contentEncoding: 'base64', description: 'The business document, base64; null once retention removed it.' }),
  }),
  InvoiceAnswer: record(
    'The buyer\'s answer (Peppol BIS 63 Invoice Response), sent to the seller over Peppol.',
    {
      code: { enum: [...RESPONSE_CODES], description: 'AB received, IP in process, UQ under query, CA conditionally accepted, RE rejected, AP accepted, PD paid.' },
      reasons: { type: 'array', maxItems: 20, items: clarification(STATUS_REASONS, 'OPStatusReason') },
      actions: { type: 'array', maxItems: 20, items: clarification(STATUS_ACTIONS, 'OPStatusAction: what the seller should do') },
      lines: {
        type: 'array',
        maxItems: 100,
        description: 'Clarifications about invoice lines: BIS 63 answers at document level, so each is sent as a status reason whose text names the line.',
        items: record('A clarification about one invoice line.', { lineId: { type: 'string', minLength: 1, maxLength: 1024 }, text: { type: 'string', minLength: 1, maxLength: 1024 }, reason: { enum: [...STATUS_REASONS], default: 'OTH' } }, ['reason']),
      },
      note: { type: 'string', minLength: 1, maxLength: 1024 },
      effectiveDate: { type: 'string', format: 'date', description: 'When the status applies (e.g. the payment date of PD).' },
    },
    ['reasons', 'actions', 'lines', 'note', 'effectiveDate'],
  ),
  AnswerAccepted: record('The Invoice Response is queued for the seller; follow it as an outbound document.', {
    responseDocumentId: { type: 'string', format: 'uuid' },
    businessStatus: nullable('string', { enum: ['received', 'processed', 'rejected', 'paid', null], description: 'The answered document\'s business status after this answer.' }),
    document: { type: 'string', description: 'The path of the response document in the documents API.' },
  }),
  Acknowledgement: record('Picked up: the document left the inbox.', { id: { type: 'string', format: 'uuid' }, status: { const: 'acknowledged' } }),
};

function clarification(codes: readonly string[], list: string): JsonSchema {
  return record(`A code of ${list}, with an optional text.`, { code: { enum: [...codes] }, text: { type: 'string', minLength: 1, maxLength: 1024 } }, ['text']);
}

const params = [ref('parameters', 'Participant'), ref('parameters', 'DocumentId')];
const errors: Record<string, Response | Reference> = {
  '400': ref('responses', 'BadRequest'),
  '401': ref('responses', 'Unauthorized'),
  '404': problemResponse('No such document in the inbox of this participant (`api.not-found`), or its payload is gone (retention).'),
  '500': ref('responses', 'InternalError'),
};

const paths: Record<string, PathItem> = {
  '/inbox/{participant}/documents': {
    get: {
      operationId: 'listInbox',
      summary: 'The documents available to a participant, oldest first',
      tags: TAG,
      parameters: [
        ref('parameters', 'Participant'),
        queryParameter('receivedAfter', 'A `nextCursor` (or an ISO date-time with time zone): only documents received after it.', { type: 'string' }),
        queryParameter('limit', `Page size, 1 to ${MAX_INBOX_PAGE}.`, { type: 'integer', minimum: 1, maximum: MAX_INBOX_PAGE, default: 100 }),
      ],
      responses: {
        '200': jsonResponse('A page of the inbox.', schemaRef('InboxPage')),
        '400': problemResponse('`identifier.invalid` participant, or `api.bad-request`: a `receivedAfter` or `limit` out of syntax.'),
        '404': problemResponse('No inbox of this participant for this key (`api.not-found`): not hosted here, or another tenant\'s.'),
        '401': ref('responses', 'Unauthorized'),
        '500': ref('responses', 'InternalError'),
      },
    },
  },
  '/inbox/{participant}/documents/{id}': {
    get: {
      operationId: 'getInboxDocument',
      summary: 'One inbox document, available or acknowledged, with its payload (base64)',
      tags: TAG,
      parameters: params,
      responses: { '200': jsonResponse('The document.', schemaRef('InboxDocument')), ...errors },
    },
  },
  '/inbox/{participant}/documents/{id}/payload': {
    get: {
      operationId: 'getInboxDocumentPayload',
      summary: 'The business document as received, as a download',
      tags: TAG,
      parameters: params,
      responses: {
        '200': bodyResponse('The UBL document, byte for byte.', 'application/xml', {
          'Content-Disposition': { description: '`attachment; filename="<id>.xml"`.', required: true, schema: { type: 'string' } },
        }),
        ...errors,
      },
    },
  },
  '/inbox/{participant}/documents/{id}/ack': {
    post: {
      operationId: 'acknowledgeInboxDocument',
      summary: 'Mark as picked up: the document leaves the inbox (`acknowledged`); again is a no-op',
      tags: TAG,
      parameters: params,
      responses: {
        '200': jsonResponse('Acknowledged.', schemaRef('Acknowledgement')),
        ...errors,
        '409': problemResponse('The document changed status concurrently (`api.conflict`); read it again.'),
      },
    },
  },
  '/inbox/{participant}/documents/{id}/response': {
    post: {
      operationId: 'answerInboxDocument',
      summary: 'Answer an invoice or credit note with an Invoice Response (AB, IP, UQ, CA, RE, AP, PD) to its seller',
      description:
        'Needs the `respond` scope for the participant\'s tenant. The response is built as UBL, validated against the Invoice Response rules (T111) and sent to the seller over Peppol with the same delivery tracking as any outbound document; where the seller\'s SMP does not list the Invoice Response document type it waits as `response-undeliverable`. The answered document\'s business status follows the code.',
      tags: TAG,
      parameters: params,
      requestBody: { description: 'The answer.', required: true, content: { 'application/json': { schema: schemaRef('InvoiceAnswer') } } },
      responses: {
        '202': jsonResponse('Queued for the seller.', schemaRef('AnswerAccepted')),
        '400': problemResponse('`api.bad-request`: a code out of its list, a text too long, a malformed date or body, or an answer the Invoice Response rules refuse (CA, UQ and RE need a reason or an action; PPD goes with PD and a text).'),
        '401': ref('responses', 'Unauthorized'),
        '404': problemResponse('No such document in an inbox this key may answer for (`api.not-found`).'),
        '409': problemResponse('`api.conflict`: the document is not an invoice or credit note with a number and parties.'),
        '422': problemResponse('`response.original-not-found`: the answer\'s parties are not those of the invoice; or `response.invalid`: the built response breaks a fatal T111 rule (details.report).'),
        '500': ref('responses', 'InternalError'),
      },
    },
  },
};

export { paths, schemas };
