/**
 * A receiving access point that costs little, so that the outbound bench measures the sender: it answers
 * every AS4 UserMessage POSTed to /as4 with a signed receipt the sender accepts, and checks nothing. The
 * key and certificate are read once; per message it only finds, in the SOAP part, what the receipt must
 * echo (the MessageId for RefToMessageId, the references of ds:SignedInfo for NonRepudiationInformation)
 * with string searches, and builds and signs the receipt (`buildReceipt`: text, two SHA-256 and one RSA
 * signature, no XML parse). It does not decrypt, decompress, verify or store anything: a real receiving
 * access point does all of that (bench/outbound.ts --receiver ap).
 *
 * The references are taken as our own sender writes them (src/as4/signature.ts: SignedInfo in exclusive
 * canonical form, ds declared on the apex), so a Reference on its own is its text with the ds declaration
 * added; the receipt would not verify at a sender that writes them otherwise.
 *
 *   node --import tsx bench/cheap-receiver.ts --key <pem> --cert <pem> --port <n>
 *
 * GET /stats answers {"messages":<n>,"cpuMs":<user+system ms of this process>}.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { buildReceipt, SIGNAL_CONTENT_TYPE, type As4Identity, type NrReference } from '../src/as4/index.js';
import { NS } from '../src/as4/ns.js';

const arg = (name: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || !process.argv[i + 1]) throw new Error(`--${name} is required`);
  return process.argv[i + 1]!;
};

const identity: As4Identity = { privateKey: createPrivateKey(readFileSync(arg('key'))), certificate: new X509Certificate(readFileSync(arg('cert'))) };
const port = Number(arg('port'));

const BOUNDARY = /boundary="?([^";]+)"?/i;
const MESSAGE_ID = /<eb:MessageId>([^<&]+)<\/eb:MessageId>/;
const SIGNED_INFO = /<ds:SignedInfo[ >][\s\S]*?<\/ds:SignedInfo>/;
const REFERENCE = /<ds:Reference URI="([^"]*)">([\s\S]*?)<\/ds:Reference>/g;
const TRANSFORM = /<ds:Transform Algorithm="([^"]*)"/g;
const DIGEST_METHOD = /<ds:DigestMethod Algorithm="([^"]*)"/;
const DIGEST_VALUE = /<ds:DigestValue>([^<]*)<\/ds:DigestValue>/;

/** The SOAP part: the first MIME part of a multipart message, else the whole body. */
function soapPart(body: Buffer, contentType: string): string {
  const b = BOUNDARY.exec(contentType)?.[1];
  if (!b) return body.toString('latin1');
  const delimiter = `--${b}`;
  const start = body.indexOf(delimiter);
  const end = start < 0 ? -1 : body.indexOf(delimiter, start + delimiter.length);
  return body.toString('latin1', Math.max(0, start), end < 0 ? body.length : end);
}

/** What the receipt echoes: the MessageId and the signed references, as our sender wrote them. */
function receivedOf(soap: string): { messageId: string; signatureReferences: NrReference[] } | null {
  const messageId = MESSAGE_ID.exec(soap)?.[1];
  const signedInfo = SIGNED_INFO.exec(soap)?.[0];
  if (!messageId || !signedInfo) return null;
  const signatureReferences = [...signedInfo.matchAll(REFERENCE)].map(([, uri, inner]): NrReference => ({
    uri: uri!,
    transforms: [...inner!.matchAll(TRANSFORM)].map((t) => t[1]!),
    digestMethod: DIGEST_METHOD.exec(inner!)?.[1] ?? '',
    digestValue: DIGEST_VALUE.exec(inner!)?.[1] ?? '',
    xml: `<ds:Reference xmlns:ds="${NS.DS}" URI="${uri}">${inner}</ds:Reference>`,
  }));
  return signatureReferences.length > 0 ? { messageId, signatureReferences } : null;
}

let messages = 0;

function answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  if (req.method === 'GET' && req.url === '/stats') {
    const { user, system } = process.cpuUsage();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages, cpuMs: (user + system) / 1000 }));
    return;
  }
  const received = req.method === 'POST' && req.url === '/as4' ? receivedOf(soapPart(body, req.headers['content-type'] ?? '')) : null;
  if (!received) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('not an AS4 user message from our sender');
    return;
  }
  const receipt = buildReceipt(received, identity);
  messages++;
  res.writeHead(200, { 'content-type': SIGNAL_CONTENT_TYPE, 'content-length': receipt.body.length }).end(receipt.body);
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => answer(req, res, Buffer.concat(chunks)));
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  const { user, system } = process.cpuUsage();
  console.error(`cheap receiver: ${messages} receipts, ${messages ? ((user + system) / 1000 / messages).toFixed(3) : 'n/a'} ms of CPU each (start-up included)`);
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
