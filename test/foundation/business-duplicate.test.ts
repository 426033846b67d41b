import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE_INVOICE } from '../support/artifacts.js';
import { startDocumentsApi, type DocumentsApi } from '../support/documents-api.js';

const INVOICE = readFileSync(BASE_INVOICE, 'utf8').replace(/<cbc:ID>[^<]*<\/cbc:ID>/, '<cbc:ID>BD-1</cbc:ID>');

describe('business duplicates on POST /api/v1/documents (same supplier, buyer, number and issue date)', () => {
  let api: DocumentsApi;

  before(async () => {
    api = await startDocumentsApi({ prefix: 'ap_business_dup', maxDocumentBytes: 4 * 1024 * 1024 });
  });

  after(async () => {
    await api?.close();
  });

  const post = (body: string, query = '') =>
    fetch(`${api.base}/api/v1/documents${query}`, { method: 'POST', headers: { ...api.auth, 'content-type': 'application/xml' }, body });
  const count = async () => Number((await api.db.knex('documents').count({ n: '*' }))[0]!.n);

  it('refuses a second copy with 409 and a link to the original, storing nothing; ?resend=true sends it on purpose', async () => {
    const first = await post(INVOICE);
    assert.equal(first.status, 201);
    const original = (await first.json()) as { id: string };
    const before = await count();

    // Another byte sequence of the same business document (a comment) is still the same invoice.
    const again = await post(INVOICE.replace('</Invoice>', '<!-- resent by the ERP --></Invoice>'));
    assert.equal(again.status, 409);
    assert.match(again.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const problem = (await again.json()) as Record<string, any>;
    assert.equal(problem.code, 'api.business-duplicate');
    assert.equal(problem.details.originalDocumentId, original.id);
    assert.equal(problem.details.original, `/api/v1/documents/${original.id}`);
    assert.match(problem.detail, /resend=true/);
    assert.equal(await count(), before, 'nothing stored for the refused copy');

    const resent = await post(INVOICE, '?resend=true');
    assert.equal(resent.status, 201);
    const doc = (await (await fetch(`${api.base}/api/v1/documents/${((await resent.json()) as { id: string }).id}`, { headers: api.auth })).json()) as Record<string, any>;
    assert.match(doc.events[0].reason, /deliberate resend/);
  });

  it('accepts the same number again once the copy that holds it failed for good', async () => {
    const text = INVOICE.replace('<cbc:ID>BD-1</cbc:ID>', '<cbc:ID>BD-2</cbc:ID>');
    const first = (await (await post(text)).json()) as { id: string };
    assert.equal((await post(text)).status, 409);
    await api.db.knex('documents').where({ id: first.id }).update({ status: 'undeliverable' });
    assert.equal((await post(text)).status, 201);
  });

  it('refuses resend values other than true or false with 400', async () => {
    assert.equal((await post(INVOICE, '?resend=yes')).status, 400);
  });
});
