/**
 * The documents API (src/http/documents.ts): submit a UBL document for sending, read its status, timeline,
 * report and evidence, fetch its payload and its AS4 receipt.
 */
import { BUSINESS_STATUSES } from '../../../core/business-status.js';
import { INBOUND_STATUSES, OUTBOUND_STATUSES } from '../../../core/state-machine.js';
import { MLS_CODES } from '../../../responses/codes.js';
import { bodyResponse, jsonResponse, nullable, nullableRef, problemResponse, queryParameter, record, ref, schemaRef, timestamp } from '../describe.js';
import type { JsonSchema, PathItem, Response } from '../types.js';

const TAG = ['documents'];
const text = nullable('string');

/** The fields of documentView(), shared by every view of a document. */
const documentFields: Record<string, JsonSchema> = {
  id: { type: 'string', format: 'uuid' },
  direction: { enum: ['outbound', 'inbound'], description: 'outbound: submitted here for sending (we are C2); inbound: received over AS4 (we are C3).' },
  status: { enum: [...new Set([...OUTBOUND_STATUSES, ...INBOUND_STATUSES])], description: 'See the state machine in the README (Delivery).' },
  senderId: { ...text, description: 'The supplier participant, `iso6523-actorid-upis::…`; null when the document could not be read.' },
  receiverId: { ...text, description: 'The buyer participant.' },
  documentKind: nullable('string', {
    enum: ['Invoice', 'CreditNote', 'ApplicationResponse', 'TransactionStatisticsReport', 'EndUserStatisticsReport', null],
    description: '`ApplicationResponse`: an Invoice Response or an MLS; the two reports: a monthly Peppol report we sent (operators only).',
  }),
  documentType: { ...text, description: 'The Peppol document type identifier.' },
  process: { ...text, description: 'The Peppol process identifier.' },
  invoiceNumber: text,
  issueDate: nullable('string', { format: 'date' }),
  payload: record('The stored business document.', {
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    size: { type: 'integer', minimum: 0 },
    href: { type: 'string', description: 'Where GET returns the bytes.' },
  }),
  sandbox: { type: 'boolean', description: 'Made by this access point running as the sandbox: test data, never a real invoice.' },
  businessStatus: nullable('string', {
    enum: [...BUSINESS_STATUSES, null],
    description: "What the buyer made of an invoice, from its Invoice Responses (Mercurius' supplier view; see Business responses in the README); null before any.",
  }),
  mls: nullable('string', { enum: [...MLS_CODES, null], description: 'The MLS of the exchange: received from the receiving access point (outbound), sent to the sending one (inbound). AP delivered and confirmed, AB made available, RE rejected.' }),
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
};

