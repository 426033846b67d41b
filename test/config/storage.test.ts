/** The storage, archive and retention sections: defaults, and the settings that go together. */
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';

describe('configuration of payload storage, the archive and retention', () => {
  it('keeps everything in Postgres by default, payloads 90 days, the archive ten years', () => {
    const c = loadConfig({});
    assert.equal(c.storage.payloadStore, 'postgres');
    assert.equal(c.storage.archiveStore, 'postgres');
    assert.equal(c.retention.payloadDays, 90);
    assert.equal(c.retention.archiveYears, 10);
    assert.equal(c.retention.intervalMs, 3_600_000);
    assert.equal(c.archive.checkpointMaxAgeMs, 3_600_000);
  });

  it('reads the S3 settings', () => {
    const c = loadConfig({ PAYLOAD_STORE: 's3', ARCHIVE_STORE: 's3', S3_BUCKET: 'ap-payloads', S3_ENDPOINT: 'http://127.0.0.1:9000/', S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' });
    assert.deepEqual(c.storage.s3, { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'ap-payloads', forcePathStyle: true, accessKeyId: 'k', secretAccessKey: 's', payloadPrefix: 'payloads/', archivePrefix: 'archive/' });
  });

  it('refuses an S3 store without a bucket, half the credentials, one prefix for both, and a bad store name, all at once', () => {
    assert.throws(
      () => loadConfig({ PAYLOAD_STORE: 's3', ARCHIVE_STORE: 's3', S3_ACCESS_KEY_ID: 'k', S3_PAYLOAD_PREFIX: 'x/', S3_ARCHIVE_PREFIX: 'x/' }),
      (err: Error) => /set S3_BUCKET/.test(err.message) && /go together/.test(err.message) && /must differ/.test(err.message),
    );
    assert.throws(() => loadConfig({ PAYLOAD_STORE: 'disk' }), /PAYLOAD_STORE/);
    assert.throws(() => loadConfig({ RETENTION_PAYLOAD_DAYS: '0' }), /RETENTION_PAYLOAD_DAYS/);
  });
});
