/** CLI: `as4 inspect` and `as4 verify-receipt` on message dumps. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { buildReceipt, buildUserMessage, parseMimeMessage, readUserMessage, type BuiltUserMessage } from '../../src/as4/index.js';
import { as4Fixture, SAMPLE_SBDH, sampleHeader } from './fixtures.js';

describe('cli: as4 inspect and as4 verify-receipt', () => {
  const f = as4Fixture();
  const dir = mkdtempSync(join(tmpdir(), 'as4-cli-'));
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const trust = file('trust.pem', [...f.pki.trustedPems.roots, ...f.pki.trustedPems.ap].join('\n'));
  const key = file('receiver.key', f.receiver.keyPem);
  let built: BuiltUserMessage;
  let dump: string;
  let receipt: string;
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    built = await buildUserMessage({ header: sampleHeader(), payload: Buffer.from(SAMPLE_SBDH), sender: f.senderId, receiverCertificate: f.receiver.cert });
    // As dumps often are: the HTTP request head with a Transfer-Encoding header that no longer applies.
    const head = `POST /as4 HTTP/1.1\r\nHost: ap.example\r\nContent-Type: ${built.contentType}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    dump = file('message.as4', Buffer.concat([Buffer.from(head, 'latin1'), built.body]));
    const received = await readUserMessage(parseMimeMessage(built.contentType, built.body), { receiver: f.receiverId, certificateValidator: f.validator });
    const r = buildReceipt(received, f.receiverId);
    receipt = file('receipt.xml', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: ${r.contentType}\r\n\r\n`), r.body]));
  });

  async function run(args: string[]) {
    let out = '';
    let err = '';
    const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, json: out ? (JSON.parse(out) as Record<string, any>) : null, err };
  }

  it('inspect: decrypts with the key, checks every reference and reports the payload digest; the CRL soft-fails', async () => {
    const r = await run(['as4', 'inspect', dump, '--key', key, '--trust', trust]);
    assert.equal(r.code, 0, JSON.stringify(r.json?.checks ?? r.err));
    assert.equal(r.json!.transferEncoding, 'stale-header');
    assert.equal(r.json!.header.messageId, built.messageId);
    assert.deepEqual(r.json!.signature.references.map((x: { valid: boolean }) => x.valid), [true, true, true]);
    assert.equal(r.json!.payload.sha256, createHash('sha256').update(SAMPLE_SBDH).digest('hex'));
    assert.equal(r.json!.certificate.valid, true);
    assert.equal(r.json!.certificate.revocation, 'unknown');
    assert.ok(r.json!.certificate.warnings.length > 0, 'the CRL soft-fail is reported');
  });

  it('inspect --no-decrypt: the attachment digest is skipped, the rest passes', async () => {
    const r = await run(['as4', 'inspect', dump, '--no-decrypt', '--trust', trust]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.json!.signature.references.map((x: { valid: boolean | null }) => x.valid), [true, true, null]);
    assert.ok(r.json!.checks.some((c: { check: string; ok: boolean | null }) => c.check === 'decryption' && c.ok === null));
  });

  it('inspect: a tampered header fails with EBMS:0101; --at before the certificate validity fails too', async () => {
    const forged = Buffer.from(built.body.toString('latin1').replace(/<eb:ConversationId>[^<]*/, '<eb:ConversationId>x'), 'latin1');
    const tampered = file('tampered.as4', Buffer.concat([Buffer.from(`Content-Type: ${built.contentType}\r\n\r\n`), forged]));
    const r = await run(['as4', 'inspect', tampered, '--key', key, '--trust', trust]);
    assert.equal(r.code, 1);
    assert.equal(r.json!.ebmsErrorCode, 'EBMS:0101');
    const old = await run(['as4', 'inspect', dump, '--no-decrypt', '--trust', trust, '--at', '2001-01-01T00:00:00Z']);
    assert.equal(old.code, 1);
    assert.equal(old.json!.certificate.valid, false);
  });

  it('verify-receipt: passes with the sent message, fails against another one', async () => {
    const ok = await run(['as4', 'verify-receipt', receipt, '--sent', dump, '--trust', trust]);
    assert.equal(ok.code, 0, JSON.stringify(ok.json));
    assert.equal(ok.json!.kind, 'receipt');
    assert.deepEqual(ok.json!.nonRepudiation.map((c: { result: string }) => c.result), ['ok', 'ok', 'ok']);
    const other = await buildUserMessage({ header: sampleHeader(), payload: Buffer.from(SAMPLE_SBDH), sender: f.senderId, receiverCertificate: f.receiver.cert });
    const otherFile = file('other.as4', Buffer.concat([Buffer.from(`Content-Type: ${other.contentType}\r\n\r\n`), other.body]));
    const bad = await run(['as4', 'verify-receipt', receipt, '--sent', otherFile, '--trust', trust]);
    assert.equal(bad.code, 1);
    assert.equal(bad.json!.error.ebmsCode, 'EBMS:0302');
  });

  it('verify-receipt: a receipt signed with a G2-era AP certificate (digitalSignature, keyEncipherment, keyAgreement) passes', async () => {
    const g2 = f.issue('POP000042', { keyUsage: { digitalSignature: true, keyEncipherment: true, keyAgreement: true } });
    const g2Id = f.identity(g2);
    const sent = await buildUserMessage({ header: sampleHeader(), payload: Buffer.from(SAMPLE_SBDH), sender: f.senderId, receiverCertificate: g2.cert });
    const sentFile = file('g2-sent.as4', Buffer.concat([Buffer.from(`Content-Type: ${sent.contentType}\r\n\r\n`), sent.body]));
    const received = await readUserMessage(parseMimeMessage(sent.contentType, sent.body), { receiver: g2Id, certificateValidator: f.validator });
    const r = buildReceipt(received, g2Id);
    const g2Receipt = file('g2-receipt.xml', Buffer.concat([Buffer.from(`Content-Type: ${r.contentType}\r\n\r\n`), r.body]));
    const ok = await run(['as4', 'verify-receipt', g2Receipt, '--sent', sentFile, '--trust', trust]);
    assert.equal(ok.code, 0, JSON.stringify(ok.json));
    assert.equal(ok.json!.kind, 'receipt');
  });

  it('exits 2 for a missing file', async () => {
    const r = await run(['as4', 'inspect', join(dir, 'nope'), '--trust', trust]);
    assert.equal(r.code, 2);
  });
});
