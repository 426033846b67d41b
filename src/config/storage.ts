/** Where payloads and archive copies live: Postgres (default) or S3-compatible object storage. */
import { bool, httpUrl, matching, oneOf, text } from './parsers.js';
import { variable } from './spec.js';

const STORES = ['postgres', 's3'] as const;

export const storage = {
  payloadStore: variable('PAYLOAD_STORE', oneOf(STORES), {
    default: 'postgres',
    description: 'where transit payloads (the documents\' bytes) live: `postgres` (the `payloads` table) or `s3` (the `S3_*` bucket, under `S3_PAYLOAD_PREFIX`); documents, events and evidence stay in Postgres',
  }),
  archiveStore: variable('ARCHIVE_STORE', oneOf(STORES), {
    default: 'postgres',
    description: 'where the archive keeps its copies of original XML and receipts: `postgres` (the `archive_objects` table) or `s3` (under `S3_ARCHIVE_PREFIX`)',
  }),
  s3: {
    endpoint: variable('S3_ENDPOINT', httpUrl, { description: 'URL of an S3-compatible server (MinIO, Ceph...); unset: AWS S3 of `S3_REGION`' }),
    region: variable('S3_REGION', text, { default: 'us-east-1', description: 'S3 region' }),
    bucket: variable('S3_BUCKET', matching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'), { description: 'bucket of the payloads and archive copies; required when a store is `s3`' }),
    forcePathStyle: variable('S3_FORCE_PATH_STYLE', bool, { default: 'false', description: 'path-style requests (`endpoint/bucket/key`), which most S3-compatible servers need' }),
    accessKeyId: variable('S3_ACCESS_KEY_ID', text, { description: 'S3 access key id; unset: the AWS SDK\'s default credentials (environment, profile, instance role)' }),
    secretAccessKey: variable('S3_SECRET_ACCESS_KEY', text, { description: 'S3 secret access key, with `S3_ACCESS_KEY_ID`' }),
    payloadPrefix: variable('S3_PAYLOAD_PREFIX', text, { default: 'payloads/', description: 'key prefix of transit payloads in the bucket' }),
    archivePrefix: variable('S3_ARCHIVE_PREFIX', text, { default: 'archive/', description: 'key prefix of archive copies in the bucket; give it its own lifecycle rules (never expire before the retention period)' }),
  },
};