const schemas: Record<string, JsonSchema> = {
  SubmittedDocument: record('A submission accepted for sending: its status is `queued`.', { ...documentFields, validation: schemaRef('ValidationReport') }),
  RejectedSubmission: record(
    "A submission that fails validation, as an RFC 9457 problem (`validation.invalid`): stored as `rejected` (with its payload while the day's quota lasts) and not sent, with the document and the full report.",
    {
      type: { const: 'urn:peppol-ap:problem:validation.invalid' },
      title: { type: 'string' },
      status: { const: 422 },
      detail: { type: 'string' },
      code: { const: 'validation.invalid' },
      error: { const: 'validation.invalid' },
      message: { type: 'string' },
      requestId: { type: 'string' },
      ...documentFields,
      validation: schemaRef('ValidationReport'),
    },
    ['requestId'],
  ),
  DocumentPage: record('Documents, newest first.', {
    documents: { type: 'array', items: schemaRef('DocumentSummary') },
    nextCursor: { ...text, description: 'Pass as `cursor` for the next page; null on the last page.' },
  }),
  DocumentSummary: record('A document as listed.', documentFields),
  DocumentEvent: record('One entry of the append-only timeline.', {
    id: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
    type: { type: 'string', description: '`status` for a status change, else what happened.' },
    fromStatus: text,
    toStatus: text,
    reason: text,
    actor: { type: 'string', description: 'Who made it happen: `key:<key prefix>` (and ` for tenant:<id>` under a mandate), `operator:<key prefix>`, `as4`, `delivery`…' },
    details: nullable('object'),
  }),
  Document: record(
    'A document with its timeline; `delivery` for an outbound document, `reception` when the server records AS4 messages.',
    {
      ...documentFields,
      validation: nullableRef('ValidationReport'),
      events: { type: 'array', items: schemaRef('DocumentEvent') },
      delivery: nullableRef('Delivery'),
      reception: { ...nullableRef('Reception'), description: 'Null when no AS4 message brought the document: an outbound one, or one delivered from a participant hosted here.' },
      responses: { type: 'array', items: schemaRef('BusinessResponse'), description: 'The Invoice Responses and the MLS about this document, oldest first.' },
      answers: { ...nullableRef('BusinessResponse'), description: 'For an Invoice Response or MLS: what it answers (`answersDocumentId` null: nothing we hold; it was kept and flagged).' },
    },
    ['delivery', 'reception'],
  ),
  BusinessResponse: record('An Invoice Response or MLS, and the document it answers.', {
    responseDocumentId: { type: 'string', format: 'uuid' },
    kind: { enum: ['invoice-response', 'mls'] },
    direction: { enum: ['outbound', 'inbound'], description: 'outbound: sent by this access point; inbound: received.' },
    status: { type: 'string', description: "The response document's own delivery status." },
    answersDocumentId: nullable('string', { format: 'uuid' }),
    responseCode: { type: 'string', description: 'Invoice Response: AB, IP, UQ, CA, RE, AP, PD; MLS: AP, AB, RE.' },
    details: { type: 'object', description: 'Invoice Response: `clarifications` (listId, code, text) and `note`; MLS: `description` and `lines` (lineId, description, reason SV/BV/BW/FD).' },
    createdAt: { type: 'string', format: 'date-time' },
  }),
  Delivery: record(
    'Delivery of an outbound document: its schedule, last error, attempts and evidence.',
    {
      as4MessageId: text,
      conversationId: text,
      sbdhInstanceId: text,
      attempts: { type: 'integer', minimum: 0 },
      nextAttemptAt: timestamp('When the next attempt is due; null while one runs and once the delivery is final.'),
      waiting: { type: 'string', description: 'Why nothing is sent for now (this server does not send).' },
      endpointUrl: text,
      receiverSeatId: text,
      countryC1: text,
      lastError: nullable('object', { additionalProperties: false, required: ['kind', 'message'], properties: { kind: text, message: { type: 'string' } } }),
      deliveredAt: timestamp(),
      evidence: { anyOf: [schemaRef('ReceiptEvidence'), schemaRef('LocalDeliveryEvidence'), { type: 'null' }] },
      history: { type: 'array', items: schemaRef('DeliveryAttempt') },
    },
    ['waiting'],
  ),
  ReceiptEvidence: record('The AS4 receipt of the receiving access point.', {
    as4MessageId: { type: 'string' },
    receiptMessageId: text,
    receiptAt: timestamp(),
    receiverSeatId: text,
    receiptHref: { type: 'string' },
  }),
  LocalDeliveryEvidence: record('Delivered to a participant hosted here, without AS4.', {
    localDelivery: { const: true },
    inboundDocumentId: { type: 'string', format: 'uuid' },
  }),
  DeliveryAttempt: record('One delivery attempt.', {
    attempt: { type: 'integer', minimum: 0, description: 'The number the job runner gave the attempt.' },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    outcome: { enum: ['delivered', 'transient', 'permanent', 'internal', 'deferred', 'interrupted'] },
    endpointUrl: text,
    httpStatus: nullable('integer'),
    errorKind: text,
    error: text,
  }),
  Reception: record('Reception of an inbound document: the AS4 message that brought it, and later repeats of it (answered with a receipt, not stored again).', {
    as4MessageId: { type: 'string' },
    conversationId: text,
    senderSeatId: text,
    receiverSeatId: text,
    originalSender: text,
    finalRecipient: text,
    sbdhInstanceId: text,
    countryC1: text,
    receivedAt: { type: 'string', format: 'date-time' },
    receiptMessageId: text,
    receiptSentAt: timestamp(),
    receiptHref: text,
    repeats: {
      type: 'array',
      items: record('A repeat of the message (same SBDH InstanceIdentifier).', {
        as4MessageId: { type: 'string' },
        senderSeatId: text,
        receivedAt: { type: 'string', format: 'date-time' },
        receiptMessageId: text,
        receiptSentAt: timestamp(),
      }),
    },
  }),
};

const location = { description: 'The document: `/api/v1/documents/{id}`.', required: true, schema: { type: 'string' } };
const replayed = { description: '`true` when this is the stored response of an earlier request with the same Idempotency-Key and body.', schema: { const: 'true' } };
const submissionHeaders = { Location: location, 'Idempotency-Replayed': replayed };

