/** The archive (hash chain, checkpoints, export) and retention of payloads and archive copies. */
import { int, times } from './parsers.js';
import { variable } from './spec.js';

export const archive = {
  checkpointEveryEntries: variable('ARCHIVE_CHECKPOINT_ENTRIES', int(1, 10_000_000), {
    default: '1000',
    description: 'a signed checkpoint of the archive chain is made after this many new entries (and at least every `ARCHIVE_CHECKPOINT_MINUTES`), signed with the AP key',
  }),
  checkpointMaxAgeMs: variable('ARCHIVE_CHECKPOINT_MINUTES', times(int(1, 7 * 24 * 60), 60_000), {
    default: '60',
    description: 'longest time, in minutes, between signed checkpoints while entries are appended',
  }),
  exportMaxBytes: variable('ARCHIVE_EXPORT_MAX_BYTES', int(1024, 8 * 1024 * 1024 * 1024), {
    default: String(512 * 1024 * 1024),
    description: 'largest sum of document payloads one archive export may hold (it is built in memory); a longer period is refused with 400, to be exported in parts',
  }),
  exportMaxProofEntries: variable('ARCHIVE_EXPORT_MAX_PROOF_ENTRIES', int(1, 100_000_000), {
    default: '2000000',
    description: 'most archive entries (of every tenant) the chain proof of one export may span',
  }),
};

export const retention = {
  payloadDays: variable('RETENTION_PAYLOAD_DAYS', int(1, 36_500), {
    default: '90',
    description: 'days a transit payload is kept after its document was stored; then, once archived and in a final status, it is purged (metadata, events and evidence stay, the archive keeps its copy)',
  }),
  archiveYears: variable('RETENTION_ARCHIVE_YEARS', int(1, 100), {
    default: '10',
    description: 'years the archive keeps the original XML and evidence, counted from 1 January after the invoice date (Belgium: 10); then they are purged, the chain entries stay',
  }),
  intervalMs: variable('RETENTION_INTERVAL_MINUTES', times(int(1, 7 * 24 * 60), 60_000), {
    default: '60',
    description: 'how often the retention job runs (a legal hold stops every purge of its tenant or document)',
  }),
};
