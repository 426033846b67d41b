/** What callers may make us keep. One quota for every caller while the API has no per-caller credentials. */
import { int, times } from './parsers.js';
import { variable } from './spec.js';

export const quotas = {
  rejectedPayloadBytesPerDay: variable('ANONYMOUS_REJECTED_BYTES_PER_DAY', int(0, 1024 * 1024 * 1024 * 1024), {
    default: String(100 * 1024 * 1024),
    description:
      'Bytes of rejected API submissions whose payload is kept per UTC day, all callers together. Past it a rejected document is stored with its report, hash and size but without its payload, and its event says why; the caller still gets the full 422 report. `0`: never keep them.',
  }),
  idempotencyKeyRetentionHours: variable('IDEMPOTENCY_KEY_RETENTION_HOURS', int(24, 24 * 366), {
    default: '24',
    description:
      'How long an `Idempotency-Key` of `POST /api/v1/documents` is kept (at least 24 hours): within it the same key and body get the first response again, another body 422. Expired keys are deleted as new keys are claimed.',
  }),
  idempotencyClaimLeaseMs: variable('IDEMPOTENCY_CLAIM_LEASE_SECONDS', times(int(1, 3600), 1000), {
    default: '300',
    description:
      'How long a submission in progress holds its `Idempotency-Key` (others get 409 `api.request-in-progress`) before a retry with the same body may take it over: longer than any submission, so that only one cut off by a crash is taken over.',
  }),
};
