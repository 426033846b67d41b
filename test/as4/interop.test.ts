/**
 * Interoperability with the independent Java AS4 peer (/work/shared/tools/as4peer, Apache Santuario +
 * JCA), in the four directions of issue 4. Runs when `java` and the Debian Santuario jar are present
 * (apt: openjdk-17-jdk-headless libxml-security-java libcommons-logging-java libslf4j-java); otherwise
 * the suite is skipped with the reason printed.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildErrorSignal, buildReceipt, buildUserMessage, NOT_SERVICED, parseMimeMessage, readSignal, readUserMessage } from '../../src/as4/index.js';
import { toP12 } from '../../src/testing/test-pki.js';
import { as4peerMissing, buildAs4Peer, type As4Peer } from '../support/as4peer.js';
import { freePort } from '../support/process.js';
import { as4Fixture, SAMPLE_SBDH, sampleHeader } from './fixtures.js';

describe('as4 interop with as4peer (Java, Santuario)', function () {
  this.timeout(120_000);
  const f = as4Fixture();
  let dir = '';
  let as4peer: As4Peer;
  let peer: As4Peer['run'];
  const file = (name: string) => join(dir, name);
  const contentTypeOf = (path: string) => /^Content-Type:\s*(.*?)\r?$/im.exec(readFileSync(`${path}.headers`, 'latin1'))![1]!;

  before(async function () {
    const missing = as4peerMissing();
    if (missing) {
      console.log(`    skipping as4peer interop tests: ${missing}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'as4peer-'));
    as4peer = await buildAs4Peer(dir);
    peer = (args) => as4peer.run(args);
    writeFileSync(file('sender.p12'), toP12(f.sender, 'secret'));
    writeFileSync(file('receiver.p12'), toP12(f.receiver, 'secret'));
    writeFileSync(file('receiver.pem'), f.receiver.certPem);
    writeFileSync(file('ca.pem'), [...f.pki.trustedPems.roots, ...f.pki.trustedPems.ap].join('\n'));
    writeFileSync(file('payload.xml'), SAMPLE_SBDH);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('(1) reads a message built by as4peer to the exact payload, and (3) as4peer accepts our receipt (and our signed error signal) for it', async () => {
    const built = await peer([
      'build-message', '--sender-p12', file('sender.p12'), '--pass', 'secret', '--receiver-cert', file('receiver.pem'),
      '--payload', file('payload.xml'), '--out', file('peer.mime'),
    ]);
    assert.equal(built.code, 0, built.stdout);
    const message = parseMimeMessage(contentTypeOf(file('peer.mime')), readFileSync(file('peer.mime')));
    const received = await readUserMessage(message, { receiver: f.receiverId, certificateValidator: f.validator, ourSeatId: 'POP000002' });
    assert.ok(received.payload.equals(Buffer.from(SAMPLE_SBDH)), 'payload differs from what as4peer sent');
    assert.equal(received.messageId, JSON.parse(built.stdout).messageId);
    assert.equal(received.userMessage.from.partyId, 'POP000001');
    assert.equal(received.signatureReferences.length, 3);

    const receipt = buildReceipt(received, f.receiverId);
    writeFileSync(file('receipt.xml'), receipt.body);
    const check = await peer([
      'verify-receipt', '--in', file('receipt.xml'), '--sent', file('peer.mime'), '--trust', file('ca.pem'), '--expect-signer', file('receiver.pem'),
    ]);
    assert.equal(check.code, 0, check.stdout);
    assert.equal(JSON.parse(check.stdout).ok, true);

    // Our signed error signal: as4peer reports the error and finds the signature valid.
    const error = buildErrorSignal(received.messageId, [{ code: 'EBMS:0004', description: 'not served here', detail: NOT_SERVICED }], f.receiverId);
    writeFileSync(file('error.xml'), error.body);
    const errCheck = await peer(['verify-receipt', '--in', file('error.xml'), '--sent', file('peer.mime'), '--trust', file('ca.pem'), '--expect-signer', file('receiver.pem')]);
    assert.equal(errCheck.code, 1);
    const errReport = JSON.parse(errCheck.stdout);
    assert.equal(errReport.signatureValid, true, errCheck.stdout);
    assert.equal(errReport.refToMessageId, received.messageId);
    assert.match(errReport.errors.join('\n'), /ebMS error signal EBMS:0004 Other: not served here/);
  });

  it('(2) as4peer verifies, decrypts and unzips a message built by our library', async () => {
    const built = await buildUserMessage({ header: sampleHeader(), payload: Buffer.from(SAMPLE_SBDH), sender: f.senderId, receiverCertificate: f.receiver.cert });
    writeFileSync(file('ours.mime'), built.body);
    writeFileSync(file('ours.mime.headers'), `Content-Type: ${built.contentType}\r\nMIME-Version: 1.0\r\n`);
    const out = await peer([
      'verify-message', '--in', file('ours.mime'), '--receiver-p12', file('receiver.p12'), '--pass', 'secret',
      '--trust', file('ca.pem'), '--out', file('ours.payload.xml'),
    ]);
    assert.equal(out.code, 0, out.stdout);
    const report = JSON.parse(out.stdout);
    assert.equal(report.signatureValid, true);
    assert.equal(report.decrypted, true);
    assert.equal(report.decompressed, true);
    assert.deepEqual(report.warnings, []);
    assert.equal(Object.values(report.digests as Record<string, { valid: boolean }>).filter((d) => d.valid).length, 3);
    assert.equal(report.messageId, built.messageId);
    assert.equal(readFileSync(file('ours.payload.xml'), 'utf8'), SAMPLE_SBDH);
  });

  it('(4) as4peer serve accepts a message we send, and we verify its receipt; a tampered one gets a signed EBMS:0102', async () => {
    const port = await freePort();
    const server: ChildProcess = as4peer.spawn([
      'serve', '--port', String(port), '--receiver-p12', file('receiver.p12'), '--pass', 'secret', '--out-dir', file('served'),
      '--trust', file('ca.pem'), '--max-requests', '2',
    ]);
    try {
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        server.stdout!.on('data', (d: Buffer) => {
          seen += d.toString();
          if (seen.includes('listening')) resolve();
        });
        server.once('exit', (code) => reject(new Error(`as4peer serve exited with ${code}`)));
      });
      const built = await buildUserMessage({ header: sampleHeader(), payload: Buffer.from(SAMPLE_SBDH), sender: f.senderId, receiverCertificate: f.receiver.cert });
      const post = async (body: Buffer) => {
        const res = await fetch(`http://127.0.0.1:${port}/as4`, { method: 'POST', headers: { 'Content-Type': built.contentType, 'MIME-Version': '1.0' }, body: new Uint8Array(body) });
        return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
      };
      const res = await post(built.body);
      assert.equal(res.status, 200, res.body.toString());
      const signal = await readSignal(parseMimeMessage(res.contentType, res.body), {
        certificateValidator: f.validator,
        sent: built,
        expectedSigner: f.receiver.cert,
      });
      assert.equal(signal.kind, 'receipt');
      assert.equal(signal.signed, true);
      assert.equal(signal.signal.refToMessageId, built.messageId);
      assert.deepEqual(signal.nonRepudiation.map((c) => c.result), ['ok', 'ok', 'ok']);

      const tampered = Buffer.from(built.body);
      tampered[tampered.lastIndexOf('\r\n--') - 20]! ^= 0x01; // inside the encrypted attachment
      const bad = await post(tampered);
      assert.equal(bad.status, 500);
      const error = await readSignal(parseMimeMessage(bad.contentType, bad.body), { certificateValidator: f.validator, sent: built });
      assert.equal(error.kind, 'error');
      assert.equal(error.signed, true);
      assert.equal(error.signal.errors[0]!.errorCode, 'EBMS:0102');
    } finally {
      server.kill();
    }
  });
});
