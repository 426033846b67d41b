/**
 * The configuration: environment variables only, read in one pass and checked at once at start-up (every
 * bad value reported, one line each), into one deeply frozen object. Nothing else reads process.env.
 *
 * Adding a variable: one entry in its section's table (name, parser from parsers.ts, default as an
 * operator writes it, description); its place in the table is its place in Config, typed from the table.
 * test/config/readme.test.ts then asks for its README row, printing the row to paste.
 */
import { as4 } from './as4.js';
import { database } from './database.js';
import { discovery } from './discovery.js';
import { http } from './http.js';
import { jobs } from './jobs.js';
import { logging } from './logging.js';
import { metrics } from './metrics.js';
import { outbound } from './outbound.js';
import { pki } from './pki.js';
import { quotas } from './quotas.js';
import { sandbox } from './sandbox.js';
import { ConfigSchema, type Env, type KnownVariable } from './schema.js';
import { smp } from './smp.js';
import type { Value } from './spec.js';
import { auth } from './auth.js';
import { validation } from './validation.js';
import { webhooks } from './webhooks.js';
import { responses } from './responses.js';
import { consoleSection } from './console.js';
import { email } from './email.js';
import { reporting } from './reporting.js';
import { archive, retention } from './archive.js';
import { storage } from './storage.js';

// A body the in-flight budget can never hold would be refused as busy forever.
const SCHEMA = new ConfigSchema({ http, database, logging, validation, as4, pki, discovery, smp, outbound, jobs, auth, quotas, sandbox, webhooks, responses, console: consoleSection, email, reporting, storage, archive, retention, metrics }, [
  (c) => (c.http.inflightBytes < c.validation.maxDocumentBytes ? `INBOUND_INFLIGHT_BYTES=${c.http.inflightBytes} is less than MAX_DOCUMENT_BYTES=${c.validation.maxDocumentBytes}` : null),
  (c) =>
    c.as4.identity && c.http.inflightBytes < c.as4.maxMessageBytes
      ? `INBOUND_INFLIGHT_BYTES=${c.http.inflightBytes} is less than AS4_MAX_MESSAGE_BYTES=${c.as4.maxMessageBytes}: such a message would be refused as busy forever`
      : null,
  (c) => ((c.storage.payloadStore === 's3' || c.storage.archiveStore === 's3') && !c.storage.s3.bucket ? 'PAYLOAD_STORE or ARCHIVE_STORE is s3: set S3_BUCKET' : null),
  (c) => ((c.storage.s3.accessKeyId === null) !== (c.storage.s3.secretAccessKey === null) ? 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both or neither' : null),
  (c) => (c.storage.payloadStore === 's3' && c.storage.archiveStore === 's3' && c.storage.s3.payloadPrefix === c.storage.s3.archivePrefix ? 'S3_PAYLOAD_PREFIX and S3_ARCHIVE_PREFIX must differ' : null),
  (c) =>
    c.metrics.port !== null && c.metrics.port !== 0 && c.metrics.port === c.http.port
      ? `METRICS_PORT=${c.metrics.port} is PORT: leave METRICS_PORT unset to serve /metrics on the main port, or choose another port`
      : null,
]);

export type Config = ReturnType<typeof SCHEMA.load>;
export type OutboundConfig = Value<typeof outbound>;
export type PkiConfig = Value<typeof pki>;
export type JobsConfig = Value<typeof jobs>;
export type WebhooksConfig = Value<typeof webhooks>;
export type ResponsesConfig = Value<typeof responses>;
export type ConsoleConfig = Value<typeof consoleSection>;
export type EmailConfig = Value<typeof email>;
export type ReportingConfig = Value<typeof reporting>;
export type StorageConfig = Value<typeof storage>;
export type ArchiveConfig = Value<typeof archive>;
export type RetentionConfig = Value<typeof retention>;
export type MetricsConfig = Value<typeof metrics>;

/** Every variable the configuration knows, in table order. */
export const CONFIG_VARIABLES: readonly KnownVariable[] = SCHEMA.variables;

/** Reads and checks the configuration; throws ApError('config.invalid') listing every bad value. */
export function loadConfig(env: Env = process.env): Config {
  return SCHEMA.load(env);
}

export type { Env, KnownVariable } from './schema.js';
export type { LogLevel } from './logging.js';
export { readPemFile, type CertificateFile, type CertificatesFile, type KeyFile, type PemKinds } from './pem.js';
export { PROJECT_ROOT } from './project-root.js';
export { shippedPeppolG3, trustOf, PEPPOL_G3_DIR } from './peppol-g3.js';
