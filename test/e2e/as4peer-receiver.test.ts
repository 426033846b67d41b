/**
 * Third-party check of the outbound side: the receiving access point is the independent Java peer
 * (/work/shared/tools/as4peer `serve`, Apache Santuario + JCA), published through an SMP and the local SML
 * zone. A's delivery must end `delivered` with the peer's receipt verified, and the peer must have
 * accepted the message (its own checks) with the business document inside the SBDH, byte for byte.
 * Skipped, with the reason printed, when Java or the Santuario jar is missing.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toP12 } from '../../src/testing/test-pki.js';
import { as4peerMissing, buildAs4Peer } from '../support/as4peer.js';
import { freePort } from '../support/process.js';
import { belgianParticipant, startNetwork, ublDocument, type E2eNetwork, type TestAp } from './harness.js';

describe('outbound to as4peer serve (independent Java AS4 receiver)', function () {
  this.timeout(120_000);
  let dir = '';
  let net: E2eNetwork;
  let a: TestAp;
  let peer: ChildProcess | null = null;
  let peerOutput = '';
  const supplier = belgianParticipant(8888888);
  const receiver = belgianParticipant(9999999);

  before(async function () {
    const missing = as4peerMissing();
    if (missing) {
      console.log(`    skipping the as4peer receiver test: ${missing}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'as4peer-out-'));
    const as4peer = await buildAs4Peer(dir);

    net = await startNetwork();
    a = await net.startAp('A', 'PBE000401');
    const smpHost = await net.startAp('S', 'PBE000402'); // only its SMP is used
    const peerCert = net.env.pki.issueAp('POP000777');
    writeFileSync(join(dir, 'receiver.p12'), toP12(peerCert, 'secret'));
    writeFileSync(join(dir, 'ca.pem'), [...net.env.pki.trustedPems.roots, ...net.env.pki.trustedPems.ap].join('\n'));
    const port = await freePort();
    peer = as4peer.spawn(['serve', '--port', String(port), '--receiver-p12', join(dir, 'receiver.p12'), '--pass', 'secret', '--out-dir', join(dir, 'out'), '--trust', join(dir, 'ca.pem')]);
    peer.stdout!.on('data', (d) => (peerOutput += d));
    peer.stderr!.on('data', (d) => (peerOutput += d));
    // Ready when the port accepts connections.
    const end = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/`, { method: 'GET' }).then(() => true, () => false);
      if (ok) break;
      assert.ok(Date.now() < end, `as4peer did not start: ${peerOutput}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await a.host(supplier);
    await smpHost.host(receiver, { url: `http://127.0.0.1:${port}/as4`, certPem: peerCert.certPem });
  });

  after(async () => {
    peer?.kill();
    await net?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers an invoice: as4peer verifies our message and A verifies the peer\'s receipt', async () => {
    const xml = ublDocument('invoice', supplier, receiver);
    const submitted = await a.submit(xml);
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const doc = await a.waitFor(submitted.body.id, ['delivered', 'failed', 'undeliverable'], 30_000);
    assert.equal(doc.status, 'delivered', `${JSON.stringify(doc.delivery)}\n${peerOutput}`);
    assert.equal(doc.delivery.receiverSeatId, 'POP000777');
    assert.ok(doc.delivery.evidence.receiptMessageId);

    const out = join(dir, 'out');
    const reportFile = readdirSync(out).find((f) => f.endsWith('.report.json'))!;
    const report = JSON.parse(readFileSync(join(out, reportFile), 'utf8'));
    assert.equal(report.ok, true, JSON.stringify(report.errors));
    assert.deepEqual(report.errors, []);
    assert.equal(report.messageId, doc.delivery.as4MessageId);
    assert.equal(report.from, 'PBE000401');
    assert.equal(report.originalSender, supplier);
    assert.equal(report.finalRecipient, receiver);
    const sbd = readFileSync(join(out, readdirSync(out).find((f) => f.endsWith('.payload.xml'))!), 'utf8');
    const businessDocument = xml.toString('utf8').replace(/^<\?xml[^?]*\?>\s*/, '');
    assert.ok(sbd.includes(businessDocument), 'the SBDH carries the submitted document unchanged (after its XML declaration)');
    assert.match(sbd, /<Scope><Type>COUNTRY_C1<\/Type><InstanceIdentifier>GB<\/InstanceIdentifier><\/Scope>/);
  });
});
