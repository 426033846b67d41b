import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PROJECT_ROOT, loadConfig } from '../../src/config/index.js';
import { int } from '../../src/config/parsers.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { together, variable } from '../../src/config/spec.js';
import { ApError } from '../../src/errors.js';
import { SML_ZONE_PRODUCTION } from '../../src/peppol/sml.js';
import { DEFAULT_CRL_FETCH_OPTIONS, DEFAULT_REVOCATION_POLICY } from '../../src/pki/index.js';

describe('configuration', () => {
  it('has working defaults: embedded Postgres on its own port, data in data/postgres', () => {
    const c = loadConfig({});
    assert.equal(c.database.url, null);
    assert.equal(c.database.embedded.port, 54329);
    assert.equal(c.database.embedded.dir, join(PROJECT_ROOT, 'data', 'postgres'));
    assert.deepEqual(c.http, { host: '0.0.0.0', port: 8080, inflightBytes: 256 * 1024 * 1024, shutdownTimeoutMs: 10_000, limits: { headersTimeoutMs: 20_000, requestTimeoutMs: 300_000, idleTimeoutMs: 60_000, keepAliveTimeoutMs: 5000, maxConnections: 2048 } });
    assert.equal(c.validation.maxDocumentBytes, 20 * 1024 * 1024);
    assert.equal(c.validation.ublSchemasDir, join(PROJECT_ROOT, 'ubl-schemas'));
    assert.equal(c.logging.level, 'info');
  });

  it('reads every variable', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://ap:secret@db.example:5432/ap',
      DB_POOL_MAX: '20',
      EMBEDDED_PG_DIR: '/var/lib/ap-pg',
      EMBEDDED_PG_PORT: '6543',
      HOST: '127.0.0.1',
      PORT: '9000',
      MAX_DOCUMENT_BYTES: '2048',
      SHUTDOWN_TIMEOUT_MS: '500',
      INBOUND_INFLIGHT_BYTES: '4096',
      LOG_LEVEL: 'debug',
      UBL_SCHEMAS_DIR: 'x/ubl',
      SCHEMATRON_DIR: '/opt/sch',
    });
    assert.equal(c.database.url, 'postgres://ap:secret@db.example:5432/ap');
    assert.equal(c.database.poolMax, 20);
    assert.deepEqual(c.database.embedded, { dir: '/var/lib/ap-pg', port: 6543 });
    assert.deepEqual(c.http, { host: '127.0.0.1', port: 9000, inflightBytes: 4096, shutdownTimeoutMs: 500, limits: { headersTimeoutMs: 20_000, requestTimeoutMs: 300_000, idleTimeoutMs: 60_000, keepAliveTimeoutMs: 5000, maxConnections: 2048 } });
    assert.equal(c.validation.maxDocumentBytes, 2048);
    assert.equal(c.logging.level, 'debug');
    assert.equal(c.validation.ublSchemasDir, join(PROJECT_ROOT, 'x/ubl'));
    assert.equal(c.validation.schematronDir, '/opt/sch');
  });

  it('reports every bad value at once, one clear line each', () => {
    try {
      loadConfig({
        DATABASE_URL: 'mysql://db/ap',
        PORT: 'eighty',
        EMBEDDED_PG_PORT: '70000',
        MAX_DOCUMENT_BYTES: '-1',
        LOG_LEVEL: 'loud',
        HOST: 'a b',
        DB_POOL_MAX: '0',
      });
      assert.fail('accepted bad configuration');
    } catch (e) {
      assert.ok(e instanceof ApError && e.kind === 'config.invalid');
      const problems = e.details!.problems as string[];
      assert.equal(problems.length, 7);
      assert.match(e.message, /DATABASE_URL: scheme mysql: is not postgres/);
      assert.match(e.message, /PORT="eighty": expected a whole number from 0 to 65535/);
      assert.match(e.message, /EMBEDDED_PG_PORT="70000"/);
      assert.match(e.message, /MAX_DOCUMENT_BYTES="-1"/);
      assert.match(e.message, /LOG_LEVEL="loud": expected one of fatal, error/);
      assert.match(e.message, /HOST="a b"/);
      assert.match(e.message, /DB_POOL_MAX="0"/);
    }
  });

  it('refuses a DATABASE_URL without database name or that is not a URL', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://db.example:5432' }), /needs a host and a database name/);
    assert.throws(() => loadConfig({ DATABASE_URL: 'not a url' }), /DATABASE_URL: not a URL/);
  });
});

