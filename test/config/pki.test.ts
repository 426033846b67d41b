import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { ApError } from '../../src/errors.js';
import { buildCertificateValidator } from '../../src/main.js';
import { createTestPki, type TestPki } from '../../src/testing/test-pki.js';

describe('PKI configuration: trust and revocation policy', () => {
  let server: Server;
  let base: string;
  let pki: TestPki;
  let dir: string;
  let trustFile: string;
  let hang = false;

  before(async () => {
    server = createServer((req, res) => {
      if (hang) return; // never answers: the CRL timeout decides
      if (req.url === '/crl/ap.crl') res.end(pki.crl({ ca: 'ap' }));
      else res.writeHead(404).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/crl/`;
    pki = createTestPki({ crlBaseUrl: base });
    dir = mkdtempSync(join(tmpdir(), 'pki-config-'));
    trustFile = join(dir, 'trust.pem');
    writeFileSync(trustFile, pki.apCa.certPem + pki.smpCa.certPem + pki.rootCa.certPem);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('defaults: CRL checking, soft-fail, the Peppol CA CRL prefix, 10 s, 20 MiB', () => {
    const c = loadConfig({});
    assert.deepEqual({ revocation: c.pki.revocation, crl: c.pki.crl }, {
      revocation: { mode: 'crl', softFail: true },
      crl: { allowedPrefixes: ['http://crl.one.nl.digicert.com/'], timeoutMs: 10_000, maxBytes: 20 * 1024 * 1024 },
    });
  });

  it('reads every PKI variable', () => {
    const c = loadConfig({
      PKI_REVOCATION: 'off',
      PKI_REVOCATION_SOFT_FAIL: 'false',
      PKI_CRL_ALLOWED_PREFIXES: 'http://crl.a.example/, https://crl.b.example/peppol/',
      PKI_CRL_TIMEOUT_MS: '2500',
      PKI_CRL_MAX_BYTES: '65536',
    });
    assert.deepEqual({ revocation: c.pki.revocation, crl: c.pki.crl }, {
      revocation: { mode: 'off', softFail: false },
      crl: { allowedPrefixes: ['http://crl.a.example/', 'https://crl.b.example/peppol/'], timeoutMs: 2500, maxBytes: 65536 },
    });
  });

  it('reports every bad PKI value, one line each', () => {
    try {
      loadConfig({
        PKI_REVOCATION: 'ocsp',
        PKI_REVOCATION_SOFT_FAIL: 'yes',
        PKI_CRL_ALLOWED_PREFIXES: 'ftp://crl.example/,http://no-path.example',
        PKI_CRL_TIMEOUT_MS: '10',
        PKI_CRL_MAX_BYTES: 'lots',
      });
      assert.fail('expected config.invalid');
    } catch (err) {
      assert.ok(err instanceof ApError && err.kind === 'config.invalid', String(err));
      const problems = (err.details as { problems: string[] }).problems;
      assert.equal(problems.length, 6, problems.join('\n'));
      for (const name of ['PKI_REVOCATION=', 'PKI_REVOCATION_SOFT_FAIL', "'ftp://crl.example/'", "'http://no-path.example'", 'PKI_CRL_TIMEOUT_MS', 'PKI_CRL_MAX_BYTES']) {
        assert.ok(problems.some((p) => p.includes(name)), `${name} in ${problems.join(' | ')}`);
      }
    }
  });

  const validatorFor = (env: Record<string, string>) => buildCertificateValidator(loadConfig({ PEPPOL_TRUST_FILE: trustFile, ...env }).pki);

  it('the validator downloads CRLs from the configured prefixes (a revoked certificate is refused)', async () => {
    const revoked = pki.issueAp('POP000010', { revoked: true });
    await assert.rejects(validatorFor({ PKI_CRL_ALLOWED_PREFIXES: base }).validate(revoked.certPem, { purpose: 'ap' }), (e: unknown) => e instanceof ApError && e.kind === 'pki.revoked');
    // Outside the default prefixes the CRL is not fetched: soft-fail accepts with a warning.
    const soft = await validatorFor({}).validate(revoked.certPem, { purpose: 'ap' });
    assert.equal(soft.revocation, 'unknown');
    assert.match(soft.warnings.join('\n'), /outside the allowed prefixes/);
  });

  it('PKI_REVOCATION_SOFT_FAIL=false refuses an unknown status; PKI_REVOCATION=off does not check', async () => {
    const good = pki.issueAp('POP000011');
    await assert.rejects(validatorFor({ PKI_REVOCATION_SOFT_FAIL: 'false' }).validate(good.certPem, { purpose: 'ap' }), (e: unknown) => e instanceof ApError && e.kind === 'pki.revocation-unknown');
    const off = await validatorFor({ PKI_REVOCATION: 'off', PKI_REVOCATION_SOFT_FAIL: 'false' }).validate(good.certPem, { purpose: 'ap' });
    assert.equal(off.revocation, 'not-checked');
  });

  it('PKI_CRL_TIMEOUT_MS bounds the CRL download', async () => {
    hang = true;
    try {
      const good = pki.issueAp('POP000012');
      const started = Date.now();
      const r = await validatorFor({ PKI_CRL_ALLOWED_PREFIXES: base, PKI_CRL_TIMEOUT_MS: '300' }).validate(good.certPem, { purpose: 'ap' });
      assert.equal(r.revocation, 'unknown');
      assert.match(r.warnings.join('\n'), /no answer within 300 ms/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      hang = false;
      server.closeAllConnections();
    }
  });
});
