/**
 * Large messages: an attachment past the spool threshold is spooled to a file while the MIME body is read,
 * authenticated (AES-GCM tag), digested and unpacked as a stream, stored in chunks, validated on its copy
 * without the embedded attachment's base64, and every spool file is removed, after success and failure.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGzip } from 'node:zlib';
import { buildLargeUserMessage, buildMultipartRelated, parseMimeMessage } from '../../src/as4/index.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { HttpAs4Transport } from '../../src/pipeline/outbound-transport.js';
import { streamSbd } from '../../src/sbdh/build.js';
import { buildUserMessageXml } from '../../src/as4/ebms.js';
import { encryptAttachments } from '../../src/as4/encryption.js';
import { newEnvelopeIds, signedEnvelope } from '../../src/as4/envelope.js';
import { cidUri } from '../../src/as4/signature.js';
import { as4Fixture } from '../as4/fixtures.js';
import { BUYER, header, INVOICE, INVOICE_XML, message, post, sbd, signal, startInboundEnv, SUPPLIER, type InboundEnv } from './support.js';

const THRESHOLD = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The base invoice with a PDF of `bytes` random bytes embedded (AdditionalDocumentReference). */
function largeInvoice(bytes: number, id = `LARGE-${Date.now()}`): Buffer {
  const reference =
    `<cac:AdditionalDocumentReference><cbc:ID>ATT-1</cbc:ID><cac:Attachment>` +
    `<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="scan.pdf">${randomBytes(bytes).toString('base64').replace(/(.{76})/g, '$1\n')}</cbc:EmbeddedDocumentBinaryObject>` +
    `</cac:Attachment></cac:AdditionalDocumentReference>\n    `;
  const xml = INVOICE_XML.toString('utf8').replace(/<cbc:ID>[^<]*<\/cbc:ID>/, `<cbc:ID>${id}</cbc:ID>`);
  return Buffer.from(xml.replace('<cac:AccountingSupplierParty>', `${reference}<cac:AccountingSupplierParty>`), 'utf8');
}

/** A correctly signed and encrypted message whose attachment octets (gzip, before encryption) are `gzipped`. */
function crafted(gzipped: Buffer): { contentType: string; body: Buffer; messageId: string } {
  const f = as4Fixture();
  const contentId = `large-${Date.now()}@test`;
  const messageId = `large-${Math.random()}@test`;
  const ids = newEnvelopeIds();
  const messaging = buildUserMessageXml({ ...header(), messageId, conversationId: 'c1' }, { contentId, mimeType: 'application/xml', compressed: true }, ids.messaging);
  const enc = encryptAttachments(f.receiver.cert, [{ contentId, data: gzipped, mimeType: 'application/gzip' }]);
  const env = signedEnvelope(f.senderId, ids, messaging, enc.xml, [{ contentId, uri: cidUri(contentId), data: gzipped }]);
  return { ...buildMultipartRelated({ body: env.soap }, [{ body: enc.encrypted[0]!.data, contentId }]), messageId };
}

