/**
 * One 100 MB invoice received by the real server (`peppol-ap serve`, its own process): the Peppol base
 * example with a PDF of about 75 MB embedded as base64 (100,000,000 bytes of UBL in all), generated as a
 * stream into a temporary file, and sent from that file by this process with the AP's streamed builder
 * and transport (SBD around the file, gzip to a spool file, signed, encrypted as it is posted). The
 * server spools the attachment, authenticates and unpacks it as a stream, stores it in chunks, sends the
 * receipt and validates the copy without the attachment's base64. The bench samples the server's VmRSS
 * every 20 ms from before the message until the document is handed over (status `available`), and checks
 * that the stored document is the invoice byte for byte. The sending process's RSS is printed too (the
 * send figure: this bench process, tsx and its database client included).
 *
 * Then the sending access point: a second `serve` (A, its own database, the sending AP's key) takes a
 * second 100 MB invoice (SUPPLIER's, to BUYER) on its REST API, spools it while it is read, validates its
 * copy, stores it in chunks, and its job runner delivers it over real discovery (a local SML zone names
 * the receiver's own SMP) and AS4 as a stream to the same receiving server. The bench samples A's VmRSS
 * every 20 ms from before the upload until the document is `delivered`, and the receiver's alongside
 * until the received copy is handed over, and checks it byte for byte.
 *
 *   npm run bench:large [-- --mb 100 --threshold-mb 8]
 *
 * Last line: `large-payload peak_rss_mb=<n>` (the largest peak resident set of the served processes, the
 * receiver in both parts and A, each while it handled its message).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLargeUserMessage } from '../src/as4/index.js';
import { parseParticipantId } from '../src/peppol/identifiers.js';
import { HttpAs4Transport } from '../src/pipeline/outbound-transport.js';
import { streamSbd } from '../src/sbdh/build.js';
import { loadHashKey } from '../src/composition/auth.js';
import { buildStores } from '../src/composition/index.js';
import { createTestDatabase, type TestDatabase } from '../test/support/db.js';
import { startDiscoveryEnv, TEST_SML_ZONE } from '../test/support/discovery.js';
import { freePort } from '../test/support/process.js';
import { provisionApiSender, supplierInvoiceXml } from './api-sender.js';
import { BASE_INVOICE_XML, BUYER, inboundMessage, INVOICE, RECEIVING_AP, SENDING_AP, SUPPLIER } from './inbound-message.js';
import { prepareReceivingAp } from './receiving-ap.js';
import { buildOnce, numberArg, servedDatabaseUrl, startServed, type Served } from './served.js';

const totalBytes = numberArg('mb', 100) * 1_000_000;
const thresholdBytes = numberArg('threshold-mb', 8) * 1024 * 1024;

/** VmRSS (or VmHWM) of a process in MiB, from /proc. */
function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Writes the invoice (`number`, from `base`) of exactly `totalBytes` bytes to `path` as a stream; returns its SHA-256. */
async function writeInvoice(path: string, number = 'LARGE-100MB', base = BASE_INVOICE_XML): Promise<string> {
  const xml = base.replace('<cbc:ID>Snippet1</cbc:ID>', `<cbc:ID>${number}</cbc:ID>`);
  const open = '<cac:AdditionalDocumentReference><cbc:ID>ATT-1</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="scan.pdf">';
  const close = '</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>\n    ';
  const at = xml.indexOf('<cac:AccountingSupplierParty>');
  const head = Buffer.from(xml.slice(0, at) + open, 'utf8');
  const tail = Buffer.from(close + xml.slice(at), 'utf8');
  // Base64 in lines of 76 characters and a line feed; the last line padded to fill the size exactly.
  let left = totalBytes - head.length - tail.length;
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const write = async (b: Buffer) => {
    hash.update(b);
    if (!out.write(b)) await once(out, 'drain');
  };
  await write(head);
  for (let lines = Math.min(8192, Math.floor(left / 77)); lines > 0; lines = Math.min(8192, Math.floor(left / 77))) {
    await write(Buffer.from(randomBytes(lines * 57).toString('base64').replace(/(.{76})/g, '$1\n'), 'latin1'));
    left -= lines * 77;
  }
  // Less than a line left: "A" in groups of four (valid base64), line feeds for the rest.
  await write(Buffer.from('A'.repeat(left - (left % 4)) + '\n'.repeat(left % 4), 'latin1'));
  await write(tail);
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

/** Samples the VmRSS of `pid` every 20 ms; peak() is the largest so far (from `from`). */
function rssSampler(pid: number, from: number) {
  let peak = from;
  const timer = setInterval(() => {
    peak = Math.max(peak, procStatus(pid, 'VmRSS'));
  }, 20);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

const db = await createTestDatabase({ prefix: 'ap_bench_large' });
const dir = mkdtempSync(join(tmpdir(), 'ap-bench-large-'));
const net = await startDiscoveryEnv();
let server: Served | null = null;
let sender: Served | null = null;
let dbA: TestDatabase | null = null;
try {
  const ap = await prepareReceivingAp(db, dir);
  const invoicePath = join(dir, 'invoice.xml');
  const t0 = performance.now();
  const invoiceSha = await writeInvoice(invoicePath);
  const invoiceBytes = totalBytes;
  console.log(`invoice ${invoiceBytes} bytes written in ${Math.round(performance.now() - t0)} ms`);
  buildOnce();
  const port = await freePort();
  const spoolDir = join(dir, 'spool');
  // Discovery as the sending AP (part two) uses it: a local SML zone, and the receiver's own SMP.
  const discovery = { SML_ZONE: TEST_SML_ZONE, SML_DNS_SERVERS: net.dns.address, SMP_REQUIRE_HTTPS: 'false' };
  const spooling = { AS4_SPOOL_THRESHOLD_BYTES: String(thresholdBytes), AS4_SPOOL_DIR: spoolDir };
  server = await startServed(
    { ...ap.env(port), ...discovery, ...spooling, SMP_PUBLIC_URL: `http://127.0.0.1:${port}/smp`, SMP_KEY_FILE: join(dir, 'smp.key'), SMP_CERT_FILE: join(dir, 'smp.pem') },
    port,
  );
  const pid = server.child.pid!;
  // A running server: a few small messages first (lazy initialisation, prepared statements), not measured.
  for (let i = 0; i < 5; i++) {
    const small = await inboundMessage(i, ap.sender, ap.receiverCertificate);
    if ((await post(small.contentType, small.body)) !== 200) throw new Error('a warm-up message was refused');
  }
  await new Promise((r) => setTimeout(r, 2000));
  const baseline = procStatus(pid, 'VmRSS');
  let peak = baseline;
  const started = performance.now();
  const sampler = setInterval(() => {
    const v = procStatus(pid, 'VmRSS');
    peak = Math.max(peak, v);
  }, 20);

  // The sending side is this process, with this AP's streamed builder and transport: the invoice is read
  // from its file into the SBD, gzipped to a spool file, and encrypted as the HTTP body is sent.
  const senderBaseline = process.memoryUsage().rss / 1048576;
  let senderPeak = senderBaseline;
  const senderSampler = setInterval(() => {
    senderPeak = Math.max(senderPeak, process.memoryUsage().rss / 1048576);
  }, 20);
  const m = await buildLargeUserMessage({
    header: { fromPartyId: SENDING_AP, toPartyId: RECEIVING_AP, processId: INVOICE.process.value, documentTypeId: INVOICE.documentType.value, originalSender: SUPPLIER, finalRecipient: BUYER },
    payload: streamSbd(
      { sender: parseParticipantId(SUPPLIER), receiver: parseParticipantId(BUYER), documentType: INVOICE.documentType, process: INVOICE.process, countryC1: 'BE' },
      createReadStream(invoicePath, { highWaterMark: 64 * 1024 }),
    ),
    sender: ap.sender,
    receiverCertificate: ap.receiverCertificate,
    spoolDir: dir,
  });
  const builtMs = performance.now() - started;
  const transport = new HttpAs4Transport({ connectTimeoutMs: 5000, responseTimeoutMs: 600_000, maxResponseBytes: 1024 * 1024, maxSockets: 1 });
  const response = await transport.post(`http://127.0.0.1:${port}/as4`, { length: m.contentLength, chunks: () => m.body() }, m.contentType);
  transport.close();
  await m.release();
  clearInterval(senderSampler);
  const status = response.status;
  function post(contentType: string, body: Buffer): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/as4', method: 'POST', headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const receiptMs = performance.now() - started;
  if (status !== 200) throw new Error(`the message was refused: HTTP ${status}`);
  let doc: { id: string; status: string; payload_sha256: string; payload_size: number } | undefined;
  for (;;) {
    doc = await db.knex('documents').where({ direction: 'inbound', invoice_number: 'LARGE-100MB' }).first('id', 'status', 'payload_sha256', 'payload_size');
    if (doc && doc.status !== 'received') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const handedOverMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 500));
  clearInterval(sampler);
  const hwm = procStatus(pid, 'VmHWM');
  if (doc.payload_sha256 !== invoiceSha || doc.payload_size !== invoiceBytes) throw new Error('the stored document is not the invoice');
  console.log(`stored ${doc.payload_size} bytes byte for byte (SHA-256 ${invoiceSha.slice(0, 16)}...), status ${doc.status}`);
  console.log(`sent: AS4 message ${m.contentLength} bytes, gzipped and signed in ${Math.round(builtMs)} ms, then encrypted as it was posted`);
  console.log(`sending process (this bench: builder and transport) RSS: baseline ${senderBaseline.toFixed(0)} MiB, peak ${senderPeak.toFixed(0)} MiB`);
  console.log(`receipt after ${Math.round(receiptMs)} ms from the start of the send (its build included), handed over after ${Math.round(handedOverMs)} ms (spool threshold ${thresholdBytes} bytes)`);
  console.log(`server RSS: baseline ${baseline.toFixed(0)} MiB before the message, peak ${peak.toFixed(0)} MiB sampled every 20 ms (VmHWM since start ${hwm.toFixed(0)} MiB)`);

  // Part two: A, served with the sending AP's key, takes a second invoice on its API and delivers it.
  await net.registrar.register(parseParticipantId(BUYER), `http://127.0.0.1:${port}/smp`);
  const apiInvoicePath = join(dir, 'api-invoice.xml');
  const apiInvoiceSha = await writeInvoice(apiInvoicePath, 'LARGE-100MB-API', supplierInvoiceXml);
  rmSync(invoicePath);
  dbA = await createTestDatabase({ prefix: 'ap_bench_large_a' });
  const portA = await freePort();
  const hashKeyFile = join(dir, 'api-key-hash.key');
  sender = await startServed(
    {
      ...discovery,
      ...spooling,
      AS4_SPOOL_DIR: join(dir, 'spool-a'),
      DATABASE_URL: servedDatabaseUrl(dbA.url),
      AP_KEY_FILE: join(dir, 'sender.key'),
      AP_CERT_FILE: join(dir, 'sender.pem'),
      AP_ENDPOINT_URL: `http://127.0.0.1:${portA}/as4`,
      PEPPOL_TRUST_FILE: join(dir, 'trust.pem'),
      API_KEY_HASH_KEY_FILE: hashKeyFile,
      OUTBOUND_RESPONSE_TIMEOUT_MS: '600000',
    },
    portA,
  );
  const secret = await provisionApiSender(buildStores(dbA.knex), await loadHashKey(hashKeyFile));
  await new Promise((r) => setTimeout(r, 2000));
  const pidA = sender.child.pid!;
  const baselineA = procStatus(pidA, 'VmRSS');
  const baselineR2 = procStatus(pid, 'VmRSS');
  const sampleA = rssSampler(pidA, baselineA);
  const sampleR2 = rssSampler(pid, baselineR2);
  const sentAt = performance.now();
  const submitted = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: portA, method: 'POST', path: '/api/v1/documents', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/xml', 'content-length': totalBytes } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    createReadStream(apiInvoicePath, { highWaterMark: 64 * 1024 }).pipe(req);
  });
  const submittedMs = performance.now() - sentAt;
  if (submitted.status !== 201) throw new Error(`A refused the submission: ${submitted.status} ${submitted.body.slice(0, 500)}`);
  const outboundId = (JSON.parse(submitted.body) as { id: string }).id;
  let outbound: { status: string } | undefined;
  for (;;) {
    outbound = await dbA.knex('documents').where({ id: outboundId }).first('status');
    if (outbound && !['queued', 'sending', 'retrying'].includes(outbound.status)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const deliveredMs = performance.now() - sentAt;
  if (outbound.status !== 'delivered') throw new Error(`A's document ended ${outbound.status}`);
  let received: { status: string; payload_sha256: string; payload_size: number } | undefined;
  for (;;) {
    received = await db.knex('documents').where({ direction: 'inbound', invoice_number: 'LARGE-100MB-API' }).first('status', 'payload_sha256', 'payload_size');
    if (received && received.status !== 'received') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const receivedMs = performance.now() - sentAt;
  await new Promise((r) => setTimeout(r, 500));
  sampleA.stop();
  sampleR2.stop();
  if (received.payload_sha256 !== apiInvoiceSha || received.payload_size !== totalBytes) throw new Error('the document received from A is not the invoice');
  const peakA = sampleA.peak();
  const peakR2 = sampleR2.peak();
  console.log(`sending AP A (served): submitted over the API in ${Math.round(submittedMs)} ms (201), delivered after ${Math.round(deliveredMs)} ms, the receiver's copy handed over after ${Math.round(receivedMs)} ms, byte for byte`);
  console.log(`A RSS: baseline ${baselineA.toFixed(0)} MiB, peak ${peakA.toFixed(0)} MiB; receiver RSS meanwhile: baseline ${baselineR2.toFixed(0)} MiB, peak ${peakR2.toFixed(0)} MiB (sampled every 20 ms)`);
  console.log(`large-payload peak_rss_mb=${Math.round(Math.max(peak, peakA, peakR2))}`);
} finally {
  await sender?.stop();
  await server?.stop();
  await dbA?.drop();
  await db.drop();
  await net.close();
  rmSync(dir, { recursive: true, force: true });
}
