import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE_INVOICE } from '../support/artifacts.js';
import type { TestDatabase } from '../support/db.js';
import { startDocumentsApi, type DocumentsApi } from '../support/documents-api.js';

const MAX_BYTES = 1024 * 1024;
const INVOICE = readFileSync(BASE_INVOICE, 'utf8');
/** The base invoice under another invoice number: another body. */
const invoiceNumbered = (n: string) => INVOICE.replace(/<cbc:ID>[^<]*<\/cbc:ID>/, `<cbc:ID>${n}</cbc:ID>`);

describe('Idempotency-Key on POST /api/v1/documents', () => {
  let db: TestDatabase;
  let api: DocumentsApi;
  let base: string;

  before(async () => {
    api = await startDocumentsApi({ prefix: 'ap_idempotency', maxDocumentBytes: MAX_BYTES });
    ({ db, base } = api);
  });

  after(async () => {
    await api?.close();
  });

  const post = (body: string, key?: string) =>
    fetch(`${base}/api/v1/documents?resend=true`, {
      method: 'POST',
      headers: { ...api.auth, 'content-type': 'application/xml', ...(key !== undefined ? { 'idempotency-key': key } : {}) },
      body,
    });
  const count = async () => Number((await db.knex('documents').count({ n: '*' }))[0]!.n);

  it('answers the same key and body with the first response again, replayed, and stores one document', async () => {
    const before = await count();
    const first = await post(INVOICE, 'order-1');
    const firstBody = await first.text();
    assert.equal(first.status, 201, firstBody);
    assert.equal(first.headers.get('idempotency-replayed'), null);
    const id = JSON.parse(firstBody).id as string;
    // What happens to the document since does not change the answer: the first response is replayed.
    await db.knex('documents').where({ id }).update({ status: 'undeliverable', updated_at: db.knex.raw("now() + interval '1 hour'") });
    const again = await post(INVOICE, 'order-1');
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotency-replayed'), 'true');
    assert.equal(again.headers.get('location'), `/api/v1/documents/${id}`);
    assert.match(again.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(await again.text(), firstBody);
    assert.equal(await count(), before + 1);
  });

  it('replays a 422 rejection too, without storing the rejected document twice', async () => {
    const before = await count();
    const invalid = INVOICE.replace('<cbc:IssueDate>', '<cbc:Unexpected>1</cbc:Unexpected><cbc:IssueDate>');
    const first = await post(invalid, 'rejected-1');
    const firstBody = await first.text();
    assert.equal(first.status, 422);
    const again = await post(invalid, 'rejected-1');
    assert.equal(again.status, 422);
    assert.equal(again.headers.get('idempotency-replayed'), 'true');
    assert.equal(await again.text(), firstBody);
    assert.equal(await count(), before + 1);
  });

  it('refuses the same key with another body: 422 problem, nothing stored', async () => {
    assert.equal((await post(invoiceNumbered('A-1'), 'order-2')).status, 201);
    const before = await count();
    const res = await post(invoiceNumbered('A-2'), 'order-2');
    assert.equal(res.status, 422);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const problem = (await res.json()) as Record<string, unknown>;
    assert.equal(problem.code, 'api.idempotency-key-reused');
    assert.match(String(problem.detail), /"order-2" was used with a different request body/);
    assert.equal(await count(), before);
  });

  it('stores one document for ten concurrent requests with one key: the others replay or are told to retry', async () => {
    const before = await count();
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(invoiceNumbered('C-1'), 'concurrent')));
    const fresh = answers.filter((r) => r.status === 201 && r.headers.get('idempotency-replayed') === null);
    assert.equal(fresh.length, 1);
    const freshBody = await fresh[0]!.text();
    for (const r of answers.filter((a) => a !== fresh[0])) {
      if (r.status === 409) {
        assert.equal(r.headers.get('retry-after'), '1');
        assert.equal(((await r.json()) as Record<string, unknown>).code, 'api.request-in-progress');
      } else {
        assert.equal(r.status, 201);
        assert.equal(r.headers.get('idempotency-replayed'), 'true');
        assert.equal(await r.text(), freshBody);
      }
    }
    assert.equal(await count(), before + 1);
    const after = await post(invoiceNumbered('C-1'), 'concurrent');
    assert.equal(after.headers.get('idempotency-replayed'), 'true');
    assert.equal(await after.text(), freshBody);
  });

  it('stores two documents for the same body sent twice without a key, as before', async () => {
    const keys = async () => Number((await db.knex('idempotency_keys').count({ n: '*' }))[0]!.n);
    const [before, keysBefore] = [await count(), await keys()];
    const a = (await (await post(INVOICE)).json()) as Record<string, unknown>;
    const b = (await (await post(INVOICE)).json()) as Record<string, unknown>;
    assert.notEqual(a.id, b.id);
    assert.equal(await count(), before + 2);
    assert.equal(await keys(), keysBefore);
  });

  for (const [name, key] of [
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['not ASCII', 'clé'],
  ] as const) {
    it(`refuses a key that is ${name} with 400, storing nothing`, async () => {
      const before = await count();
      const res = await post(INVOICE, key);
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as Record<string, unknown>).code, 'api.bad-request');
      assert.equal(await count(), before);
    });
  }

  it('accepts a key of 255 printable characters', async () => {
    assert.equal((await post(invoiceNumbered('L-1'), `~ ${'k'.repeat(253)}`)).status, 201);
  });

  it('takes an expired key as new, whatever the body, and deletes other expired keys', async () => {
    assert.equal((await post(invoiceNumbered('E-1'), 'expiring')).status, 201);
    assert.equal((await post(invoiceNumbered('E-2'), 'forgotten')).status, 201);
    await db.knex('idempotency_keys').whereIn('key', ['expiring', 'forgotten']).update({ created_at: db.knex.raw("now() - interval '25 hours'") });
    const before = await count();
    const res = await post(invoiceNumbered('E-3'), 'expiring');
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('idempotency-replayed'), null);
    assert.equal(await count(), before + 1);
    assert.deepEqual(await db.knex('idempotency_keys').where({ key: 'forgotten' }), []);
  });

  it('lets a retry take over a claim its first attempt left in progress past the lease', async () => {
    assert.equal((await post(invoiceNumbered('S-1'), 'stuck')).status, 201);
    // As a crashed first attempt leaves it: claimed long ago, never completed.
    await db.knex('idempotency_keys').where({ key: 'stuck' }).update({
      response_status: null,
      response_body: null,
      document_id: null,
      claimed_at: db.knex.raw("now() - interval '1 hour'"),
    });
    assert.equal((await post(invoiceNumbered('S-other'), 'stuck')).status, 422, 'another body still may not take it');
    const res = await post(invoiceNumbered('S-1'), 'stuck');
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('idempotency-replayed'), null);
  });

  it('frees the key when the submission fails, so that a retry is a new attempt', async () => {
    const res = await post('<Invoice', 'malformed');
    assert.equal(res.status, 400);
    assert.deepEqual(await db.knex('idempotency_keys').where({ key: 'malformed' }), []);
  });
});
