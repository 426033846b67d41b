/** The archive export (src/http/archive.ts, ArchiveService.export). */
import { bodyResponse, problemResponse, queryParameter, ref } from '../describe.js';
import type { JsonSchema, PathItem } from '../types.js';

const schemas: Record<string, JsonSchema> = {};

const instant: JsonSchema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$' };

const paths: Record<string, PathItem> = {
  '/archive/export': {
    get: {
      operationId: 'exportArchive',
      summary: "A tenant's archive for a period, as a ZIP that verifies offline (`peppol-ap archive verify-export`)",
      description:
        'The documents stored in [from, to) that the key may read (outbound with `send`, inbound with `inbox`; an operator key with `admin` names the tenant): the original XML, the AS4 receipts, the business responses, the validation reports and every timeline event, with manifest.json (each file\'s SHA-256 and its archive entry), proof.jsonl (the hash chain from the first of those entries to a signed checkpoint) and checkpoint.json (signed with the access point\'s key).',
      tags: ['archive'],
      parameters: [
        queryParameter('from', 'Start of the period (inclusive): a date (UTC midnight) or a date-time with offset.', instant, true),
        queryParameter('to', 'End of the period (exclusive).', instant, true),
        queryParameter('tenant', "The tenant to export; required with an operator key, else the key's own tenant (or a grantor's through a mandate).", { type: 'string', format: 'uuid' }),
      ],
      responses: {
        '200': bodyResponse('The export.', 'application/zip', {
          'Content-Disposition': { description: '`attachment; filename="archive-<tenant>-<from>-<to>.zip"`.', required: true, schema: { type: 'string' } },
        }),
        '400': problemResponse('`api.bad-request`: from or to missing or not a date, from not before to, tenant missing for an operator key, or a period too large for one export (ARCHIVE_EXPORT_MAX_BYTES, ARCHIVE_EXPORT_MAX_PROOF_ENTRIES).'),
        '401': ref('responses', 'Unauthorized'),
        '403': problemResponse('`api.forbidden`: the key has none of the `send`, `inbox` or `admin` scopes.'),
        '404': problemResponse('`api.not-found`: a tenant this key may not read (answered as if it did not exist).'),
        '500': ref('responses', 'InternalError'),
      },
    },
  },
};

export { paths, schemas };
