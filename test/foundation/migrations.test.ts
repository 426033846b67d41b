import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { migrateLatest } from '../../src/store/migrator.js';

describe('migrations', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  after(() => db?.drop());

  it('bring an empty database to the first schema, then report nothing pending', async () => {
    const applied = await migrateLatest(db.knex);
    assert.ok(applied.includes('20261128_0001_initial'), `applied: ${applied.join(', ')}`);
    for (const table of ['documents', 'payloads', 'document_events', 'hosted_participants']) {
      assert.equal(await db.knex.schema.hasTable(table), true, table);
    }
    assert.deepEqual(await migrateLatest(db.knex), []);
  });

  it('compress stored documents, receipts and reports with LZ4 where the server has it', async () => {
    const hasLz4 = await db.knex
      .raw('SET LOCAL default_toast_compression = lz4')
      .then(() => true)
      .catch(() => false);
    const { rows } = await db.knex.raw(
      `SELECT attrelid::regclass::text AS t, attname, attcompression FROM pg_attribute
       WHERE (attrelid::regclass::text, attname) IN (('payloads', 'content'), ('as4_messages', 'receipt'), ('documents', 'validation_report'))`,
    );
    assert.equal(rows.length, 3);
    for (const r of rows as Array<{ t: string; attname: string; attcompression: string }>) assert.equal(r.attcompression, hasLz4 ? 'l' : '', `${r.t}.${r.attname}`);
  });

  it('keep the event timeline append-only until its document is deleted', async () => {
    const [doc] = await db.knex('documents')
      .insert({ direction: 'outbound', status: 'queued', payload_sha256: 'a'.repeat(64), payload_size: 1 })
      .returning('id');
    await db.knex('document_events').insert({ document_id: doc.id, type: 'status', to_status: 'queued', actor: 'test' });
    await assert.rejects(db.knex('document_events').update({ reason: 'changed' }), /append-only/);
    await assert.rejects(db.knex('document_events').where({ document_id: doc.id }).delete(), /append-only/);
    await assert.rejects(db.knex.raw('TRUNCATE document_events CASCADE'), /append-only/);
    await db.knex('documents').where({ id: doc.id }).delete();
    assert.equal((await db.knex('document_events').where({ document_id: doc.id })).length, 0);
  });

  it('treat hosted participant identifiers case-insensitively', async () => {
    await db.knex('hosted_participants').insert({ identifier: '9925:be0123456789' });
    await assert.rejects(db.knex('hosted_participants').insert({ identifier: '9925:BE0123456789' }), /unique/i);
  });
});