describe('large AS4 messages, spooled and streamed', function () {
  this.timeout(60_000);
  let env: InboundEnv;
  let spoolDir: string;
  before(async () => {
    spoolDir = mkdtempSync(join(tmpdir(), 'ap-spool-test-'));
    env = await startInboundEnv({ spool: { thresholdBytes: THRESHOLD, dir: spoolDir } });
  });
  after(async () => {
    await env?.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  const documents = async () => Number((await env.db.knex('documents').count('* as n'))[0]!.n);

  async function refused(m: { contentType: string; body: Buffer }, status: number, code: string): Promise<void> {
    const before = await documents();
    const r = await post(env.url, m);
    assert.equal(r.status, status, r.body.toString().replace(/^[\s\S]*<eb:Description[^>]*>/, "").slice(0, 600));
    const s = await signal(r);
    assert.equal(s.kind, 'error');
    assert.equal(s.signal.errors[0]!.errorCode, code, s.signal.errors[0]!.description ?? '');
    assert.equal(await documents(), before, 'nothing stored');
    assert.deepEqual(readdirSync(spoolDir), [], 'no spool file left');
  }

  it('receives a 12 MB invoice through a spool file, stores it in chunks byte for byte, validates it and leaves no file', async () => {
    const invoice = largeInvoice(9 * 1024 * 1024, 'LARGE-1');
    const m = await message(sbd({ xml: invoice }));
    assert.ok(parseMimeMessage(m.contentType, m.body).attachments[0]!.body.length > THRESHOLD, 'the attachment is past the threshold');
    const r = await post(env.url, m);
    assert.equal(r.status, 200, r.body.toString().slice(0, 2000));
    const s = await signal(r, m);
    assert.equal(s.kind, 'receipt');
    assert.ok(s.nonRepudiation.length > 0 && s.nonRepudiation.every((c) => c.result === 'ok'), 'the receipt returns our signature references (the streamed digest was the signed one)');
    assert.deepEqual(readdirSync(spoolDir), [], 'no spool file left after success');

    const rec = await env.db.knex('as4_messages').where({ message_id: m.messageId }).first();
    const chunks = await env.db.knex('payload_chunks').where({ document_id: rec.document_id }).count('* as n');
    assert.ok(Number(chunks[0]!.n) >= 10, 'stored as chunks, not as one value');
    assert.equal(await env.db.knex('payloads').where({ document_id: rec.document_id }).first(), undefined);
    const stored = (await env.documents.payload(rec.document_id))!;
    assert.equal(stored.length, invoice.length);
    assert.equal(sha(stored), sha(invoice), 'the stored document is the invoice byte for byte');
    const streamed = await env.documents.payloadStream(rec.document_id);
    assert.equal(sha(await buffer(Readable.from(streamed!))), sha(invoice), 'read back as a stream, the same bytes');
    const doc = await env.db.knex('documents').where({ id: rec.document_id }).first();
    assert.equal(doc.payload_size, invoice.length);
    assert.equal(doc.payload_sha256, sha(invoice));

    await env.service.handover.idle();
    const validated = await env.documents.get(rec.document_id);
    assert.equal(validated?.status, 'available', JSON.stringify(validated?.validationReport?.issues.slice(0, 3)));
    assert.equal(validated?.invoiceNumber, 'LARGE-1', 'validated on the copy: every other field read');
  });

  it('sends a stored large document again as a stream (streamed SBD, gzip, digest, AES-GCM, MIME, HTTP body); the receiving AP stores it byte for byte', async () => {
    const rec = await env.db.knex('as4_messages').where({ direction: 'inbound' }).whereNotNull('document_id').orderBy('id').first();
    const original = (await env.db.knex('documents').where({ id: rec.document_id }).first()) as { payload_sha256: string; payload_size: number };
    assert.ok(original.payload_size > 9 * 1024 * 1024, 'the large document of the first test');
    const f = as4Fixture();
    const out = await buildLargeUserMessage({
      header: header(),
      payload: streamSbd(
        { sender: parseParticipantId(SUPPLIER), receiver: parseParticipantId(BUYER), documentType: INVOICE.documentType, process: INVOICE.process, countryC1: 'BE' },
        (await env.documents.payloadStream(rec.document_id))!,
      ),
      sender: f.senderId,
      receiverCertificate: f.receiver.cert,
      spoolDir,
    });
    const transport = new HttpAs4Transport({ connectTimeoutMs: 5000, responseTimeoutMs: 30_000, maxResponseBytes: 1024 * 1024, maxSockets: 2 });
    try {
      const r = await transport.post(`${env.url}/as4`, { length: out.contentLength, chunks: () => out.body() }, out.contentType);
      assert.equal(r.status, 200, r.body.toString().slice(0, 2000));
      const s = await signal(r, { ...out, body: Buffer.alloc(0) });
      assert.equal(s.kind, 'receipt');
      assert.ok(s.nonRepudiation.length > 0 && s.nonRepudiation.every((c) => c.result === 'ok'), 'the receipt covers what the streamed builder signed');
    } finally {
      transport.close();
      await out.release();
    }
    assert.deepEqual(readdirSync(spoolDir), [], 'no spool file left on either side');
    const again = await env.db.knex('as4_messages').where({ message_id: out.messageId }).first();
    const stored = await env.db.knex('documents').where({ id: again.document_id }).first();
    assert.equal(stored.payload_sha256, original.payload_sha256, 'the same document, byte for byte');
    assert.equal(stored.payload_size, original.payload_size);
  });

  it('refuses a tampered ciphertext of a spooled attachment with EBMS:0102, stores nothing and leaves no file', async () => {
    const m = await message(sbd({ xml: largeInvoice(3 * 1024 * 1024) }));
    const p = parseMimeMessage(m.contentType, m.body);
    const att = Buffer.from(p.attachments[0]!.body);
    att[Math.floor(att.length / 2)]! ^= 0x01;
    const tampered = buildMultipartRelated({ body: p.root.body, contentType: 'application/soap+xml; charset=UTF-8' }, [{ body: att, contentId: p.attachments[0]!.contentId!, contentType: 'application/octet-stream' }]);
    await refused(tampered, 400, 'EBMS:0102');
  });

  it('refuses a spooled payload that inflates past the decompression limit with EBMS:0303, stores nothing and leaves no file', async () => {
    // A valid SBD (incompressible, so the attachment is spooled), then 101 MiB of one byte: past the 100 MiB limit.
    const head = sbd({ xml: largeInvoice(2 * 1024 * 1024) });
    const filler = Buffer.alloc(1024 * 1024, 0x20);
    const gzipped = await buffer(Readable.from((function* () {
      yield head;
      for (let i = 0; i < 101; i++) yield filler;
    })()).pipe(createGzip()));
    await refused(crafted(gzipped), 400, 'EBMS:0303');
  });

  it('refuses an SBDH ending past its first MiB (20,000 Scope elements) with EBMS:0004, as the in-memory path does, and leaves no file', async () => {
    const scopes = Array.from({ length: 20_000 }, (_, i) => `<Scope><Type>X${i}</Type><InstanceIdentifier>v</InstanceIdentifier></Scope>`).join('');
    const oversized = Buffer.from(sbd({ xml: largeInvoice(2 * THRESHOLD) }).toString('utf8').replace('</BusinessScope>', `${scopes}</BusinessScope>`));
    const m = await message(oversized);
    assert.ok(parseMimeMessage(m.contentType, m.body).attachments[0]!.body.length > THRESHOLD, 'the attachment is spooled');
    await refused(m, 400, 'EBMS:0004');
  });

  it('refuses a spooled payload that is not gzip with EBMS:0303 and leaves no file', async () => {
    await refused(crafted(randomBytes(2 * THRESHOLD)), 400, 'EBMS:0303');
  });

  it('keeps a small message in memory (nothing spooled) and stores it in one row', async () => {
    const m = await message(sbd());
    const r = await post(env.url, m);
    assert.equal(r.status, 200);
    const rec = await env.db.knex('as4_messages').where({ message_id: m.messageId }).first();
    assert.ok(await env.db.knex('payloads').where({ document_id: rec.document_id }).first());
    assert.equal(Number((await env.db.knex('payload_chunks').where({ document_id: rec.document_id }).count('* as n'))[0]!.n), 0);
  });
});
