import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { createTestPki } from '../../src/testing/test-pki.js';

describe('cli: pki check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pki-check-'));
  // The distribution point is on a closed port: only --crl or soft-fail can answer for revocation.
  const pki = createTestPki({ crlBaseUrl: 'http://127.0.0.1:1/crl/' });
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const trust = file('trust.pem', pki.apCa.certPem + pki.rootCa.certPem);
  const good = file('good.pem', pki.issueAp('POP000001').certPem);
  const revoked = file('revoked.pem', pki.issueAp('POP000002', { revoked: true }).certPem);
  const crl = file('ap.crl', pki.crl({ ca: 'ap' }));
  const untrusted = file('untrusted.pem', pki.issueAp('POP000003', { issuer: 'untrusted' }).certPem);
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(args: string[]): Promise<{ code: number; json: Record<string, unknown> | null; err: string }> {
    let out = '';
    let err = '';
    const code = await runCli(['pki', 'check', ...args], { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, json: out ? (JSON.parse(out) as Record<string, unknown>) : null, err };
  }

  it('reports a valid certificate with its chain and the revocation status from a CRL file', async () => {
    const r = await run([good, '--trust', trust, '--crl', crl, '--crl-allow', 'http://nowhere.invalid/']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.json!['valid'], true);
    assert.equal(r.json!['seatId'], 'POP000001');
    assert.equal(r.json!['revocation'], 'good');
    assert.equal((r.json!['chain'] as unknown[]).length, 3);
  });

  it('soft-fails when the CRL cannot be fetched, and says so', async () => {
    const r = await run([good, '--trust', trust, '--crl-allow', 'http://127.0.0.1:1/']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.json!['revocation'], 'unknown');
    assert.match((r.json!['warnings'] as string[])[0]!, /CRL from http:\/\/127\.0\.0\.1:1\/crl\/ap\.crl failed/);
    const hard = await run([good, '--trust', trust, '--crl-allow', 'http://127.0.0.1:1/', '--crl-hard-fail']);
    assert.equal(hard.code, 1);
    assert.equal((hard.json!['error'] as { kind: string }).kind, 'pki.revocation-unknown');
  });

  it('exits 1 for a revoked, an untrusted and an expired-at-time certificate', async () => {
    const r1 = await run([revoked, '--trust', trust, '--crl', crl]);
    assert.equal(r1.code, 1);
    assert.equal((r1.json!['error'] as { kind: string }).kind, 'pki.revoked');
    const r2 = await run([untrusted, '--trust', trust, '--no-revocation']);
    assert.equal(r2.code, 1);
    assert.match((r2.json!['error'] as { message: string }).message, /UNTRUSTED TEST CA/);
    const r3 = await run([good, '--trust', trust, '--no-revocation', '--at', '2001-01-01T00:00:00Z']);
    assert.equal(r3.code, 1);
    assert.equal((r3.json!['error'] as { kind: string }).kind, 'pki.expired');
    assert.equal(r3.json!['subject'], 'CN=POP000001, OU=PEPPOL TEST AP, O=Test Company, C=BE');
  });

  it('with a bundle holding the AP and the SMP CA, refuses as --purpose ap a certificate of the SMP CA and one with OU=PEPPOL TEST SMP', async () => {
    const both = file('both.pem', [pki.rootCa.certPem, pki.apCa.certPem, pki.smpCa.certPem].join('\n'));
    const bySmpCa = file('by-smp-ca.pem', pki.issueAp('POP000004', { issuer: 'smp' }).certPem);
    const smpSubject = file('smp-subject.pem', pki.issueSmp('POP000005', { issuer: 'ap' }).certPem);
    const r1 = await run([bySmpCa, '--purpose', 'ap', '--trust', both, '--no-revocation']);
    assert.equal(r1.code, 1, r1.err);
    assert.equal(r1.json!['valid'], false);
    assert.match((r1.json!['error'] as { message: string }).message, /issued by the SMP CA "CN=PEPPOL SERVICE METADATA PUBLISHER TEST CA - G3.*access point certificate is required/);
    const r2 = await run([smpSubject, '--purpose', 'ap', '--trust', both, '--no-revocation']);
    assert.equal(r2.code, 1, r2.err);
    assert.match((r2.json!['error'] as { message: string }).message, /marked as a Peppol SMP certificate \(OU=PEPPOL TEST SMP\)/);
    const smpOnly = file('smp-only.pem', pki.rootCa.certPem + pki.smpCa.certPem);
    const r3 = await run([bySmpCa, '--purpose', 'ap', '--trust', smpOnly, '--no-revocation']);
    assert.equal(r3.code, 1, 'an SMP CA given with --purpose ap is still an SMP CA');
    assert.match((r3.json!['error'] as { message: string }).message, /access point certificate is required/);
  });

  it('exits 2 naming a CA of the trust bundle whose name says neither AP nor SMP', async () => {
    const privateCa = createTestPki({ caNames: { ap: 'Example Issuing CA' } });
    const r = await run([good, '--trust', file('private.pem', privateCa.rootCa.certPem + privateCa.apCa.certPem), '--no-revocation']);
    assert.equal(r.code, 2);
    assert.match(r.err, /the trust bundle holds the CA "CN=Example Issuing CA.*remove it from the trust file/);
  });

  it('exits 2 on usage errors and unreadable input', async () => {
    assert.equal((await run([])).code, 2);
    assert.equal((await run([good, '--trust', trust, '--purpose', 'tls'])).code, 2);
    assert.equal((await run([join(dir, 'missing.pem'), '--trust', trust])).code, 2);
    const garbage = await run([file('garbage.pem', 'hello'), '--trust', trust]);
    assert.equal(garbage.code, 2);
    assert.equal((garbage.json!['error'] as { kind: string }).kind, 'pki.bad-certificate');
  });
});
