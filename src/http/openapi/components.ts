/**
 * What every area shares: the problem body of every error (src/http/errors.ts problem()), the validation
 * report (src/validation/types.ts), the reusable error responses, headers and parameters, and the bearer
 * scheme. Areas refer to them with ref() rather than writing their own copies.
 */
import { ERROR_KINDS } from '../../errors.js';
import { UUID_PATTERN } from '../params.js';
import { nullable, problemResponse, ref } from './describe.js';
import type { Header, JsonSchema, OpenApiDocument, Parameter, Response } from './types.js';

const problemDetails: JsonSchema = {
  type: 'object',
  description:
    'An RFC 9457 problem. `type` names the catalogue kind as a URN (nothing to dereference); `code` is the kind itself, the key of the README error table. Clients must ignore members they do not know.',
  required: ['type', 'title', 'status', 'detail', 'code', 'error', 'message'],
  properties: {
    type: { type: 'string', format: 'uri', pattern: '^urn:peppol-ap:problem:', examples: ['urn:peppol-ap:problem:api.not-found'] },
    title: { type: 'string', description: 'The catalogue title of the kind, the same for every problem of that kind.' },
    status: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status, repeated.' },
    detail: { type: 'string', description: 'What went wrong with this request, for people.' },
    code: { type: 'string', enum: Object.keys(ERROR_KINDS), description: 'The error kind of the catalogue (src/errors.ts).' },
    ebmsCode: { type: 'string', pattern: '^EBMS:\\d{4}$', description: 'The ebMS error code an AS4 peer would get for the same failure, when there is one.' },
    details: { type: 'object', description: 'Specifics of the kind: the `line` and `column` of malformed XML, the `limit` and `size` of a body too large, the `field` of a bad input...' },
    requestId: { type: 'string', description: 'The X-Request-Id of the request, repeated.' },
    error: { type: 'string', deprecated: true, description: '`code` again, for clients of the earlier JSON errors.' },
    message: { type: 'string', deprecated: true, description: '`detail` again, for clients of the earlier JSON errors.' },
  },
};

const validationIssue: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['layer', 'id', 'flag', 'message', 'businessTerm', 'explanation'],
  properties: {
    layer: {
      enum: ['PARSE', 'XSD', 'CEN', 'PEPPOL', 'T111', 'MLS', 'UNSUPPORTED', 'REPORT'],
      description: '`UNSUPPORTED`: the document is of no type a rule set is installed for (id `UNSUPPORTED`); `REPORT` closes a truncated report (`REPORT-TRUNCATED`).',
    },
    id: { type: 'string', description: 'The rule id of a schematron assert (BR-CO-15, PEPPOL-EN16931-R003), else the layer.' },
    error: { type: 'string', enum: Object.keys(ERROR_KINDS), description: 'PARSE issues: the catalogue kind of the unusable input.' },
    flag: { enum: ['fatal', 'warning'] },
    message: { type: 'string', description: 'The official message of the rule (XSD: libxml2\'s, with prefixed names such as `cbc:IssueDate`).' },
    location: { type: 'string', description: 'XPath of the context node, as SVRL writes it (schematron layers).' },
    line: { type: 'integer', minimum: 1 },
    column: { type: 'integer', minimum: 1 },
    facts: {
      type: 'object',
      additionalProperties: false,
      description: 'What the document holds where the finding is, as read after validation (language-independent).',
      properties: {
        field: { type: 'string', description: 'The field, a prefixed UBL path from the root.', examples: ['cbc:BuyerReference', 'cac:TaxTotal/cbc:TaxAmount'] },
        value: { type: 'string', description: 'The value found in the field; absent when the field is missing.' },
        check: { type: 'string', description: 'Which check of the rule failed, when it makes several.', examples: ['checkDigits', 'date'] },
        values: { type: 'object', additionalProperties: { type: 'string' }, description: 'Further values the explanation names (sums, expected amounts).', examples: [{ taxTotal: '21.00', categoriesSum: '25.00' }] },
      },
    },
    businessTerm: nullable('object', {
      additionalProperties: false,
      required: ['id', 'name'],
      description: 'The EN 16931 business term (BT-n) or group (BG-n) the finding is about, named in the explanation\'s language; null when none.',
      properties: { id: { type: 'string', pattern: '^B[TG]-\\d+$', examples: ['BT-10'] }, name: { type: 'string', examples: ['Buyer reference', 'Referentie van de koper', 'Référence de l\'acheteur'] } },
    }),
    explanation: {
      type: 'object',
      additionalProperties: false,
      required: ['language', 'text', 'fix'],
      description: 'The finding in plain language, in the language of the request\'s `Accept-Language` (nl, fr or en; English by default).',
      properties: {
        language: { enum: ['nl', 'fr', 'en'] },
        text: { type: 'string', description: 'What is wrong, naming the business term, the field and the value found.' },
        fix: nullable('string', { description: 'What the supplier must change; null when the rule has no explanation of its own (`text` is then the official message with its business term).' }),
      },
    },
  },
};

