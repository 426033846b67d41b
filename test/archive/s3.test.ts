/**
 * The archive with both stores in S3 (a local S3-compatible server): the chain is built from payloads in
 * the bucket and its copies go there too, nothing in the payloads or archive_objects tables; a copy
 * changed in the bucket is named by verify; retention deletes the objects and the chain still verifies.
 */
import assert from 'node:assert/strict';
import { startLocalS3, type LocalS3 } from '../support/s3.js';
import { archiveAll, fileAndAcknowledge, receive, startArchiveEnv, submit, type ArchiveEnv } from './support.js';

describe('archive: payloads and archive copies in S3', function () {
  this.timeout(60_000);
  let s3: LocalS3;
  let env: ArchiveEnv;
  before(async () => {
    s3 = await startLocalS3('peppol-ap-archive');
    env = await startArchiveEnv({ prefix: 'ap_archive_s3', payloadStores: (db) => s3.stores(db.knex) });
  });
  after(async () => {
    await env?.close();
    await s3?.close();
  });

  it('archives from the bucket into the bucket, names a changed object, and purges objects without breaking the chain', async () => {
    const ids = [await receive(env), await receive(env), await submit(env)];
    await fileAndAcknowledge(env, ids[0]!);
    await archiveAll(env);
    const rows = async (table: string) => Number((await env.db.knex(table).count('* as n'))[0]!.n);
    assert.equal(await rows('payloads'), 0);
    assert.equal(await rows('archive_objects'), 0);
    assert.ok(await env.payloadStores.archive.get(`document/${ids[0]}`));
    let result = await env.archive.service.verify();
    assert.equal(result.ok, true, JSON.stringify(result.firstProblem));

    const original = (await env.payloadStores.archive.get(`document/${ids[1]}`))!;
    await env.payloadStores.archive.put(`document/${ids[1]}`, Buffer.concat([original, Buffer.from(' ')]));
    result = await env.archive.service.verify();
    assert.equal(result.firstProblem?.ref, ids[1]);
    assert.match(result.firstProblem!.problem, /archive copy \(document\/.*\) differs/);
    await env.payloadStores.archive.put(`document/${ids[1]}`, original);

    const later = new Date(Date.now() + 91 * 86_400_000);
    assert.deepEqual(await env.archive.retention.purge(later), { payloads: 1, archives: 0 });
    assert.equal(await env.payloadStores.payloads.get(ids[0]!), null, 'the object is gone from the bucket');
    assert.deepEqual(await env.archive.retention.purge(new Date('2037-01-01T00:00:00Z')), { payloads: 0, archives: 3 });
    assert.equal(await env.payloadStores.archive.get(`document/${ids[0]}`), null);
    await archiveAll(env);
    result = await env.archive.service.verify();
    assert.equal(result.ok, true, JSON.stringify(result.firstProblem));
    assert.equal(result.purged, 3);
  });
});
