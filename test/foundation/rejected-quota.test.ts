/**
 * Anonymous callers cannot fill the database with rejected documents: the payloads of rejected API
 * submissions are kept up to ANONYMOUS_REJECTED_BYTES_PER_DAY; past it a rejected document is stored with
 * its report, hash and size but without its payload, its event says why, and the caller still gets the
 * whole 422 report.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createKnex } from '../../src/store/db.js';
import { PostgresDocumentStore } from '../../src/store/documents.js';
import { PostgresPayloadStore } from '../../src/store/payloads.js';
import { BASE_INVOICE } from '../support/artifacts.js';
import type { TestDatabase } from '../support/db.js';
import { startDocumentsApi, type DocumentsApi } from '../support/documents-api.js';

const MAX_BYTES = 4 * 1024 * 1024;
const DOCUMENT_BYTES = 1024 * 1024;
const QUOTA = Math.floor(2.5 * DOCUMENT_BYTES);

/** An XSD-invalid invoice of DOCUMENT_BYTES (padded with a comment), unique by `n`. */
function rejectedInvoice(n: number): Buffer {
  const xml = readFileSync(BASE_INVOICE, 'utf8')
    .replace('<cbc:ID>Snippet1</cbc:ID>', `<cbc:ID>QUOTA-${n}</cbc:ID>`)
    .replace('<cbc:IssueDate>', '<cbc:Unexpected>1</cbc:Unexpected><cbc:IssueDate>');
  const pad = DOCUMENT_BYTES - Buffer.byteLength(xml) - '<!--  -->\n'.length;
  return Buffer.from(xml.replace(/<\/Invoice>\s*$/, `<!-- ${'x'.repeat(pad)} -->\n</Invoice>\n`));
}

describe('rejected API submissions: payloads kept up to a daily quota', () => {
  let db: TestDatabase;
  let api: DocumentsApi;
  let base: string;

  before(async () => {
    api = await startDocumentsApi({ prefix: 'ap_rejected_quota', maxDocumentBytes: MAX_BYTES, rejectedPayloadBytesPerDay: QUOTA });
    ({ db, base } = api);
  });

  after(async () => {
    await api?.close();
  });

  const post = (body: Buffer) => fetch(`${base}/api/v1/documents?resend=true`, { method: 'POST', headers: { ...api.auth, 'content-type': 'application/xml' }, body: new Uint8Array(body) });
  const storedPayloadBytes = async () => Number((await db.knex('payloads').sum({ n: db.knex.raw('octet_length(content)') }))[0]!.n ?? 0);

  it('keeps the payloads of the first rejected documents, then stores the next without payload and says why, with the full 422 report', async () => {
    const answers = [];
    for (let n = 0; n < 3; n++) {
      const xml = rejectedInvoice(n);
      const res = await post(xml);
      const body = (await res.json()) as Record<string, any>;
      assert.equal(res.status, 422, JSON.stringify(body).slice(0, 300));
      assert.equal(body.status, 'rejected');
      assert.equal(body.validation.valid, false);
      assert.match(body.validation.issues[0].message, /Unexpected.*not expected/);
      assert.equal(body.payload.sha256, createHash('sha256').update(xml).digest('hex'));
      assert.equal(body.payload.size, xml.length);
      answers.push(body);
    }
    const [first, second, third] = answers;
    for (const kept of [first, second]) assert.equal((await fetch(`${base}${kept.payload.href}`, { headers: api.auth })).status, 200);
    assert.match(first.message, /stored as rejected and not sent/);

    assert.match(third.message, /without its payload/);
    const payload = await fetch(`${base}${third.payload.href}`, { headers: api.auth });
    assert.equal(payload.status, 404);
    assert.match(((await payload.json()) as { message: string }).message, /No payload stored/);
    const doc = (await (await fetch(`${base}/api/v1/documents/${third.id}`, { headers: api.auth })).json()) as Record<string, any>;
    assert.equal(doc.status, 'rejected');
    assert.equal(doc.validation.valid, false);
    assert.equal(doc.events.length, 1);
    assert.match(doc.events[0].reason, /validation failed .*payload \(1048576 bytes\) is not kept.*ANONYMOUS_REJECTED_BYTES_PER_DAY \(2621440 bytes\)/);
    assert.deepEqual(doc.events[0].details, { payloadKept: false, payloadBytes: DOCUMENT_BYTES, rejectedPayloadBytesPerDay: QUOTA });
    assert.equal(await storedPayloadBytes(), 2 * DOCUMENT_BYTES);
  });

  it('still keeps the payload of a valid document once the quota is used up', async () => {
    const res = await post(readFileSync(BASE_INVOICE));
    const body = (await res.json()) as Record<string, any>;
    assert.equal(res.status, 201, JSON.stringify(body).slice(0, 300));
    assert.equal((await fetch(`${base}${body.payload.href}`, { headers: api.auth })).status, 200);
  });

  it('counts the quota per UTC day in Postgres, not in the process: another pool on the database sees the same count', async () => {
    const day = (await db.knex.raw(`SELECT (now() AT TIME ZONE 'UTC')::date::text AS d`)).rows[0].d as string;
    const rows = await db.knex('rejected_payload_days').select(db.knex.raw('day::text AS day'), 'bytes');
    assert.deepEqual(rows, [{ day, bytes: String(2 * DOCUMENT_BYTES) }]);
    const knex = createKnex({ url: db.url, poolMax: 1 });
    try {
      const other = new PostgresDocumentStore(knex, new PostgresPayloadStore(knex));
      assert.equal(await other.countRejectedPayload(QUOTA - 2 * DOCUMENT_BYTES, QUOTA), true, 'what is left fits');
      assert.equal(await other.countRejectedPayload(1, QUOTA), false, 'one byte more does not');
    } finally {
      await knex.destroy();
    }
  });
});
