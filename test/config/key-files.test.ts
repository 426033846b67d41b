/** Key and certificate files: read once, by the loader, with one error text for every variable and option. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/command.js';
import { runCli } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/index.js';
import { ApError } from '../../src/errors.js';
import { createTestPki } from '../../src/testing/test-pki.js';
import { runCliProcess } from '../support/process.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    assert.ok(e instanceof ApError && e.kind === 'config.invalid', String(e));
    return e.details!['problems'] as string[];
  }
  return assert.fail('accepted the configuration');
}

describe('key and certificate files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-keys-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const missing = join(dir, 'missing.pem');
  const pki = createTestPki();
  const ap = pki.issueAp('POP000101');
  const other = pki.issueAp('POP000102');
  const smp = pki.issueSmp('SMP KEYS');
  const apKey = file('ap.key', ap.keyPem);
  const apCert = file('ap.pem', ap.certPem);
  const otherKey = file('other.key', other.keyPem);
  const smpKey = file('smp.key', smp.keyPem);
  const smpCert = file('smp.pem', smp.certPem);
  const trust = file('trust.pem', [...pki.trustedPems.roots, ...pki.trustedPems.ap, ...pki.trustedPems.smp].join('\n'));
  const text = file('notes.txt', 'not a key\n');
  const ok = { AP_KEY_FILE: apKey, AP_CERT_FILE: apCert, AP_ENDPOINT_URL: 'https://ap.example/as4', PEPPOL_TRUST_FILE: trust };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are read into the configuration: keys, certificates, trusted CAs', () => {
    const c = loadConfig({ ...ok, SMP_PUBLIC_URL: 'https://ap.example/smp', SMP_KEY_FILE: smpKey, SMP_CERT_FILE: smpCert });
    assert.equal(c.as4.identity!.certificate.x509.subject, ap.cert.subject);
    assert.ok(ap.cert.checkPrivateKey(c.as4.identity!.privateKey.key));
    assert.equal(c.smp!.certificate.pem, smp.certPem);
    assert.equal(c.pki.trust!.x509.length, 3);
  });

  it('one message format for a file that cannot be read, for every key and certificate variable', () => {
    const problems = problemsOf({ ...ok, AP_KEY_FILE: missing, AP_CERT_FILE: missing, PEPPOL_TRUST_FILE: missing });
    assert.deepEqual(problems, ['AP_KEY_FILE', 'AP_CERT_FILE', 'PEPPOL_TRUST_FILE'].map((n) => `${n}=${missing}: cannot read the file (ENOENT)`));
    assert.deepEqual(problemsOf({ ...ok, AP_KEY_FILE: dir }), [`AP_KEY_FILE=${dir}: cannot read the file (EISDIR)`]);
  });

  it('one message format for a file that is not PEM of the expected kind', () => {
    assert.deepEqual(problemsOf({ ...ok, AP_KEY_FILE: text, AP_CERT_FILE: apKey, PEPPOL_TRUST_FILE: text }), [
      `AP_KEY_FILE=${text}: not a PEM private key`,
      `AP_CERT_FILE=${apKey}: not a PEM certificate`,
      `PEPPOL_TRUST_FILE=${text}: not a PEM certificate bundle`,
    ]);
    const broken = file('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    assert.deepEqual(problemsOf({ ...ok, SMP_PUBLIC_URL: 'https://ap.example/smp', SMP_KEY_FILE: apCert, SMP_CERT_FILE: broken }), [
      `SMP_KEY_FILE=${apCert}: not a PEM private key`,
      `SMP_CERT_FILE=${broken}: not a PEM certificate`,
    ]);
  });

  it('a key must be the key of its certificate', () => {
    assert.deepEqual(problemsOf({ ...ok, AP_KEY_FILE: otherKey }), [`AP_KEY_FILE=${otherKey}: not the key of the certificate in AP_CERT_FILE=${apCert}`]);
    assert.deepEqual(problemsOf({ ...ok, SMP_PUBLIC_URL: 'https://ap.example/smp', SMP_KEY_FILE: apKey, SMP_CERT_FILE: smpCert }), [
      `SMP_KEY_FILE=${apKey}: not the key of the certificate in SMP_CERT_FILE=${smpCert}`,
    ]);
  });

  it('a rollover keeps the seat id: the previous pair must match, and serve refuses a previous certificate of another seat (exit 2)', async function () {
    this.timeout(60_000);
    const otherCert = file('other.pem', other.certPem);
    const renewed = pki.issueAp('POP000101');
    const renewedKey = file('renewed.key', renewed.keyPem);
    const renewedCert = file('renewed.pem', renewed.certPem);
    const c = loadConfig({ ...ok, AP_KEY_FILE: renewedKey, AP_CERT_FILE: renewedCert, AP_PREVIOUS_KEY_FILE: apKey, AP_PREVIOUS_CERT_FILE: apCert });
    assert.equal(c.as4.previousIdentity!.certificate.x509.serialNumber, ap.cert.serialNumber);
    assert.deepEqual(problemsOf({ ...ok, AP_PREVIOUS_KEY_FILE: apKey, AP_PREVIOUS_CERT_FILE: otherCert }), [
      `AP_PREVIOUS_KEY_FILE=${apKey}: not the key of the certificate in AP_PREVIOUS_CERT_FILE=${otherCert}`,
    ]);
    const run = await runCliProcess(['serve'], { ...ok, AP_PREVIOUS_KEY_FILE: otherKey, AP_PREVIOUS_CERT_FILE: otherCert, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /AP_PREVIOUS_CERT_FILE=.*its seat id POP000102 is not POP000101, the seat id of AP_CERT_FILE/);
  });

  it('the command-line options that name key and certificate files use the same reader and text (exit 2)', async () => {
    const cases: Array<[string[], string]> = [
      [['as4', 'inspect', text, '--key', missing], `--key=${missing}: cannot read the file (ENOENT)`],
      [['as4', 'inspect', text, '--cert', apKey], `--cert=${apKey}: not a PEM certificate`],
      [['smp', 'verify', text, '--trust', text], `--trust=${text}: not a PEM certificate bundle`],
    ];
    for (const [args, message] of cases) {
      let stderr = '';
      const io: CliIo = { out: () => {}, err: (t) => void (stderr += t + '\n') };
      assert.equal(await runCli(args, io), 2, args.join(' '));
      assert.equal(stderr.trim(), message);
    }
  });
});
