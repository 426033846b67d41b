/**
 * AS4 message throughput: build (gzip → sign → encrypt → MIME) and verify (MIME → structure → signature
 * and certificate checks → decrypt → digests → gunzip) per second, for a 10 KB and a 1 MB payload, and the
 * share of the per-message time spent in RSA and in XML work (parse + exclusive c14n), measured by timing
 * those operations alone on the same inputs. Keys and the validator are set up once; nothing is read
 * from disk per message. Usage: npm run bench:as4 [-- --seconds 2]
 */
import { constants, createPrivateKey, privateDecrypt, publicEncrypt, randomBytes, sign, verify } from 'node:crypto';
import { excC14n } from '../src/as4/c14n.js';
import { readEnvelope } from '../src/as4/envelope.js';
import { buildUserMessage, parseMimeMessage, readUserMessage, type BuiltUserMessage } from '../src/as4/index.js';
import { NS } from '../src/as4/ns.js';
import { parseDom } from '../src/xml/safe.js';
import { PeppolCertificateValidator, TrustStore } from '../src/pki/index.js';
import { createTestPki } from '../src/testing/test-pki.js';

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 1.5;

async function rate(fn: () => unknown | Promise<unknown>, minRuns = 5): Promise<{ perSecond: number; msPerOp: number }> {
  await fn(); // warm-up
  let runs = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(SECONDS * 1e9));
  while (runs < minRuns || process.hrtime.bigint() - start < budget) {
    await fn();
    runs++;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { perSecond: (runs * 1000) / ms, msPerOp: ms / runs };
}

