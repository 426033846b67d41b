/**
 * API keys: what is stored, how a key is refused, revocation reaching every process at once (PostgreSQL
 * notifications between two authenticators with their caches), mandates ending, the per-key rate limit,
 * and the command line's bootstrap printing the secret once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Closers } from '../../src/composition/closers.js';
import { buildAuth } from '../../src/composition/auth.js';
import { buildStores } from '../../src/composition/index.js';
import { commandLineCaller, TenantsService } from '../../src/services/tenants.js';
import { bearer, createKey, createTenant, grantMandate } from '../support/auth.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startDocumentsApi, type DocumentsApi } from '../support/documents-api.js';
import { runCliProcess } from '../support/process.js';

const settle = async (check: () => Promise<boolean>, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    assert.ok(Date.now() < end, what);
    await new Promise((r) => setTimeout(r, 20));
  }
  return ms - (end - Date.now());
};

describe('API keys', function () {
  this.timeout(60_000);

  describe('in two processes sharing a database', () => {
    let db: TestDatabase;
    let dir: string;
    const closers: Closers[] = [];
    before(async () => {
      db = await createTestDatabase({ prefix: 'ap_auth' });
      dir = mkdtempSync(join(tmpdir(), 'ap-auth-'));
    });
    after(async () => {
      for (const c of closers) await c.closeAll(Date.now() + 5000);
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const process = async () => {
      const c = new Closers(pino({ level: 'silent' }));
      closers.push(c);
      const stores = buildStores(db.knex);
      // Caches far longer than the test: only the notification can make a revocation felt.
      const auth = await buildAuth({ hashKeyFile: join(dir, 'hash.key'), cacheSeconds: 3600, ratePerSecond: 100, rateBurst: 100 }, { knex: db.knex, keys: stores.apiKeys, logger: pino({ level: 'silent' }) }, c);
      return { auth, tenants: new TenantsService({ tenants: stores.tenants, keys: stores.apiKeys, audit: stores.audit, hashKey: auth.hashKey, authenticator: auth.authenticator }) };
    };

    it('stores only a keyed hash: the secret is nowhere in the database, and the two processes share the hash key', async () => {
      const a = await process();
      const b = await process();
      assert.ok(a.auth.hashKey.equals(b.auth.hashKey));
      const tenant = await createTenant(a.tenants, { name: 'Hashed' });
      const { secret } = await createKey(a.tenants, tenant.id, ['send']);
      assert.match(secret, /^pap_[a-z2-7]{16}_[A-Za-z0-9_-]{43}$/);
      const dump = JSON.stringify(await db.knex('api_keys').select('*'));
      assert.ok(!dump.includes(secret.split('_')[2]!), 'the secret part is not stored');
      assert.ok(await b.auth.authenticator.verify(secret));
      assert.equal(await b.auth.authenticator.verify(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`), null, 'one character off');
    });

    it('revokes a key at once in the other process, whose cache held it', async () => {
      const a = await process();
      const b = await process();
      const tenant = await createTenant(a.tenants, { name: 'Revoked' });
      const key = await createKey(a.tenants, tenant.id, ['send']);
      assert.ok(await b.auth.authenticator.verify(key.secret), 'cached in B');
      await a.tenants.revokeKey(commandLineCaller('test'), key.id);
      const ms = await settle(async () => (await b.auth.authenticator.verify(key.secret)) === null, 2000, 'B still accepts the revoked key');
      console.log(`      revocation felt in the other process after ${ms} ms`);
    });

    it('ends a mandate at once in the other process: the accountant no longer acts for its client', async () => {
      const a = await process();
      const b = await process();
      const client = await createTenant(a.tenants, { name: 'Client' });
      const accountant = await createTenant(a.tenants, { name: 'Accountant' });
      const key = await createKey(a.tenants, accountant.id, ['send', 'inbox']);
      const mandate = await grantMandate(a.tenants, client.id, accountant.id, ['send']);
      await settle(async () => (await b.auth.authenticator.verify(key.secret))!.can('send', client.id), 2000, 'B never saw the mandate');
      assert.equal((await b.auth.authenticator.verify(key.secret))!.can('inbox', client.id), false, 'only the scopes granted');
      await a.tenants.revokeMandate(commandLineCaller('test'), mandate);
      await settle(async () => !(await b.auth.authenticator.verify(key.secret))!.can('send', client.id), 2000, 'B still lets the accountant act for the client');
    });

    it('refuses an expired key once its time has come, though cached', async () => {
      const a = await process();
      const tenant = await createTenant(a.tenants, { name: 'Expiring' });
      const key = await createKey(a.tenants, tenant.id, ['send'], { expiresAt: new Date(Date.now() + 1500).toISOString() });
      assert.ok(await a.auth.authenticator.verify(key.secret));
      await new Promise((r) => setTimeout(r, 1600));
      assert.equal(await a.auth.authenticator.verify(key.secret), null);
    });
  });

  describe('over HTTP', () => {
    let api: DocumentsApi;
    before(async () => {
      api = await startDocumentsApi({ prefix: 'ap_auth_http', maxDocumentBytes: 4 * 1024 * 1024, auth: { ratePerSecond: 1, rateBurst: 3 } });
    });
    after(() => api?.close());

    it('answers 401 with WWW-Authenticate to a missing, malformed or unknown key, as a problem', async () => {
      for (const authorization of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not-a-key', `Bearer pap_${'a'.repeat(16)}_${'A'.repeat(43)}`]) {
        const res = await fetch(`${api.base}/api/v1/documents`, { headers: authorization ? { authorization } : {} });
        assert.equal(res.status, 401, String(authorization));
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="peppol-ap"');
        assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
        assert.equal(((await res.json()) as { code: string }).code, 'api.unauthorized');
      }
    });

    it('limits each key: past its burst 429 with Retry-After, while another key is not held up', async () => {
      const { secret } = await createKey(api.services.tenants, api.tenantId, ['send']);
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${api.base}/api/v1/documents?limit=1`, { headers: bearer(secret) });
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
        await res.arrayBuffer();
      }
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      assert.equal(retryAfter, '1');
      const { secret: other } = await createKey(api.services.tenants, api.tenantId, ['send']);
      assert.equal((await fetch(`${api.base}/api/v1/documents?limit=1`, { headers: bearer(other) })).status, 200);
    });

    it('records every request of an operator key in the audit log, with its address', async () => {
      const { secret } = await createKey(api.services.tenants, null, ['send', 'admin']);
      const res = await fetch(`${api.base}/api/v1/documents/00000000-0000-4000-8000-000000000000`, { headers: bearer(secret) });
      assert.equal(res.status, 404);
      await settle(async () => Boolean(await api.db.knex('audit_log').where({ action: 'GET /api/v1/documents/00000000-0000-4000-8000-000000000000' }).first()), 2000, 'not audited');
      const entry = await api.db.knex('audit_log').where({ action: 'GET /api/v1/documents/00000000-0000-4000-8000-000000000000' }).first();
      assert.match(entry.actor, /^operator:pap_/);
      assert.match(entry.remote_address, /127\.0\.0\.1/);
      await assert.rejects(api.db.knex('audit_log').where({ id: entry.id }).update({ action: 'x' }), /append-only|not allowed|audit/i);
    });
  });

  it('bootstraps from the command line: tenant, participant, key (secret printed once, listed never), revoke', async function () {
    this.timeout(120_000);
    const db = await createTestDatabase({ prefix: 'ap_auth_cli' });
    const dir = mkdtempSync(join(tmpdir(), 'ap-auth-cli-'));
    try {
      const env = { DATABASE_URL: db.url, API_KEY_HASH_KEY_FILE: join(dir, 'hash.key'), LOG_LEVEL: 'warn' };
      const cli = async (...args: string[]) => {
        const run = await runCliProcess(args, env);
        assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
        return JSON.parse(run.stdout);
      };
      const tenant = await cli('tenants', 'create', '--name', 'Stad Gent', '--enterprise-number', '0207451227');
      const added = await cli('tenants', 'add-participant', tenant.id, '0208:0207451227');
      assert.deepEqual(added, { tenantId: tenant.id, participant: 'iso6523-actorid-upis::0208:0207451227', added: true });
      const key = await cli('keys', 'create', '--tenant', tenant.id, '--scopes', 'send,inbox');
      assert.match(key.secret, /^pap_/);
      const listed = JSON.stringify(await cli('keys', 'list', '--tenant', tenant.id));
      assert.ok(listed.includes(key.id) && !listed.includes(key.secret) && !listed.includes('secret'));
      const operator = await cli('keys', 'create', '--operator', '--scopes', 'admin');
      assert.equal(operator.tenantId, null);
      const accountant = await cli('tenants', 'create', '--name', 'Boekhouder');
      const mandate = await cli('mandates', 'grant', '--from', tenant.id, '--to', accountant.id, '--scopes', 'send');
      assert.equal((await cli('mandates', 'revoke', mandate.id)).revokedAt !== null, true);
      assert.ok((await cli('keys', 'revoke', key.id)).revokedAt);
      const refused = await runCliProcess(['keys', 'create', '--tenant', tenant.id, '--scopes', 'everything'], env);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /'everything' is not a scope/);
      const audit = await db.knex('audit_log').orderBy('id').pluck('action');
      assert.deepEqual(audit, ['tenant.create', 'participant.assign', 'key.create', 'key.create', 'tenant.create', 'mandate.grant', 'mandate.revoke', 'key.revoke']);
    } finally {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
