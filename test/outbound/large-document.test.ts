/**
 * Large documents sent, streamed end to end: a 12 MB invoice (a PDF embedded as base64) submitted to A's
 * API past the spool threshold goes to a file while it is read, is validated on its copy without the
 * attachment's base64, stored in chunks, and delivered by A's job runner over real discovery and AS4 as a
 * stream (the SBD around the stored chunks, gzipped to a spool file, encrypted as it is posted) to B, which
 * stores it byte for byte. Every spool file is removed; a body past the large limit gets 413.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { belgianParticipant, startNetwork, ublDocument, type E2eNetwork, type TestAp } from '../e2e/harness.js';

const THRESHOLD = 1024 * 1024;
const MAX_BYTES = 16 * 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The example invoice with a PDF of `bytes` random bytes embedded (AdditionalDocumentReference, before the supplier). */
function largeInvoice(supplier: string, buyer: string, bytes: number): Buffer {
  const base64 = randomBytes(bytes).toString('base64').replace(/(.{76})/g, '$1\n');
  const reference =
    '<cac:AdditionalDocumentReference><cbc:ID>ATT-1</cbc:ID><cac:Attachment>' +
    `<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="scan.pdf">${base64}</cbc:EmbeddedDocumentBinaryObject>` +
    '</cac:Attachment></cac:AdditionalDocumentReference>\n    ';
  const xml = ublDocument('invoice', supplier, buyer).toString('utf8');
  return Buffer.from(xml.replace('<cac:AccountingSupplierParty>', `${reference}<cac:AccountingSupplierParty>`), 'utf8');
}

