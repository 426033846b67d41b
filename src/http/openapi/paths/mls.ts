/** MLS service levels for operators (src/http/responses.ts, ResponsesService.serviceLevels). */
import { jsonResponse, nullable, problemResponse, queryParameter, record, ref, schemaRef } from '../describe.js';
import type { JsonSchema, PathItem } from '../types.js';

const level = (what: string): JsonSchema =>
  record(what, {
    count: { type: 'integer', minimum: 0, description: 'MLS counted in the month.' },
    withinTarget: { type: 'integer', minimum: 0 },
    maxSeconds: nullable('number', { minimum: 0, description: 'The slowest, in seconds; null in a month without any.' }),
    targetSeconds: { type: 'integer', minimum: 1 },
    share: nullable('number', { minimum: 0, maximum: 1, description: 'withinTarget / count; null in a month without any.' }),
  });

const schemas: Record<string, JsonSchema> = {
  MlsServiceLevels: record('MLS-1 and MLS-2 of one month (UTC), as phoss-ap reports them.', {
    month: { type: 'string', pattern: '^\\d{4}-\\d{2}$' },
    mlsSent: level('MLS-1: from the receipt of a business document to its MLS delivered to the sending access point (target 20 minutes).'),
    mlsReceived: level('MLS-2: from our document delivered to its MLS received (target 25 minutes).'),
  }),
};

const paths: Record<string, PathItem> = {
  '/mls/service-levels': {
    get: {
      operationId: 'getMlsServiceLevels',
      summary: 'MLS service levels of a month: time to send our MLS and to receive theirs, with the share within target',
      tags: ['mls'],
      parameters: [queryParameter('month', 'YYYY-MM (UTC); default the current month.', { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' })],
      responses: {
        '200': jsonResponse('The service levels.', schemaRef('MlsServiceLevels')),
        '400': problemResponse('`api.bad-request`: month is not YYYY-MM.'),
        '401': ref('responses', 'Unauthorized'),
        '403': problemResponse('`api.forbidden`: for operator keys with the `admin` scope.'),
        '500': ref('responses', 'InternalError'),
      },
    },
  },
};

export { paths, schemas };