const validationReport: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['valid', 'documentKind', 'ruleSet', 'issues', 'elapsedMs'],
  properties: {
    valid: { type: 'boolean', description: 'True when no issue is fatal.' },
    documentKind: {
      enum: ['Invoice', 'CreditNote', 'ApplicationResponse', 'TransactionStatisticsReport', 'EndUserStatisticsReport', null],
      description: 'The root: UBL 2.1, or a Peppol Reporting TSR or EUSR; null when the document does not parse or is not of a supported type (an issue says so).',
    },
    ruleSet: nullable('object', {
      additionalProperties: false,
      required: ['documentType', 'release', 'effectiveFrom', 'layers'],
      description: 'The rule set release that judged the document (the one in force on the day of validation); null when it did not parse or is unsupported.',
      properties: {
        documentType: { type: 'string', examples: ['billing', 'invoice-response', 'mls', 'tsr', 'eusr'] },
        release: { type: 'string', examples: ['3.0.21'] },
        effectiveFrom: { type: 'string', format: 'date', description: 'The day from which this release applies.' },
        layers: { type: 'array', items: { type: 'string' }, description: 'Its schematron layers, in the order they ran.', examples: [['CEN', 'PEPPOL']] },
      },
    }),
    issues: { type: 'array', items: ref('schemas', 'ValidationIssue'), description: 'Every finding, layer by layer in document order; at most 200 per rule and 1000 in all.' },
    elapsedMs: { type: 'number', minimum: 0 },
  },
};

const headers: Record<string, Header> = {
  'X-Request-Id': {
    description: "The request's id: the caller's X-Request-Id when it is 1 to 128 of `A-Z a-z 0-9 . _ : -`, else a new UUID. Also in the logs and in problems.",
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
  'Retry-After': { description: 'Seconds to wait before trying again.', required: true, schema: { type: 'integer', minimum: 0 } },
};

const responses: Record<string, Response> = {
  BadRequest: problemResponse('The request is malformed: `api.bad-request` (a path parameter or query that does not parse), `identifier.invalid`, and per operation the kinds it lists.'),
  Unauthorized: problemResponse('No valid bearer key (`api.unauthorized`).'),
  Forbidden: problemResponse('The key is valid but lacks the scope, or the tenant, for this (`api.forbidden`).'),
  NotFound: problemResponse('Nothing here: no such resource, or none the key may see (`api.not-found`).'),
  PayloadTooLarge: problemResponse('The body exceeds the limit (`input.too-large`, with `details.limit` and `details.size`).'),
  UnsupportedMediaType: problemResponse('The content type, its charset or the content encoding is not accepted (`input.unsupported-media-type`).'),
  TooManyRequests: problemResponse('The rate limit of the key is reached (`api.rate-limited`).', { 'Retry-After': ref('headers', 'Retry-After') }),
  InternalError: problemResponse('Something failed on our side (`internal`); the detail stays in the log, under the request id.'),
};

const parameters: Record<string, Parameter> = {
  AcceptLanguage: {
    name: 'Accept-Language',
    in: 'header',
    required: false,
    description: 'The language the findings of validation reports are explained in: `nl`, `fr` or `en` (regional variants such as `nl-BE` count, quality values are honoured); English when none of them is named. Said back in `Content-Language`.',
    schema: { type: 'string', examples: ['nl-BE, fr;q=0.8', 'fr'] },
  },
  DocumentId: {
    name: 'id',
    in: 'path',
    required: true,
    description: 'The document id, a UUID (anything else is 400).',
    schema: { type: 'string', pattern: `^${UUID_PATTERN}$` },
  },
  Participant: {
    name: 'participant',
    in: 'path',
    required: true,
    description: 'A Peppol participant identifier, `iso6523-actorid-upis::0208:0123456749` or `0208:0123456749`, percent-encoded.',
    schema: { type: 'string', examples: ['iso6523-actorid-upis::0208:0123456749'] },
  },
};

export const COMPONENTS: OpenApiDocument['components'] = {
  schemas: { ProblemDetails: problemDetails, ValidationIssue: validationIssue, ValidationReport: validationReport },
  responses,
  headers,
  parameters,
  securitySchemes: {
    apiKey: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'pap_<16 base32>_<43 base64url>',
      description:
        'An API key, `Authorization: Bearer pap_<16 base32 characters: the key id>_<43 base64url characters: the secret>`. Until per-tenant keys replace them, the inbox and admin APIs take the static INBOX_TOKEN and ADMIN_TOKEN the same way.',
    },
  },
};

