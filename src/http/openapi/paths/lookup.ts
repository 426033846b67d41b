/** The lookup pre-flight (src/http/lookup.ts, src/services/reachability.ts). */
import { jsonResponse, nullable, problemResponse, queryParameter, record, ref, schemaRef } from '../describe.js';
import type { JsonSchema, PathItem } from '../types.js';

const outcome: JsonSchema = { enum: ['hosted-here', 'found', 'not-registered', 'document-type-not-accepted', 'unknown'] };

const schemas: Record<string, JsonSchema> = {
  Reachability: record('Whether the participant receives over Peppol, and how every form tried answered.', {
    participant: { type: 'string', description: 'As asked, `iso6523-actorid-upis::<icd>:<id>`.' },
    reachable: nullable('boolean', { description: 'null: could not tell (DNS or SMP failed, or no Peppol network access here).' }),
    tried: {
      type: 'array',
      description: 'The forms tried in order (a Belgian 0208 or 9925 id: both), each with its outcome and why.',
      items: record('One form tried.', { participant: { type: 'string' }, outcome, detail: { type: 'string' } }),
    },
    documentTypes: { type: 'array', items: { type: 'string' }, description: 'Of the first form that answered.' },
    accessPoint: {
      oneOf: [
        { type: 'null' },
        record('Where documents of the asked type go.', {
          endpointUrl: nullable('string', { description: 'null: this access point (hosted here).' }),
          seatId: nullable('string'),
          transportProfile: { type: 'string' },
          hostedHere: { type: 'boolean' },
        }),
      ],
    },
  }),
};

const paths: Record<string, PathItem> = {
  '/lookup/{participant}': {
    get: {
      operationId: 'lookupParticipant',
      summary: 'Can this participant receive over Peppol, which document types, through which access point',
      description: 'Hosted here: answered from our records. Elsewhere: the SML and the SMP are asked. A Belgian id is tried in both forms (0208:<number>, 9925:BE<number>). Any API key may ask.',
      tags: ['lookup'],
      parameters: [ref('parameters', 'Participant'), queryParameter('documentType', 'A short name (invoice, creditnote...) or a document type identifier: also where documents of that type go.', { type: 'string' })],
      responses: {
        '200': jsonResponse('The answer, reachable or not.', schemaRef('Reachability')),
        '400': problemResponse('`identifier.invalid`: not a participant or document type identifier; `api.bad-request`.'),
        '500': ref('responses', 'InternalError'),
      },
    },
  },
};

export { paths, schemas };
