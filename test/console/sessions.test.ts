/**
 * Console users and sessions (src/services/console-users.ts): scrypt hashes, sign-in and its audit,
 * the idle time-out, a disabled user's sessions, the tenant a tenant admin is bound to, and the first
 * operator made with `peppol-ap console-users create`, as the README tells.
 */
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword } from '../../src/auth/password.js';
import { ConsoleUsersService } from '../../src/services/console-users.js';
import { commandLineCaller } from '../../src/services/tenants.js';
import { PostgresAuditLog } from '../../src/store/audit-log.js';
import { PostgresConsoleStore } from '../../src/store/console.js';
import { PostgresTenantStore } from '../../src/store/tenants.js';
import { expectKind } from '../support/assert.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { runCliProcess } from '../support/process.js';

describe('console users and sessions', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  const cli = commandLineCaller('test');
  const service = (idleSeconds = 1800) =>
    new ConsoleUsersService({ store: new PostgresConsoleStore(db.knex), tenants: new PostgresTenantStore(db.knex), audit: new PostgresAuditLog(db.knex), idleSeconds });

  before(async () => {
    db = await createTestDatabase({ prefix: 'console_users' });
  });
  after(() => db?.drop());

  it('hashes passwords with scrypt and a salt of their own, and verifies only the right one', async () => {
    const [a, b] = [await hashPassword('a long enough secret'), await hashPassword('a long enough secret')];
    assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    assert.equal(await verifyPassword('a long enough secret', a), true);
    assert.equal(await verifyPassword('a long enough secreT', a), false);
    assert.equal(await verifyPassword('a long enough secret', 'scrypt$1$1$1$x$y'), false);
  });

  it('signs in with the right password only, audits both, and never keeps the token', async () => {
    const users = service();
    await users.create(cli, { name: 'ann', role: 'operator', tenantId: null, password: 'ann has a long password' });
    assert.equal(await users.signIn('ann', 'wrong password here', '127.0.0.9'), null);
    assert.equal(await users.signIn('nobody', 'ann has a long password', '127.0.0.9'), null);
    const signed = await users.signIn('ANN', 'ann has a long password', '127.0.0.9');
    assert.ok(signed);
    assert.equal(signed.session.principal.operator, true);
    assert.equal(signed.session.principal.actorFor(null), 'console:ann');
    assert.equal((await users.session(signed.token))?.user.name, 'ann');
    const rows = await db.knex('console_sessions').select('token_sha256');
    assert.ok(rows.every((r) => !String(r.token_sha256).includes(signed.token)));
    const actions = (await db.knex('audit_log').where('actor', 'like', 'console:%').orderBy('id')).map((r) => `${r.action} ${r.actor} ${r.remote_address}`);
    assert.deepEqual(actions, ['console.sign-in-failed console:ann 127.0.0.9', 'console.sign-in-failed console:nobody 127.0.0.9', 'console.sign-in console:ann 127.0.0.9']);
    await users.signOut(signed.token, signed.session, null);
    assert.equal(await users.session(signed.token), null);
  });

  it('ends a session idle longer than the time-out, and every session of a disabled user', async () => {
    const users = service(1);
    await users.create(cli, { name: 'idle', role: 'operator', tenantId: null, password: 'idle has a long password' });
    const first = (await users.signIn('idle', 'idle has a long password', null))!;
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(await users.session(first.token), null, 'idle too long');
    const second = (await users.signIn('idle', 'idle has a long password', null))!;
    assert.ok(await users.session(second.token));
    await users.disable(cli, 'idle');
    assert.equal(await users.session(second.token), null, 'disabled');
    assert.equal(await users.signIn('idle', 'idle has a long password', null), null);
  });

  it("binds a tenant admin to their tenant's documents only", async () => {
    const users = service();
    const tenant = await new PostgresTenantStore(db.knex).create({ name: 'Client BV', enterpriseNumber: '0123456749', countryCode: 'BE', sandbox: false });
    await expectKind(users.create(cli, { name: 'bad', role: 'operator', tenantId: tenant.id }), 'api.bad-request');
    await expectKind(users.create(cli, { name: 'short', role: 'operator', tenantId: null, password: 'short' }), 'api.bad-request');
    await users.create(cli, { name: 'carla', role: 'tenant-admin', tenantId: tenant.id, password: 'carla has a long password' });
    const { session } = (await users.signIn('carla', 'carla has a long password', null))!;
    assert.equal(session.principal.can('send', tenant.id), true);
    assert.equal(session.principal.can('inbox', '00000000-0000-4000-8000-000000000000'), false);
    await expectKind(users.create({ principal: session.principal, remoteAddress: null }, { name: 'x', role: 'operator', tenantId: null }), 'api.forbidden');
  });

  it('makes the first operator from the command line, printing a generated password once', async () => {
    const run = await runCliProcess(['console-users', 'create', 'first-operator', '--operator'], { DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
    assert.equal(run.code, 0, run.stderr);
    const printed = JSON.parse(run.stdout) as { name: string; role: string; password: string };
    assert.equal(printed.role, 'operator');
    assert.match(printed.password, /^[A-Za-z0-9_-]{20}$/);
    assert.ok(await service().signIn('first-operator', printed.password, null));
    const audit = await db.knex('audit_log').where({ action: 'console-user.create', target: 'first-operator' }).first();
    assert.match(audit.actor, /^operator:cli:/);
  });
});
