/**
 * Business responses with the independent Java AS4 peer (/work/shared/tools/as4peer): the peer plays the
 * other access point, published through an SMP and the local SML zone for its supplier, its buyer and its
 * own MLS participant (0242). It receives, and verifies, one of our MLS and one of our Invoice Responses
 * (about an invalid invoice it sent us); it sends us one of each, built from the official examples, which
 * A links to the invoice it sent. Skipped, with the reason printed, when Java or Santuario is missing.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knownDocumentType } from '../../src/peppol/document-types.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { buildSbd } from '../../src/sbdh/build.js';
import { toP12 } from '../../src/testing/test-pki.js';
import { SCHEMATRON_DIR } from '../support/artifacts.js';
import { as4peerMissing, buildAs4Peer, type As4Peer } from '../support/as4peer.js';
import { freePort } from '../support/process.js';
import { belgianParticipant, INVOICE, INVOICE_RESPONSE, startNetwork, ublDocument, type E2eNetwork, type TestAp } from './harness.js';
import { until } from '../support/assert.js';

const MLS = knownDocumentType('mls')!;
const PEER_SEAT = 'POP000779';
const PEER_MLS = '0242:000779';

const example = (path: string) => readFileSync(join(SCHEMATRON_DIR, 'examples', path), 'utf8');
const endpoint = (role: 'SenderParty' | 'ReceiverParty', id: string) => (xml: string) =>
  xml.replace(new RegExp(`(<cac:${role}>\\s*<cbc:EndpointID schemeID=")[^"]+(">)[^<]+(<)`), `$1${id.split(':')[0]}$2${id.split(':')[1]}$3`);

describe('business responses with as4peer (independent Java AS4 peer)', function () {
  this.timeout(180_000);
  let dir = '';
  let net: E2eNetwork;
  let a: TestAp;
  let as4peer: As4Peer;
  let peer: ChildProcess | null = null;
  let peerOutput = '';
  const file = (name: string) => join(dir, name);
  const buyer = belgianParticipant(7171717); // at A
  const supplier = belgianParticipant(7272727); // at A
  const peerSupplier = belgianParticipant(7373737); // behind the peer
  const peerBuyer = belgianParticipant(7474747); // behind the peer

  /** What the peer received and accepted: SBD payloads of messages whose report is ok. */
  function received(): string[] {
    const out = file('out');
    let names: string[] = [];
    try {
      names = readdirSync(out);
    } catch {
      return [];
    }
    return names
      .filter((f) => f.endsWith('.report.json'))
      .filter((f) => JSON.parse(readFileSync(join(out, f), 'utf8')).ok === true)
      .map((f) => join(out, f.replace(/\.report\.json$/, '.payload.xml')))
      .filter((f) => names.includes(f.slice(out.length + 1)))
      .map((f) => readFileSync(f, 'utf8'));
  }

  /** The peer builds an AS4 message around `sbd` for A and posts it; A's receipt must verify. */
  async function peerSends(name: string, sbd: Buffer): Promise<void> {
    writeFileSync(file(`${name}.sbd.xml`), sbd);
    const built = await as4peer.run(['build-message', '--sender-p12', file('peer.p12'), '--pass', 'secret', '--receiver-cert', file('a.pem'), '--payload', file(`${name}.sbd.xml`), '--out', file(`${name}.mime`)]);
    assert.equal(built.code, 0, built.stdout);
    const sent = await as4peer.run(['send', '--url', `${a.url}/as4`, '--message', file(`${name}.mime`), '--save-response', file(`${name}.receipt.xml`)]);
    assert.equal(sent.code, 0, sent.stdout);
    const check = await as4peer.run(['verify-receipt', '--in', file(`${name}.receipt.xml`), '--sent', file(`${name}.mime`), '--trust', file('ca.pem'), '--expect-signer', file('a.pem')]);
    assert.equal(check.code, 0, check.stdout);
  }

  before(async function () {
    const missing = as4peerMissing();
    if (missing) {
      console.log(`    skipping the as4peer business response tests: ${missing}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'as4peer-responses-'));
    as4peer = await buildAs4Peer(dir);
    net = await startNetwork();
    a = await net.startAp('A', 'PBE000701');
    const smpHost = await net.startAp('S', 'PBE000702'); // only its SMP is used
    const peerCert = net.env.pki.issueAp(PEER_SEAT);
    writeFileSync(file('peer.p12'), toP12(peerCert, 'secret'));
    writeFileSync(file('a.pem'), a.cert.certPem);
    writeFileSync(file('ca.pem'), [...net.env.pki.trustedPems.roots, ...net.env.pki.trustedPems.ap].join('\n'));
    const port = await freePort();
    peer = as4peer.spawn(['serve', '--port', String(port), '--receiver-p12', file('peer.p12'), '--pass', 'secret', '--out-dir', file('out'), '--trust', file('ca.pem')]);
    peer.stdout!.on('data', (d) => (peerOutput += d));
    peer.stderr!.on('data', (d) => (peerOutput += d));
    const end = Date.now() + 30_000;
    while (!(await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false))) {
      assert.ok(Date.now() < end, `as4peer did not start: ${peerOutput}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const at = { url: `http://127.0.0.1:${port}/as4`, certPem: peerCert.certPem };
    await a.host(buyer);
    await a.host(supplier);
    await smpHost.host(peerSupplier, at);
    await smpHost.host(peerBuyer, at);
    // The peer's own MLS participant, published with the MLS document type.
    const mls = parseParticipantId(PEER_MLS);
    await smpHost.participants.addParticipant({ participant: mls, name: 'MLS of the peer' });
    await smpHost.participants.addCapability(mls, { documentType: MLS.documentType, process: MLS.process, endpointUrl: at.url, certificatePem: at.certPem });
    await net.env.registrar.register(mls, smpHost.smpUrl);
  });

  after(async () => {
    peer?.kill();
    await net?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the peer receives our MLS RE and our Invoice Response RE about an invalid invoice it sent', async () => {
    const invoice = ublDocument('invoice', peerSupplier, buyer).toString().replace(/<cbc:BuyerReference>[^<]*<\/cbc:BuyerReference>/, '');
    const instanceIdentifier = `peer-${Date.now()}`;
    const sbd = buildSbd({
      sender: parseParticipantId(peerSupplier),
      receiver: parseParticipantId(buyer),
      documentType: INVOICE.documentType,
      process: INVOICE.process,
      countryC1: 'BE',
      payload: { xml: invoice },
      instanceIdentifier,
      mlsTo: parseParticipantId(PEER_MLS),
      mlsType: 'FAILURE_ONLY',
    });
    await peerSends('invoice', Buffer.from(sbd));
    const payloads = await until('our MLS and Invoice Response at the peer', async () => {
      const got = received();
      return got.length >= 2 && got;
    });
    const mls = payloads.find((p) => p.includes('urn:peppol:edec:mls:1.0'));
    const ir = payloads.find((p) => p.includes('urn:fdc:peppol.eu:poacc:trns:invoice_response:3'));
    assert.ok(mls, payloads.join('\n\n'));
    assert.ok(ir, payloads.join('\n\n'));
    assert.match(mls, /<cbc:ResponseCode>RE<\/cbc:ResponseCode>/);
    assert.match(mls, new RegExp(`<cbc:ID>${instanceIdentifier}</cbc:ID>`), 'the MLS names the SBDH InstanceIdentifier of the invoice');
    assert.match(mls, /PEPPOL-EN16931-R003/);
    assert.match(mls, /<Receiver>\s*<Identifier Authority="iso6523-actorid-upis">0242:000779<\/Identifier>/);
    assert.match(ir, /<cbc:ResponseCode>RE<\/cbc:ResponseCode>/);
    assert.match(ir, new RegExp(`<cbc:EndpointID schemeID="0208">${peerSupplier.slice(5)}</cbc:EndpointID>`));
  });

  it('the peer sends us an MLS and an Invoice Response about our invoice: A links both', async () => {
    const submitted = await a.submit(ublDocument('invoice', supplier, peerBuyer));
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const doc = await a.waitFor(submitted.body.id, ['delivered'], 30_000);
    assert.equal(doc.delivery.receiverSeatId, PEER_SEAT);
    const invoiceNumber = doc.invoiceNumber as string;

    const mls = endpoint('ReceiverParty', a.mlsParticipant)(endpoint('SenderParty', PEER_MLS)(example('mls/MessageLevelStatus_Example_AP.xml'))).replace(
      '<cbc:ID>90f14eff-3705-4869-ad3c-caae270a234e</cbc:ID>',
      `<cbc:ID>${doc.delivery.sbdhInstanceId}</cbc:ID>`,
    );
    await peerSends('mls', Buffer.from(buildSbd({ sender: parseParticipantId(PEER_MLS), receiver: parseParticipantId(a.mlsParticipant), documentType: MLS.documentType, process: MLS.process, countryC1: 'BE', payload: { xml: mls } })));
    await until('the MLS at A', async () => (await a.get(doc.id)).mls === 'AP');

    const ir = endpoint('ReceiverParty', supplier)(endpoint('SenderParty', peerBuyer)(example('invoice-response/T111-uc003-Invoice_is_accepted.xml'))).replace('<cbc:ID>inv021</cbc:ID>', `<cbc:ID>${invoiceNumber}</cbc:ID>`);
    await peerSends('ir', Buffer.from(buildSbd({ sender: parseParticipantId(peerBuyer), receiver: parseParticipantId(supplier), documentType: INVOICE_RESPONSE.documentType, process: INVOICE_RESPONSE.process, countryC1: 'BE', payload: { xml: ir } })));
    const answered = await until('the Invoice Response at A', async () => {
      const d = await a.get(doc.id);
      return d.businessStatus === 'processed' && d;
    });
    assert.deepEqual(answered.responses.map((r: { kind: string; responseCode: string; direction: string }) => `${r.direction} ${r.kind} ${r.responseCode}`), ['inbound mls AP', 'inbound invoice-response AP']);
    assert.ok(answered.events.some((e: { type: string }) => e.type === 'mls-received'));
    assert.ok(answered.events.some((e: { type: string }) => e.type === 'response-received'));
  });
});
