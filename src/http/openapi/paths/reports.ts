/** The monthly Peppol reports for operators (src/http/reports.ts, ReportsService.overview). */
import { jsonResponse, nullable, problemResponse, queryParameter, record, ref, schemaRef } from '../describe.js';
import type { JsonSchema, PathItem } from '../types.js';

const schemas: Record<string, JsonSchema> = {
  PeppolReport: record('One TSR or EUSR built for a period.', {
    id: { type: 'string', format: 'uuid' },
    period: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'The month it reports (UTC).' },
    kind: { enum: ['tsr', 'eusr'], description: 'Transaction Statistics Report 1.0 or End User Statistics Report 1.1.' },
    generation: { type: 'integer', minimum: 1, description: '1 for the monthly job\'s; an operator\'s resend adds the next.' },
    state: { enum: ['queued', 'invalid'], description: '`queued`: valid and handed to the outbound path (see documentStatus); `invalid`: failed its own rules, not sent.' },
    documentId: nullable('string', { format: 'uuid', description: 'The outbound document carrying it to OpenPeppol (`/documents/{id}`).' }),
    documentStatus: nullable('string', { description: 'That document\'s delivery status: queued, sending, retrying, delivered, failed, undeliverable.' }),
    fatalIssues: { type: 'integer', minimum: 0, description: 'Fatal validation issues (0 unless invalid).' },
    actor: { type: 'string', description: 'Who built it: `job:peppol-reports` or an operator.' },
    createdAt: { type: 'string', format: 'date-time' },
  }),
  UnknownReceiverCountry: record('A receiver of ours whose country neither its tenant nor its participant record gives.', {
    participant: { type: 'string', examples: ['0208:0123456749'] },
    tenantId: nullable('string', { format: 'uuid' }),
    exchanges: { type: 'integer', minimum: 1, description: 'Incoming exchanges of the month it received.' },
  }),
  PeppolReports: record('The reports built, newest period first, and the receivers of a month without a known country.', {
    month: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' },
    reports: { type: 'array', items: schemaRef('PeppolReport') },
    unknownReceiverCountries: {
      type: 'array',
      items: schemaRef('UnknownReceiverCountry'),
      description: 'In the TSR they count under receiver country ZZ; the EUSR leaves them out of its country subsets. Set the tenant\'s country to fix it.',
    },
  }),
};

const paths: Record<string, PathItem> = {
  '/reports': {
    get: {
      operationId: 'listPeppolReports',
      summary: 'The monthly Peppol reports (TSR, EUSR) with their state, and the receivers of a month whose country is unknown',
      tags: ['reports'],
      parameters: [queryParameter('month', 'YYYY-MM (UTC) for the receivers without a country; default the month before.', { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' })],
      responses: {
        '200': jsonResponse('The reports.', schemaRef('PeppolReports')),
        '400': problemResponse('`api.bad-request`: month is not YYYY-MM.'),
        '401': ref('responses', 'Unauthorized'),
        '403': problemResponse('`api.forbidden`: for operator keys with the `admin` scope.'),
        '500': ref('responses', 'InternalError'),
      },
    },
  },
};

export { paths, schemas };