describe('large documents submitted over the API and delivered over AS4 as streams', function () {
  this.timeout(120_000);
  let net: E2eNetwork;
  let a: TestAp;
  let b: TestAp;
  let spoolA: string;
  let spoolB: string;
  const supplier = belgianParticipant(5151515);
  const buyer = belgianParticipant(6262626);

  before(async () => {
    spoolA = mkdtempSync(join(tmpdir(), 'ap-spool-a-'));
    spoolB = mkdtempSync(join(tmpdir(), 'ap-spool-b-'));
    net = await startNetwork();
    a = await net.startAp('A', 'PBE000101', { spool: { thresholdBytes: THRESHOLD, dir: spoolA, maxBytes: MAX_BYTES } });
    b = await net.startAp('B', 'PBE000202', { spool: { thresholdBytes: THRESHOLD, dir: spoolB, maxBytes: MAX_BYTES } });
    await a.host(supplier);
    await b.host(buyer);
  });
  after(async () => {
    await net?.close();
    rmSync(spoolA, { recursive: true, force: true });
    rmSync(spoolB, { recursive: true, force: true });
  });

  const submit = (body: Buffer, headers: Record<string, string> = {}) =>
    fetch(`${a.url}/api/v1/documents`, { method: 'POST', headers: { ...a.authorization, 'content-type': 'application/xml', ...headers }, body: new Uint8Array(body) });

  it('spools a 12 MB submission, validates it on its copy, stores it in chunks and delivers it as a stream; B stores it byte for byte; no spool file left', async () => {
    const xml = largeInvoice(supplier, buyer, 9 * 1024 * 1024);
    assert.ok(xml.length > 12_000_000 && xml.length < MAX_BYTES);
    // The spool files A writes: the submission's, then the outbound message's gzipped payload.
    const seen = new Set<string>();
    const watcher: FSWatcher = watch(spoolA, (_event, name) => name && seen.add(name));
    try {
      const res = await submit(xml);
      const body = (await res.json()) as any;
      assert.equal(res.status, 201, JSON.stringify(body).slice(0, 2000));
      assert.equal(body.status, 'queued');
      assert.equal(body.payload.sha256, sha256(xml), 'the SHA-256 taken while the body was spooled');
      assert.equal(body.payload.size, xml.length);
      assert.equal(body.senderId, supplier, 'the metadata read from the validation copy');
      assert.equal(body.receiverId, buyer);
      assert.match(body.invoiceNumber, /^E2E-/);
      assert.equal(body.validation.valid, true, JSON.stringify(body.validation.issues.slice(0, 3)));

      const chunks = await a.db.knex('payload_chunks').where({ document_id: body.id }).count('* as n');
      assert.ok(Number(chunks[0]!.n) >= 40, 'stored in 256 KiB chunks');
      assert.equal(await a.db.knex('payloads').where({ document_id: body.id }).first(), undefined, 'not as one value');

      const doc = await a.waitFor(body.id, ['delivered', 'failed', 'undeliverable'], 90_000);
      assert.equal(doc.status, 'delivered', JSON.stringify(doc.delivery));
      assert.equal(doc.delivery.receiverSeatId, 'PBE000202');

      const record = await b.db.knex('as4_messages').where({ direction: 'inbound', message_id: doc.delivery.as4MessageId }).first();
      assert.ok(record?.document_id, 'B recorded the message with its document');
      const received = await b.db.knex('documents').where({ id: record.document_id }).first();
      assert.equal(received.payload_sha256, sha256(xml));
      assert.equal(received.payload_size, xml.length);
      const stored = (await b.documents.payload(record.document_id))!;
      assert.equal(sha256(stored), sha256(xml), 'B stored the invoice byte for byte');
      assert.ok(Number((await b.db.knex('payload_chunks').where({ document_id: record.document_id }).count('* as n'))[0]!.n) > 0, 'B received it spooled, in chunks');
    } finally {
      watcher.close();
    }
    assert.ok([...seen].some((n) => n.startsWith('api-document-')), `the submission was spooled (seen: ${[...seen].join(', ')})`);
    assert.ok([...seen].some((n) => n.startsWith('as4-outbound-')), `the message was built as a stream (seen: ${[...seen].join(', ')})`);
    assert.deepEqual(readdirSync(spoolA), [], 'no spool file left at A');
    assert.deepEqual(readdirSync(spoolB), [], 'no spool file left at B');
  });

  it('answers a repeated large submission under the same Idempotency-Key with the first response (the digest taken while spooling)', async () => {
    const xml = largeInvoice(supplier, buyer, 2 * 1024 * 1024);
    const key = `large-${Date.now()}`;
    const first = await submit(xml, { 'idempotency-key': key });
    const firstBody = (await first.json()) as any;
    assert.equal(first.status, 201, JSON.stringify(firstBody).slice(0, 1000));
    const again = await submit(xml, { 'idempotency-key': key });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotency-replayed'), 'true');
    assert.equal(((await again.json()) as any).id, firstBody.id);
    const other = await submit(largeInvoice(supplier, buyer, 2 * 1024 * 1024), { 'idempotency-key': key });
    assert.equal(other.status, 422, 'another body under the same key is refused');
    assert.equal((await a.waitFor(firstBody.id, ['delivered', 'failed', 'undeliverable'], 60_000)).status, 'delivered', 'delivered once');
    assert.deepEqual(readdirSync(spoolA), []);
  });

  it('stores a large invoice that fails validation as rejected, with its report (422) and its payload in chunks, and sends nothing', async () => {
    const xml = Buffer.from(largeInvoice(supplier, buyer, 2 * 1024 * 1024).toString('utf8').replace('<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>', '<cbc:DocumentCurrencyCode>ZZZ</cbc:DocumentCurrencyCode>'), 'utf8');
    const res = await submit(xml);
    const body = (await res.json()) as any;
    assert.equal(res.status, 422, JSON.stringify(body).slice(0, 1000));
    assert.equal(body.status, 'rejected');
    assert.equal(body.validation.valid, false);
    assert.ok(body.validation.issues.some((i: { flag: string }) => i.flag === 'fatal'));
    assert.equal(body.payload.sha256, sha256(xml));
    const stored = (await a.documents.payload(body.id))!;
    assert.equal(sha256(stored), sha256(xml), 'the rejected payload kept byte for byte');
    assert.ok(Number((await a.db.knex('payload_chunks').where({ document_id: body.id }).count('* as n'))[0]!.n) > 0, 'in chunks');
    assert.equal(await a.db.knex('outbound_deliveries').where({ document_id: body.id }).first(), undefined);
    assert.deepEqual(readdirSync(spoolA), []);
  });

  it('refuses a body past the large limit with 413: declared, before it is read, and chunked, while it is spooled; nothing stored, no file left', async () => {
    const before = Number((await a.db.knex('documents').count('* as n'))[0]!.n);
    const declared = await new Promise<number>((resolve, reject) => {
      const req = request(`${a.url}/api/v1/documents`, { method: 'POST', headers: { ...a.authorization, 'content-type': 'application/xml', 'content-length': String(MAX_BYTES + 1) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(declared, 413);

    const chunked = await new Promise<number>((resolve) => {
      const req = request(`${a.url}/api/v1/documents`, { method: 'POST', headers: { ...a.authorization, 'content-type': 'application/xml', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      // The server closes the connection once it has answered, maybe while we still write: the answer is what counts.
      req.on('error', () => undefined);
      req.on('close', () => resolve(0));
      const piece = Buffer.alloc(256 * 1024, 'A');
      let sent = 0;
      const more = () => {
        while (sent <= MAX_BYTES + piece.length) {
          sent += piece.length;
          if (!req.write(piece)) return void req.once('drain', more);
        }
        req.end();
      };
      req.write('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">');
      more();
    });
    assert.equal(chunked, 413);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(readdirSync(spoolA), [], 'the spool file of the refused body is removed');
    assert.equal(Number((await a.db.knex('documents').count('* as n'))[0]!.n), before, 'nothing stored');
  });
});
