/**
 * The archive's parts from the configuration: the payload stores (transit and archive, Postgres or S3),
 * the archiver, retention, the archive service, and the background work on the job runner.
 */
import type { Knex } from 'knex';
import type { ArchiveConfig, Config, RetentionConfig, StorageConfig } from '../config/index.js';
import { buildArchiveJobs, type ArchiveJobs } from '../jobs/archive-jobs.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Logger } from '../log.js';
import { Archiver, type ArchiveSigner } from '../pipeline/archiver.js';
import { Retention } from '../pipeline/retention.js';
import { ArchiveService } from '../services/archive.js';
import { PostgresArchiveStore } from '../store/archive.js';
import { ARCHIVE_OBJECTS, PostgresPayloadStore, TRANSIT_PAYLOADS, type PayloadStore } from '../store/payloads.js';
import { s3Client, S3PayloadStore } from '../store/s3-payloads.js';
import type { Closers } from './closers.js';

export interface PayloadStores {
  payloads: PayloadStore;
  archive: PayloadStore;
}

/** The transit and archive payload stores PAYLOAD_STORE and ARCHIVE_STORE select (one S3 client for both). */
export function buildPayloadStores(storage: StorageConfig, knex: Knex, closers?: Closers): PayloadStores {
  const { s3 } = storage;
  let client: ReturnType<typeof s3Client> | null = null;
  const s3Store = (prefix: string): PayloadStore => {
    if (!client) {
      client = s3Client({
        endpoint: s3.endpoint,
        region: s3.region,
        bucket: s3.bucket!,
        forcePathStyle: s3.forcePathStyle,
        credentials: s3.accessKeyId && s3.secretAccessKey ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } : null,
      });
      const c = client;
      closers?.push('s3 client', () => c.destroy());
    }
    return new S3PayloadStore(client, s3.bucket!, prefix);
  };
  return {
    payloads: storage.payloadStore === 's3' ? s3Store(s3.payloadPrefix) : new PostgresPayloadStore(knex),
    archive: storage.archiveStore === 's3' ? s3Store(s3.archivePrefix) : new PostgresPayloadStore(knex, ARCHIVE_OBJECTS),
  };
}

export interface ArchiveParts {
  archiver: Archiver;
  retention: Retention;
  service: ArchiveService;
}

export function buildArchive(
  config: { archive: ArchiveConfig; retention: RetentionConfig },
  parts: { knex: Knex; stores: PayloadStores; signer: ArchiveSigner | null; clock?: () => Date },
): ArchiveParts {
  const store = new PostgresArchiveStore(parts.knex);
  const { payloads, archive } = parts.stores;
  const archiver = new Archiver({
    store,
    payloads,
    archive,
    inDatabase: payloads instanceof PostgresPayloadStore && payloads.at === TRANSIT_PAYLOADS && archive instanceof PostgresPayloadStore && archive.at === ARCHIVE_OBJECTS,
    signer: parts.signer,
    checkpoint: { everyEntries: config.archive.checkpointEveryEntries, maxAgeMs: config.archive.checkpointMaxAgeMs },
    retentionYears: config.retention.archiveYears,
    ...(parts.clock ? { clock: parts.clock } : {}),
  });
  const retention = new Retention({ store, payloads, archive, payloadDays: config.retention.payloadDays });
  const service = new ArchiveService({
    store,
    archiver,
    payloads,
    archive,
    exportMaxBytes: config.archive.exportMaxBytes,
    exportMaxProofEntries: config.archive.exportMaxProofEntries,
    ...(parts.clock ? { clock: parts.clock } : {}),
  });
  return { archiver, retention, service };
}

/** The archiver loop and the retention job on `runner` (start the runner first). */
export function buildArchiveWork(
  retention: RetentionConfig,
  parts: { archive: ArchiveParts; runner: JobRunner; pollIntervalMs: number; logger: Logger },
  closers: Closers,
): ArchiveJobs {
  const jobs = buildArchiveJobs({ runner: parts.runner, archiver: parts.archive.archiver, retention: parts.archive.retention, pollIntervalMs: parts.pollIntervalMs, retentionIntervalMs: retention.intervalMs, logger: parts.logger });
  closers.push('archive', () => jobs.stop());
  return jobs;
}

/** The archive service of a command: over the command's database, signing with the AP key when configured. */
export function buildCommandArchive(config: Config, knex: Knex, closers: Closers): ArchiveParts {
  const ap = config.as4.identity;
  return buildArchive(config, { knex, stores: buildPayloadStores(config.storage, knex, closers), signer: ap ? { privateKey: ap.privateKey.key, certificate: ap.certificate.x509 } : null });
}