/** A UBL-like payload of about `bytes` bytes inside an SBDH (compressible like a real invoice). */
function payloadOf(bytes: number): Buffer {
  const head = '<?xml version="1.0" encoding="UTF-8"?><StandardBusinessDocument xmlns="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">';
  const lines: string[] = [];
  let size = head.length;
  for (let i = 0; size < bytes - 40; i++) {
    const line = `<InvoiceLine><ID>${i}</ID><Quantity unitCode="C62">${(i * 7) % 13}</Quantity><Amount currencyID="EUR">${(i * 31.17).toFixed(2)}</Amount><Note>${randomBytes(6).toString('hex')}</Note></InvoiceLine>`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(`${head}${lines.join('')}</Invoice></StandardBusinessDocument>`);
}

const pki = createTestPki({ crlBaseUrl: 'http://127.0.0.1:9/crl/' });
const senderCert = pki.issueAp('POP000001');
const receiverCert = pki.issueAp('POP000002');
const sender = { privateKey: createPrivateKey(senderCert.keyPem), certificate: senderCert.cert };
const receiver = { privateKey: createPrivateKey(receiverCert.keyPem), certificate: receiverCert.cert };
const validator = new PeppolCertificateValidator({
  trustStore: TrustStore.create({ roots: pki.trustedPems.roots, ap: pki.trustedPems.ap }),
  revocation: { mode: 'crl', softFail: false },
});
validator.addCrl(pki.crlUrl('ap')!, pki.crl({ ca: 'ap' }));
const header = {
  fromPartyId: 'POP000001',
  toPartyId: 'POP000002',
  processId: 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0',
  documentTypeId: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1',
  originalSender: '0208:0123456749',
  finalRecipient: '0208:0987654321',
};

const build = (payload: Buffer) => buildUserMessage({ header, payload, sender, receiverCertificate: receiver.certificate });
const read = (m: BuiltUserMessage) => readUserMessage(parseMimeMessage(m.contentType, m.body), { receiver, certificateValidator: validator });

const results: Record<string, { build: number; verify: number; buildMs: number; verifyMs: number }> = {};
let sample: BuiltUserMessage | undefined;
let payload10k: Buffer = Buffer.alloc(0);
for (const [label, bytes] of [
  ['10 KB', 10 * 1024],
  ['1 MB', 1024 * 1024],
] as const) {
  const payload = payloadOf(bytes);
  const message = await build(payload);
  if (!(await read(message)).payload.equals(payload)) throw new Error('round trip failed');
  const b = await rate(() => build(payload));
  const v = await rate(() => read(message));
  results[label] = { build: b.perSecond, verify: v.perSecond, buildMs: b.msPerOp, verifyMs: v.msPerOp };
  if (label === '10 KB') {
    sample = message;
    payload10k = payload;
  }
  console.log(`payload ${label}: build+sign+encrypt ${b.perSecond.toFixed(1)}/s (${b.msPerOp.toFixed(2)} ms), verify+decrypt ${v.perSecond.toFixed(1)}/s (${v.msPerOp.toFixed(2)} ms)`);
}

// Shares for the 10 KB message: the RSA operations and the XML work each message needs, timed alone on
// the same inputs.
const soap = sample!.soap;
const signedInfo = readEnvelope(soap).security!.getElementsByTagNameNS(NS.DS, 'SignedInfo')[0] as Element;
const canonical = Buffer.from(excC14n(signedInfo));
const signature = sign('sha256', canonical, sender.privateKey);
const sessionKey = randomBytes(16);
const oaep = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;
const wrapped = publicEncrypt({ key: receiver.certificate.publicKey, ...oaep }, sessionKey);
// XML per message. Verify: parse the received envelope, c14n of Messaging, Body and SignedInfo. Build:
// parse a draft of Messaging + Body and the SignedInfo, and canonicalize the three.
const soapText = soap.toString('utf8');
const draft = Buffer.from(
  `<S12:Envelope xmlns:S12="${NS.S12}"><S12:Header>${/<eb:Messaging .*<\/eb:Messaging>/.exec(soapText)![0]}</S12:Header>${/<S12:Body [^>]*\/>/.exec(soapText)![0]}</S12:Envelope>`,
);
const signedInfoText = /<ds:SignedInfo.*<\/ds:SignedInfo>/.exec(soapText)![0];
const parts = {
  build: async () => build(payload10k),
  verify: async () => read(sample!),
  rsaBuild: () => {
    sign('sha256', canonical, sender.privateKey);
    publicEncrypt({ key: receiver.certificate.publicKey, ...oaep }, sessionKey);
  },
  // Verify: OAEP unwrap, SignatureValue, and the two chain signatures the certificate validation checks.
  rsaVerify: () => {
    privateDecrypt({ key: receiver.privateKey, ...oaep }, wrapped);
    verify('sha256', canonical, sender.certificate.publicKey, signature);
    senderCert.cert.verify(pki.apCa.cert.publicKey);
    pki.apCa.cert.verify(pki.rootCa.cert.publicKey);
  },
  xmlBuild: () => {
    const e = readEnvelope(draft);
    excC14n(e.messaging);
    excC14n(e.body);
    excC14n(parseDom(signedInfoText).documentElement as Element);
  },
  xmlVerify: () => {
    const e = readEnvelope(soap);
    excC14n(e.messaging);
    excC14n(e.body);
    excC14n(e.security!.getElementsByTagNameNS(NS.DS, 'SignedInfo')[0] as Element);
  },
};
// Interleaved, so that load from other processes affects every part alike.
const spent = { build: 0, verify: 0, rsaBuild: 0, rsaVerify: 0, xmlBuild: 0, xmlVerify: 0 };
const until = Date.now() + SECONDS * 2000;
for (let i = 0; i < 20 || Date.now() < until; i++) {
  for (const [name, fn] of Object.entries(parts) as Array<[keyof typeof spent, () => unknown]>) {
    const t0 = process.hrtime.bigint();
    await fn();
    spent[name] += Number(process.hrtime.bigint() - t0);
  }
}
const pct = (part: number, whole: number) => `${Math.min(100, (100 * part) / whole).toFixed(0)}%`;
console.log(
  `time shares, 10 KB build: RSA ${pct(spent.rsaBuild, spent.build)}, XML ${pct(spent.xmlBuild, spent.build)}, ` +
    `other (gzip, AES-GCM, digests, MIME) ${pct(spent.build - spent.rsaBuild - spent.xmlBuild, spent.build)}`,
);
console.log(
  `time shares, 10 KB verify: RSA ${pct(spent.rsaVerify, spent.verify)}, XML ${pct(spent.xmlVerify, spent.verify)}, ` +
    `other (MIME, AES-GCM, digests, gunzip, CRL lookup) ${pct(spent.verify - spent.rsaVerify - spent.xmlVerify, spent.verify)}`,
);
const r10 = results['10 KB']!;
console.log(`as4-rate build_per_s=${Math.round(r10.build)} verify_per_s=${Math.round(r10.verify)}`);
