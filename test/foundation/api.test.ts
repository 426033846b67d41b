import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { BASE_CREDIT_NOTE, BASE_INVOICE, officialExamples } from '../support/artifacts.js';
import type { TestDatabase } from '../support/db.js';
import { supplierOf } from '../support/auth.js';
import { hostable, startDocumentsApi, type DocumentsApi } from '../support/documents-api.js';

const MAX_BYTES = 4 * 1024 * 1024; // the largest official example is 3.2 MB
const INVOICE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';

describe('documents API (POST /api/v1/documents, GET /api/v1/documents/:id)', () => {
  let db: TestDatabase;
  let api: DocumentsApi;
  let base: string;
  // Records every request a hostile document might make a parser send (external DTD, schema, entity).
  let probe: Server;
  let probeUrl: string;
  let probeHits = 0;

  before(async () => {
    api = await startDocumentsApi({ maxDocumentBytes: MAX_BYTES, readiness: { database: async () => true } });
    ({ db, base } = api);
    probe = createServer((_req, res) => {
      probeHits++;
      res.end('<!ENTITY leaked "LEAKED">');
    });
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  });

  after(async () => {
    await api?.close();
    await new Promise((r) => probe?.close(r));
  });

  const post = (body: string | Buffer, contentType: string | null = 'application/xml') =>
    fetch(`${base}/api/v1/documents?resend=true`, {
      method: 'POST',
      headers: { ...api.auth, ...(contentType ? { 'content-type': contentType } : {}) },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
  const count = async () => Number((await db.knex('documents').count({ n: '*' }))[0]!.n);

  it('answers /healthz and /readyz', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: true } });
  });

  it('accepts every official example (201, status queued) and stores the exact bytes; one whose supplier is no Peppol participant is 403', async () => {
    const files = officialExamples();
    assert.ok(files.length >= 29, `only ${files.length} examples installed`);
    let unhostable = 0;
    for (const file of files) {
      const bytes = readFileSync(file);
      const res = await post(bytes);
      const body = (await res.json()) as Record<string, any>;
      if (!hostable(supplierOf(bytes))) {
        // Sent only for participants hosted here: no supplier id, or an e-mail address (EM:...), cannot be one.
        assert.equal(res.status, 403, `${basename(file)}: ${JSON.stringify(body).slice(0, 400)}`);
        assert.equal(body.code ?? body.error, 'api.forbidden');
        unhostable++;
        continue;
      }
      assert.equal(res.status, 201, `${basename(file)}: ${JSON.stringify(body).slice(0, 400)}`);
      assert.equal(body.status, 'queued');
      assert.equal(res.headers.get('location'), `/api/v1/documents/${body.id}`);
      const sha = createHash('sha256').update(bytes).digest('hex');
      assert.equal(body.payload.sha256, sha);
      const stored = Buffer.from(await (await fetch(`${base}${body.payload.href}`, { headers: api.auth })).arrayBuffer());
      assert.ok(stored.equals(bytes), `${basename(file)}: stored payload differs`);
      // COUNTRY_C1 for every attempt, read from the validator's parse (BT-40 of the example).
      const country = /<cac:AccountingSupplierParty>[\s\S]*?<cac:Country>\s*<cbc:IdentificationCode>(\w\w)</.exec(bytes.toString())?.[1] ?? null;
      const delivery = await db.knex('outbound_deliveries').where({ document_id: body.id }).first();
      assert.equal(delivery.country_c1, country, `${basename(file)}: country_c1`);
    }
    assert.ok(unhostable < files.length / 2, `${unhostable} examples have no Peppol supplier id`);
  });

  it('says a queued document waits for an instance that sends when this one does not, with no next attempt time', async () => {
    const inv = (await (await post(readFileSync(BASE_INVOICE))).json()) as Record<string, any>;
    // The job's time passes with no runner here to take it: the answer must not show that time as a plan.
    await db.knex('jobs').where({ unique_key: inv.id }).update({ run_at: new Date(Date.now() - 60_000) });
    const got = (await (await fetch(`${base}/api/v1/documents/${inv.id}`, { headers: api.auth })).json()) as Record<string, any>;
    assert.equal(got.status, 'queued');
    assert.equal(got.delivery.nextAttemptAt, null);
    assert.match(got.delivery.waiting, /sending is off on this access point .*waits for an instance of this access point that sends/);
  });

  it('reads the routing metadata and records the creation event (invoice and credit note)', async () => {
    const inv = (await (await post(readFileSync(BASE_INVOICE))).json()) as Record<string, any>;
    const got = (await (await fetch(`${base}/api/v1/documents/${inv.id}`, { headers: api.auth })).json()) as Record<string, any>;
    assert.equal(got.status, 'queued');
    assert.equal(got.direction, 'outbound');
    assert.equal(got.sandbox, false, 'not test data: this access point is no sandbox');
    assert.equal(got.documentKind, 'Invoice');
    assert.equal(got.senderId, '0088:9482348239847239874');
    assert.equal(got.receiverId, '0002:fr23342');
    assert.equal(got.invoiceNumber, 'Snippet1');
    assert.equal(got.issueDate, '2017-11-13');
    assert.equal(got.process, 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0');
    assert.equal(
      got.documentType,
      `${INVOICE_NS}::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1`,
    );
    assert.equal(got.events.length, 1);
    assert.equal(got.events[0].fromStatus, null);
    assert.equal(got.events[0].toStatus, 'queued');
    assert.match(got.events[0].actor, /^key:pap_[a-z2-7]{16}$/);
    assert.equal(got.validation.valid, true);

    const cn = (await (await post(readFileSync(BASE_CREDIT_NOTE))).json()) as Record<string, any>;
    assert.equal(cn.documentKind, 'CreditNote');
    assert.match(cn.documentType, /CreditNote-2::CreditNote##/);
  });

  it('rejects an XSD-invalid document with 422, its errors with line numbers, and stores it as rejected', async () => {
    const text = readFileSync(BASE_INVOICE, 'utf8').replace('<cbc:IssueDate>', '<cbc:Unexpected>1</cbc:Unexpected><cbc:IssueDate>');
    const line = text.split('\n').findIndex((l) => l.includes('cbc:Unexpected')) + 1;
    const res = await post(text);
    assert.equal(res.status, 422);
    const body = (await res.json()) as Record<string, any>;
    assert.equal(body.status, 'rejected');
    assert.equal(body.error, 'validation.invalid');
    assert.equal(body.validation.valid, false);
    const issue = body.validation.issues[0];
    assert.equal(issue.layer, 'XSD');
    assert.equal(issue.line, line);
    assert.match(issue.message, /Unexpected.*not expected/);
    const got = (await (await fetch(`${base}/api/v1/documents/${body.id}`, { headers: api.auth })).json()) as Record<string, any>;
    assert.equal(got.status, 'rejected');
    assert.equal(got.events[0].toStatus, 'rejected');
    assert.equal(got.validation.issues[0].line, line);
    assert.equal((await db.knex('payloads').where({ document_id: body.id })).length, 1);
  });

  it('rejects a well-formed document that is not a UBL Invoice, CreditNote or ApplicationResponse with 422', async () => {
    const res = await post('<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"><ID>1</ID></Order>');
    assert.equal(res.status, 422);
    const body = (await res.json()) as Record<string, any>;
    assert.equal(body.status, 'rejected');
    assert.match(body.validation.issues[0].message, /not a UBL 2.1 Invoice, CreditNote or ApplicationResponse/);
  });

  describe('bad input: a clear 4xx JSON error and nothing stored', () => {
    const cases: Array<{ name: string; send: () => Promise<Response>; status: number; error: string }> = [
      { name: 'non-XML', send: () => post('this is not xml'), status: 400, error: 'xml.malformed' },
      { name: 'truncated XML', send: () => post(readFileSync(BASE_INVOICE).subarray(0, 2000)), status: 400, error: 'xml.malformed' },
      {
        name: 'UTF-16 with a byte order mark',
        send: () => post(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(BASE_INVOICE, 'utf8').replace('UTF-8', 'UTF-16'), 'utf16le')])),
        status: 400,
        error: 'xml.encoding-unsupported',
      },
      { name: 'UTF-16 without a byte order mark', send: () => post(Buffer.from(`<Invoice xmlns="${INVOICE_NS}"/>`, 'utf16le').swap16()), status: 400, error: 'xml.encoding-unsupported' },
      { name: 'a declared ISO-8859-1 encoding', send: () => post(`<?xml version="1.0" encoding="ISO-8859-1"?><Invoice xmlns="${INVOICE_NS}"/>`), status: 400, error: 'xml.encoding-unsupported' },
      { name: 'empty body', send: () => post(''), status: 400, error: 'input.empty' },
      { name: 'wrong content type', send: () => post(readFileSync(BASE_INVOICE), 'application/json'), status: 415, error: 'input.unsupported-media-type' },
      { name: 'no content type', send: () => post(readFileSync(BASE_INVOICE), null), status: 415, error: 'input.unsupported-media-type' },
      {
        name: 'external entity (XXE, file)',
        send: () =>
          post(`<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Invoice xmlns="${INVOICE_NS}">&xxe;</Invoice>`),
        status: 400,
        error: 'xml.dtd-forbidden',
      },
      {
        name: 'external entity (XXE, network)',
        send: () =>
          post(`<!DOCTYPE Invoice [<!ENTITY % ext SYSTEM "${probeUrl}/e.dtd"> %ext;]><Invoice xmlns="${INVOICE_NS}">&leaked;</Invoice>`),
        status: 400,
        error: 'xml.dtd-forbidden',
      },
      {
        name: 'external DTD',
        send: () => post(`<!DOCTYPE Invoice SYSTEM "${probeUrl}/x.dtd"><Invoice xmlns="${INVOICE_NS}"/>`),
        status: 400,
        error: 'xml.dtd-forbidden',
      },
      {
        name: 'entity expansion (billion laughs)',
        send: () => {
          let ents = '<!ENTITY l0 "lollollollollollollollollollol">';
          for (let i = 1; i <= 9; i++) ents += `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`;
          return post(`<?xml version="1.0"?><!DOCTYPE Invoice [${ents}]><Invoice xmlns="${INVOICE_NS}">&l9;</Invoice>`);
        },
        status: 400,
        error: 'xml.dtd-forbidden',
      },
      { name: 'body over the size limit', send: () => post(Buffer.alloc(MAX_BYTES + 1, 0x20)), status: 413, error: 'input.too-large' },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const before = await count();
        const res = await c.send();
        assert.equal(res.status, c.status);
        assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
        const body = (await res.json()) as Record<string, any>;
        assert.equal(body.error, c.error, JSON.stringify(body));
        assert.ok(typeof body.message === 'string' && body.message.length > 10, 'a message for people');
        assert.ok(body.requestId, 'carries the request id');
        assert.equal(await count(), before, 'nothing stored');
        assert.equal(probeHits, 0, 'the parser made no network request');
        assert.doesNotMatch(JSON.stringify(body), /root:|LEAKED/);
      });
    }

    it('says what is wrong once: no repeated prefix, and UTF-16 is named as such', async () => {
      const malformed = (await (await post('this is not xml')).json()) as Record<string, any>;
      assert.equal(malformed.title, 'The XML is not well-formed');
      assert.doesNotMatch(malformed.message, /well-formed.*well-formed/);
      const utf16 = (await (await post(Buffer.from(`\ufeff<Invoice xmlns="${INVOICE_NS}"/>`, 'utf16le'))).json()) as Record<string, any>;
      assert.match(utf16.message, /only UTF-8 is accepted/);
    });

    it('reports the line and column of malformed XML', async () => {
      const res = await post('<Invoice>\n  <a>\n</Invoice>');
      const body = (await res.json()) as Record<string, any>;
      assert.equal(res.status, 400);
      assert.equal(body.details.line, 3);
      assert.ok(body.details.column > 0);
    });

    it('never resolves XInclude or schema locations in a document', async () => {
      const text = readFileSync(BASE_INVOICE, 'utf8')
        .replace('<cbc:IssueDate>', `<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" parse="text"/><cbc:IssueDate>`)
        .replace(`xmlns="${INVOICE_NS}"`, `xmlns="${INVOICE_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${INVOICE_NS} ${probeUrl}/evil.xsd"`);
      const res = await post(text);
      assert.equal(res.status, 422); // the xi:include element is simply not allowed there
      const body = (await res.json()) as Record<string, any>;
      assert.doesNotMatch(JSON.stringify(body), /root:/);
      assert.equal(probeHits, 0);
    });
  });

  it('answers 404 JSON for an unknown document or route, and echoes a given request id', async () => {
    const res = await fetch(`${base}/api/v1/documents/00000000-0000-4000-8000-000000000000`, { headers: { ...api.auth, 'x-request-id': 'trace-42' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-request-id'), 'trace-42');
    assert.equal(((await res.json()) as Record<string, any>).error, 'api.not-found');
    assert.equal((await fetch(`${base}/nowhere`)).status, 404);
  });
});
