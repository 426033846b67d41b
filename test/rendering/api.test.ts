import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_INVOICE, PEPPOL_EXAMPLES_DIR } from '../support/artifacts.js';
import { bearer, createKey, createTenant } from '../support/auth.js';
import { startDocumentsApi, type DocumentsApi } from '../support/documents-api.js';
import { readPdf } from '../support/pdf-text.js';

/** A small PDF as a supplier would attach it (any bytes do: the access point offers them as they are). */
const ATTACHED_PDF = Buffer.from('%PDF-1.4\n% a timesheet\n%%EOF\n');

/** The Allowance example with a PDF embedded beside its two references (an invoiced object, an external link). */
function invoiceWithAttachment(): string {
  return readFileSync(join(PEPPOL_EXAMPLES_DIR, 'Allowance-example.xml'), 'utf8').replace(
    '<cac:AccountingSupplierParty>',
    `<cac:AdditionalDocumentReference><cbc:ID>TS-2017-11</cbc:ID><cbc:DocumentDescription>Timesheet</cbc:DocumentDescription><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="Prestations détaillées.pdf">${ATTACHED_PDF.toString('base64')}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>
    <cac:AccountingSupplierParty>`,
  );
}

describe('rendering API: GET /documents/{id}/render and /attachments/{index}', function () {
  this.timeout(60_000);
  let api: DocumentsApi;
  let invoiceId: string;
  let attachedId: string;
  let otherTenant: Record<string, string>;

  const get = (path: string, auth = api.auth) => fetch(`${api.base}/api/v1${path}`, { headers: auth });
  const submit = async (xml: string | Buffer): Promise<string> => {
    const res = await fetch(`${api.base}/api/v1/documents`, { method: 'POST', headers: { ...api.auth, 'content-type': 'application/xml' }, body: new Uint8Array(Buffer.from(xml)) });
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { id: string }).id;
  };

  before(async () => {
    api = await startDocumentsApi({ prefix: 'ap_render', maxDocumentBytes: 10 * 1024 * 1024 });
    invoiceId = await submit(readFileSync(BASE_INVOICE));
    attachedId = await submit(invoiceWithAttachment());
    const other = await createTenant(api.services.tenants, { name: 'Someone else' });
    otherTenant = bearer((await createKey(api.services.tenants, other.id, ['send', 'inbox'])).secret);
  });

  after(() => api?.close());

  it('answers a self-contained HTML page in the language asked, under a policy that loads nothing and runs no script', async () => {
    const res = await get(`/documents/${invoiceId}/render?format=html&lang=fr`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/html; charset=utf-8/);
    assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox allow-downloads");
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    assert.ok(html.includes('<html lang="fr">') && html.includes('Snippet1') && html.includes('Montant à payer') && html.includes('1\u202f656,25'), html.slice(0, 300));
  });

  it('answers a PDF whose text carries the invoice number and the payable amount', async () => {
    const res = await get(`/documents/${invoiceId}/render?format=pdf&lang=nl`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.match(res.headers.get('content-disposition')!, new RegExp(`^inline; filename="${invoiceId}-nl.pdf"`));
    const pdf = await readPdf(new Uint8Array(await res.arrayBuffer()));
    assert.ok(pdf.text.includes('Snippet1') && pdf.text.includes('Te betalen 1.656,25 EUR'), pdf.text.slice(0, 400));
  });

  it('defaults to HTML in English', async () => {
    const res = await get(`/documents/${invoiceId}/render`);
    assert.equal(res.status, 200);
    assert.ok((await res.text()).includes('Amount due'));
  });

  it('refuses a format or language it does not have (400)', async () => {
    for (const q of ['format=docx', 'lang=de', 'lang=nl&lang=fr']) {
      const res = await get(`/documents/${invoiceId}/render?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(((await res.json()) as { code: string }).code, 'api.bad-request');
    }
  });

  it("is 404 for another tenant's key, as if the document did not exist, and for an unknown id", async () => {
    for (const path of [`/documents/${invoiceId}/render?format=pdf`, `/documents/${attachedId}/attachments/2`]) {
      const res = await get(path, otherTenant);
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { code: string }).code, 'api.not-found');
    }
    assert.equal((await get('/documents/0b9e2f4c-5d1a-4c3e-9f7b-2a6d8e1c4b3f/render')).status, 404);
  });

  it('serves an embedded attachment byte for byte, with its type and file name, and lists it in the rendering', async () => {
    const res = await get(`/documents/${attachedId}/attachments/2`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="Prestations d_taill_es.pdf"; filename*=UTF-8''Prestations%20d%C3%A9taill%C3%A9es.pdf`);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(ATTACHED_PDF));
    const html = await (await get(`/documents/${attachedId}/render?lang=en`)).text();
    assert.ok(html.includes('Prestations détaillées.pdf') && html.includes('www.techspec.no'));
    const pdf = await readPdf(new Uint8Array(await (await get(`/documents/${attachedId}/render?format=pdf`)).arrayBuffer()));
    assert.deepEqual(pdf.attachments.map((a) => Buffer.from(a.content).equals(ATTACHED_PDF)), [true]);
  });

  it('is 404 for a position with no embedded attachment (an external link, none at all), 400 for one that is not a number', async () => {
    for (const i of ['0', '1', '3']) assert.equal((await get(`/documents/${attachedId}/attachments/${i}`)).status, 404, i);
    assert.equal((await get(`/documents/${attachedId}/attachments/-1`)).status, 400);
    assert.equal((await get(`/documents/${attachedId}/attachments/99999`)).status, 400);
  });
});