describe('configuration: groups, fallbacks, one frozen object', () => {
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
    } catch (e) {
      assert.ok(e instanceof ApError && e.kind === 'config.invalid', String(e));
      return e.details!['problems'] as string[];
    }
    return assert.fail('accepted the configuration');
  };

  it('checks variables that go together together, and what a group needs', () => {
    const cannotRead = (name: string, file: string) => `${name}=${file}: cannot read the file (ENOENT)`;
    assert.deepEqual(problemsOf({ AP_KEY_FILE: '/x/ap.key' }), [
      cannotRead('AP_KEY_FILE', '/x/ap.key'),
      'AP_KEY_FILE, AP_CERT_FILE and AP_ENDPOINT_URL go together: set all three to send and receive over AS4 (AP_CERT_FILE and AP_ENDPOINT_URL unset)',
    ]);
    assert.deepEqual(problemsOf({ AP_ENDPOINT_URL: 'https://ap.example/as4', SMP_PUBLIC_URL: 'https://ap.example/smp', SMP_CERT_FILE: '/x/smp.pem' }), [
      cannotRead('SMP_CERT_FILE', '/x/smp.pem'),
      'AP_KEY_FILE, AP_CERT_FILE and AP_ENDPOINT_URL go together: set all three to send and receive over AS4 (AP_KEY_FILE and AP_CERT_FILE unset)',
      'SMP_PUBLIC_URL, SMP_KEY_FILE and SMP_CERT_FILE go together: set all three to publish our SMP (SMP_KEY_FILE unset)',
    ]);
    // A complete group is checked for what it needs, even when its files are wrong too.
    assert.deepEqual(problemsOf({ AP_KEY_FILE: '/x/ap.key', AP_CERT_FILE: '/x/ap.pem', AP_ENDPOINT_URL: 'https://ap.example/as4' }), [
      cannotRead('AP_KEY_FILE', '/x/ap.key'),
      cannotRead('AP_CERT_FILE', '/x/ap.pem'),
      'AP_KEY_FILE, AP_CERT_FILE and AP_ENDPOINT_URL need PEPPOL_TRUST_FILE or PEPPOL_ENVIRONMENT: the CAs that the certificates of other access points and SMPs are checked against (a trust file, or the shipped Peppol G3 CAs of that environment)',
    ]);
    assert.deepEqual(problemsOf({ SMP_PUBLIC_URL: 'https://ap.example/smp', SMP_KEY_FILE: '/x/smp.key', SMP_CERT_FILE: '/x/smp.pem' }), [
      cannotRead('SMP_KEY_FILE', '/x/smp.key'),
      cannotRead('SMP_CERT_FILE', '/x/smp.pem'),
      'SMP_PUBLIC_URL, SMP_KEY_FILE and SMP_CERT_FILE need AP_KEY_FILE, AP_CERT_FILE and AP_ENDPOINT_URL: our SMP publishes our AS4 endpoint and certificate',
    ]);
  });

  it('a variable left unset takes the value of the one it falls back to', () => {
    assert.equal(loadConfig({ OUTBOUND_HOSTED_CACHE_MS: '1234' }).as4.servedCacheMs, 1234);
    assert.equal(loadConfig({ OUTBOUND_HOSTED_CACHE_MS: '1234', INBOUND_SERVICED_CACHE_MS: '99' }).as4.servedCacheMs, 99);
    assert.equal(loadConfig({}).as4.servedCacheMs, 5000);
  });

  it('is deeply frozen', () => {
    const c = loadConfig({ SML_DNS_SERVERS: '127.0.0.1:53' });
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.outbound.retry) && Object.isFrozen(c.discovery.sml.dnsServers));
    assert.throws(() => {
      (c.outbound.retry as { maxAttempts: number }).maxAttempts = 1;
    }, TypeError);
    assert.throws(() => c.discovery.sml.dnsServers!.push('10.0.0.1'), TypeError);
  });

  it("defaults the libraries also hold are the libraries' own", () => {
    const c = loadConfig({});
    assert.equal(c.discovery.sml.zone, SML_ZONE_PRODUCTION);
    assert.deepEqual(c.pki.revocation, DEFAULT_REVOCATION_POLICY);
    const { allowedPrefixes, timeoutMs, maxBytes } = DEFAULT_CRL_FETCH_OPTIONS;
    assert.deepEqual(c.pki.crl, { allowedPrefixes, timeoutMs, maxBytes });
  });
});

describe('configuration tables: a mistake in them is refused at start-up', () => {
  const digit = int(0, 9);
  const plain = (name: string) => variable(name, digit, { description: name });
  const fallingBackTo = (name: string, to: string) => variable(name, digit, { fallback: to, description: name });

  it('a name declared twice, a fallback to nothing or out of its group, a default that does not parse', () => {
    assert.throws(() => new ConfigSchema({ a: { x: plain('X') }, b: { x: plain('X') } }), /X is declared twice/);
    assert.throws(() => new ConfigSchema({ a: { x: fallingBackTo('X', 'Y') } }), /X falls back to Y, which is not declared/);
    const group = together({ x: plain('X'), y: fallingBackTo('Y', 'Z') }, { purpose: 'test' });
    assert.throws(() => new ConfigSchema({ a: { group, z: plain('Z') } }), /Y falls back to Z, which is not a required member of its group/);
    const ten = variable('X', digit, { default: 'ten', description: 'X' });
    assert.throws(() => new ConfigSchema({ a: { x: ten } }).load({}), /the default of X does not parse/);
  });
});