const byId = [ref('parameters', 'DocumentId')];
const acceptLanguage = ref('parameters', 'AcceptLanguage');
const readErrors: Record<string, Response | { $ref: string }> = {
  '400': ref('responses', 'BadRequest'),
  '401': ref('responses', 'Unauthorized'),
  '404': ref('responses', 'NotFound'),
  '500': ref('responses', 'InternalError'),
};

const paths: Record<string, PathItem> = {
  '/documents': {
    get: {
      operationId: 'listDocuments',
      summary: "The caller's documents, newest first: outbound ones of the tenants it may send for, inbound ones of the inboxes it may read",
      tags: TAG,
      parameters: [
        queryParameter('direction', 'outbound or inbound.', { enum: ['outbound', 'inbound'] }),
        queryParameter('status', 'One status.', { type: 'string' }),
        queryParameter('participant', 'Sender or receiver, `ICD:value` (any case).', { type: 'string' }),
        queryParameter('documentType', 'The full Peppol document type identifier.', { type: 'string' }),
        queryParameter('invoiceNumber', 'The invoice or credit note number.', { type: 'string' }),
        queryParameter('businessStatus', 'What the buyer made of it, from its Invoice Responses (e.g. the rejected ones).', { enum: ['received', 'processed', 'rejected', 'paid'] }),
        queryParameter('from', 'Created at or after (ISO date or date-time with zone).', { type: 'string' }),
        queryParameter('to', 'Created before (ISO date or date-time with zone).', { type: 'string' }),
        queryParameter('cursor', 'The `nextCursor` of the previous page.', { type: 'string' }),
        queryParameter('limit', 'Page size, 1 to 200.', { type: 'integer', minimum: 1, maximum: 200, default: 50 }),
      ],
      responses: { '200': jsonResponse('A page of documents.', schemaRef('DocumentPage')), '400': ref('responses', 'BadRequest'), '500': ref('responses', 'InternalError') },
    },
    post: {
      operationId: 'submitDocument',
      summary: 'Submit a UBL 2.1 Invoice or CreditNote for sending',
      description:
        'Validates the document (UBL XSD, CEN EN 16931, Peppol BIS Billing 3.0) and stores it: `queued` for delivery (201) or `rejected` with its report (422). Refused before anything is stored: a missing or non-XML content type or a compressed body (415), an empty body, a DOCTYPE, malformed XML (400, with `details.line` and `column`), a body over MAX_DOCUMENT_BYTES (413). With an Idempotency-Key, a repeat with the same key and body gets the first response again (status and body, with `Idempotency-Replayed: true`), and no second document is stored.',
      tags: TAG,
      parameters: [
        {
          name: 'Idempotency-Key',
          in: 'header',
          description: 'Makes retries safe: 1 to 255 printable ASCII characters, kept IDEMPOTENCY_KEY_RETENTION_HOURS (24). Another body with the same key is 422 `api.idempotency-key-reused`.',
          schema: { type: 'string', pattern: '^[\\x20-\\x7e]{1,255}$' },
        },
        queryParameter('resend', 'true: a deliberate resend of a business duplicate (no duplicate check).', { enum: ['true', 'false'], default: 'false' }),
        acceptLanguage,
        queryParameter(
          'emailFallback',
          "The e-mail fallback of this submission, over the tenant's setting (README, E-mail channel): `on_peppol_failure` e-mails the invoice when the receiver is not on Peppol (not registered, or no endpoint for the document type); `always` also when Peppol did not deliver in the end; `off` never. The document then ends `delivered-by-email`. Only where the e-mail channel is on (else 400).",
          { enum: ['off', 'always', 'on_peppol_failure'] },
        ),
        queryParameter('emailTo', "The buyer's e-mail address for the fallback, before the invoice's own (AccountingCustomerParty/Party/Contact/ElectronicMail); needs emailFallback.", { type: 'string', format: 'email' }),
      ],
      requestBody: {
        description: 'The UBL 2.1 document, UTF-8, uncompressed (`Content-Encoding` absent or `identity`).',
        required: true,
        content: { 'application/xml': { schema: { type: 'string' } }, 'text/xml': { schema: { type: 'string' } }, 'application/*+xml': { schema: { type: 'string' } } },
      },
      responses: {
        '201': jsonResponse('Valid: stored as `queued` for delivery.', schemaRef('SubmittedDocument'), submissionHeaders),
        '400': problemResponse('Unusable input, nothing stored: `input.empty`, `xml.malformed`, `xml.dtd-forbidden`, `xml.encoding-unsupported`, `xml.too-deep`; `api.bad-request` for an Idempotency-Key out of syntax or an aborted upload.'),
        '401': ref('responses', 'Unauthorized'),
        '403': problemResponse('`api.forbidden`, nothing stored: the supplier the document names is not a participant hosted here of a tenant this key may send for (its own or by mandate), or a valid document names no supplier; or the document is an MLS (the access point sends its own).'),
        '409': problemResponse('`api.business-duplicate`: the same supplier, buyer, kind, number and issue date were already sent (details.originalDocumentId, details.original; nothing stored; `?resend=true` sends it on purpose); or `api.request-in-progress`: the first request with this Idempotency-Key has not answered yet, retry after Retry-After to get its response.', {
          'Retry-After': { description: 'Seconds to wait; with `api.request-in-progress` only.', required: false, schema: { type: 'integer', minimum: 0 } },
        }),
        '413': ref('responses', 'PayloadTooLarge'),
        '415': ref('responses', 'UnsupportedMediaType'),
        '422': {
          description:
            'Either the document fails validation (RejectedSubmission: stored as `rejected`, not sent), or the Idempotency-Key was used with another body (`api.idempotency-key-reused`, nothing stored), or an Invoice Response names an invoice its buyer did not receive here from its seller (`response.original-not-found`, nothing stored).',
          headers: { 'X-Request-Id': ref('headers', 'X-Request-Id'), ...submissionHeaders, Location: { ...location, required: false } },
          content: { 'application/problem+json': { schema: { oneOf: [schemaRef('RejectedSubmission'), schemaRef('ProblemDetails')] } } },
        },
        '500': ref('responses', 'InternalError'),
        '503': problemResponse('Try again later (with Retry-After): `input.busy` (the bodies in flight fill INBOUND_INFLIGHT_BYTES), `store.unavailable` (the database dropped or refused the connection, or did not answer in time; retry with the same Idempotency-Key) or `validation.artifacts-missing` (without Retry-After).', {
          'Retry-After': { description: 'Seconds to wait; with `input.busy` and `store.unavailable`.', required: false, schema: { type: 'integer', minimum: 0 } },
        }),
      },
    },
  },
  '/validate': {
    post: {
      operationId: 'validateDocument',
      summary: 'Validate a document without storing or sending anything',
      description: 'The full report of the engine that judges submissions: every fired rule with its flag, message, location and line, explained in the language of `Accept-Language`. Needs the `send` scope.',
      tags: TAG,
      parameters: [acceptLanguage],
      requestBody: {
        description: 'The UBL 2.1 document, UTF-8, uncompressed.',
        required: true,
        content: { 'application/xml': { schema: { type: 'string' } }, 'text/xml': { schema: { type: 'string' } }, 'application/*+xml': { schema: { type: 'string' } } },
      },
      responses: {
        '200': jsonResponse('The report, valid or not.', schemaRef('ValidationReport')),
        '400': ref('responses', 'BadRequest'),
        '413': ref('responses', 'PayloadTooLarge'),
        '415': ref('responses', 'UnsupportedMediaType'),
        '500': ref('responses', 'InternalError'),
        '503': problemResponse('Try again later: `input.busy` (with Retry-After) or `validation.artifacts-missing`.'),
      },
    },
  },
  '/documents/{id}': {
    get: {
      operationId: 'getDocument',
      summary: 'A document: status, metadata, validation report, timeline, delivery or reception evidence',
      tags: TAG,
      parameters: [...byId, acceptLanguage],
      responses: { '200': jsonResponse('The document.', schemaRef('Document')), ...readErrors },
    },
  },
  '/documents/{id}/payload': {
    get: {
      operationId: 'getDocumentPayload',
      summary: 'The business document as stored, as a download',
      tags: TAG,
      parameters: byId,
      responses: {
        '200': bodyResponse('The UBL document, byte for byte.', 'application/xml', {
          'Content-Disposition': { description: '`attachment; filename="<id>.xml"`: never rendered in a browser.', required: true, schema: { type: 'string' } },
        }),
        ...readErrors,
      },
    },
  },
  '/documents/{id}/receipt': {
    get: {
      operationId: 'getDocumentReceipt',
      summary: 'The AS4 receipt: the one the receiving AP signed (outbound) or the one we answered (inbound)',
      tags: TAG,
      parameters: byId,
      responses: { '200': bodyResponse('The signed ebMS receipt (SOAP 1.2 envelope).', 'application/soap+xml'), ...readErrors },
    },
  },
};

export { paths, schemas };
