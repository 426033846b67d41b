/**
 * A local S3-compatible server for the tests (s3rver, files in a temporary folder), on 127.0.0.1 and a
 * free port, with one bucket; and the configuration that points the access point's stores at it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { buildPayloadStores, type PayloadStores } from '../../src/composition/archive.js';
import { Closers } from '../../src/composition/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import type { Knex } from 'knex';

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** The environment variables of S3 payload and archive stores on this server. */
  env: Record<string, string>;
  /** Payload and archive stores on this server under `root` (one per database; their S3 client closed by close()). */
  stores(knex: Knex, root?: string): PayloadStores;
  close(): Promise<void>;
}

export async function startLocalS3(bucket = 'peppol-ap-test'): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 'ap-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    PAYLOAD_STORE: 's3',
    ARCHIVE_STORE: 's3',
    S3_ENDPOINT: endpoint,
    S3_BUCKET: bucket,
    S3_FORCE_PATH_STYLE: 'true',
    // s3rver's fixed credentials.
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
  };
  const closers = new Closers(createLogger('silent'));
  return {
    endpoint,
    bucket,
    env,
    stores: (knex, root = '') => buildPayloadStores(loadConfig({ ...env, S3_PAYLOAD_PREFIX: `${root}payloads/`, S3_ARCHIVE_PREFIX: `${root}archive/` }).storage, knex, closers),
    async close() {
      await closers.closeAll(Date.now() + 5_000);
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
