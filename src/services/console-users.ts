/**
 * Console users and sessions: people sign in to the operator console with a name and a password (scrypt,
 * src/auth/password.ts). A user is an operator (every tenant) or one tenant's admin (that tenant only);
 * a signed-in session carries the same Principal the API's keys do, so every use case applies the same
 * tenant rules to a person as to a key. Users are created from the command line by an operator
 * (`peppol-ap console-users create`); every sign-in, failed sign-in, sign-out and action is audited.
 *
 * The session token (256 random bits) lives only in the browser's cookie; the database keeps its SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from '../auth/password.js';
import { Principal, SCOPES } from '../auth/principal.js';
import { ApError } from '../errors.js';
import type { PostgresAuditLog } from '../store/audit-log.js';
import type { ConsoleRole, ConsoleUserRecord, PostgresConsoleStore } from '../store/console.js';
import type { PostgresTenantStore } from '../store/tenants.js';
import type { Caller } from './tenants.js';

export type { ConsoleRole, ConsoleUserRecord };

/** A signed-in person: who, what they may touch, and the token every form of theirs must carry. */
export interface ConsoleSession {
  user: ConsoleUserRecord;
  principal: Principal;
  csrfToken: string;
}

export interface ConsoleUsersDeps {
  store: PostgresConsoleStore;
  tenants: Pick<PostgresTenantStore, 'get'>;
  audit: PostgresAuditLog;
  /** Seconds without a request after which a session ends (CONSOLE_IDLE_TIMEOUT_MINUTES). */
  idleSeconds: number;
}

const NAME = /^[A-Za-z0-9._@-]{1,100}$/;
const sha256 = (token: string) => createHash('sha256').update(token).digest();
// A hash to verify against when the name is unknown, so that the answer takes as long either way.
const NO_USER = hashPassword(generatePassword());

export function principalOf(user: ConsoleUserRecord): Principal {
  return new Principal({ keyId: `console:${user.id}`, lookupId: `console:${user.name}`, tenantId: user.tenantId, scopes: SCOPES, actor: `console:${user.name}` });
}

export class ConsoleUsersService {
  constructor(private readonly deps: ConsoleUsersDeps) {}

  /** An operator creates a user; without `password` one is generated and returned once. */
  async create(by: Caller, input: { name: string; role: ConsoleRole; tenantId: string | null; password?: string }): Promise<{ user: ConsoleUserRecord; password: string }> {
    if (!by.principal.operator) throw new ApError('api.forbidden', 'Only operators create console users');
    if (!NAME.test(input.name)) throw new ApError('api.bad-request', 'A console user name is 1 to 100 letters, digits or . _ @ -');
    if ((input.role === 'operator') !== (input.tenantId === null)) throw new ApError('api.bad-request', 'An operator has no tenant; a tenant admin has exactly one');
    if (input.tenantId !== null && !(await this.deps.tenants.get(input.tenantId))) throw new ApError('api.not-found', `No tenant ${input.tenantId}`);
    const password = input.password ?? generatePassword();
    const problem = passwordProblem(password);
    if (problem) throw new ApError('api.bad-request', problem);
    if (await this.deps.store.byName(input.name)) throw new ApError('api.conflict', `A console user named ${input.name} exists already`);
    const user = await this.deps.store.createUser({ name: input.name, passwordHash: await hashPassword(password), role: input.role, tenantId: input.tenantId });
    await this.audit(by.principal, by.remoteAddress, 'console-user.create', user.name, { role: user.role }, user.tenantId);
    return { user, password };
  }

  async list(by: Caller): Promise<ConsoleUserRecord[]> {
    if (!by.principal.operator) throw new ApError('api.forbidden', 'Only operators list console users');
    return this.deps.store.users();
  }

  /** A new password for `name` (generated when not given, returned once); the user's sessions stay. */
  async resetPassword(by: Caller, name: string, password?: string): Promise<{ user: ConsoleUserRecord; password: string }> {
    if (!by.principal.operator) throw new ApError('api.forbidden', 'Only operators reset passwords');
    const found = await this.deps.store.byName(name);
    if (!found) throw new ApError('api.not-found', `No console user named ${name}`);
    const next = password ?? generatePassword();
    const problem = passwordProblem(next);
    if (problem) throw new ApError('api.bad-request', problem);
    await this.deps.store.setPassword(found.user.id, await hashPassword(next));
    await this.audit(by.principal, by.remoteAddress, 'console-user.reset-password', found.user.name, null, found.user.tenantId);
    return { user: found.user, password: next };
  }

  /** Disables `name` and ends its sessions. */
  async disable(by: Caller, name: string): Promise<ConsoleUserRecord> {
    if (!by.principal.operator) throw new ApError('api.forbidden', 'Only operators disable console users');
    const found = await this.deps.store.byName(name);
    if (!found) throw new ApError('api.not-found', `No console user named ${name}`);
    await this.deps.store.disable(found.user.id);
    await this.audit(by.principal, by.remoteAddress, 'console-user.disable', found.user.name, null, found.user.tenantId);
    return found.user;
  }

  /** A new session for the right name and password (its token for the cookie), else null; both audited. */
  async signIn(name: string, password: string, remoteAddress: string | null): Promise<{ token: string; session: ConsoleSession } | null> {
    const found = NAME.test(name) ? await this.deps.store.byName(name) : null;
    const ok = await verifyPassword(password, found?.passwordHash ?? (await NO_USER));
    if (!found || !ok || found.user.disabledAt) {
      await this.deps.audit.append({ actor: `console:${NAME.test(name) ? name : '?'}`, actorTenantId: found?.user.tenantId ?? null, onBehalfOfTenantId: null, action: 'console.sign-in-failed', target: null, remoteAddress });
      return null;
    }
    await this.deps.store.deleteIdleSessions(this.deps.idleSeconds);
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    await this.deps.store.createSession(sha256(token), found.user.id, csrfToken);
    const principal = principalOf(found.user);
    await this.audit(principal, remoteAddress, 'console.sign-in', null, null, found.user.tenantId);
    return { token, session: { user: found.user, principal, csrfToken } };
  }

  /** The session of a cookie's token, its idle clock restarted; null when unknown, idle too long or its user disabled. */
  async session(token: string): Promise<ConsoleSession | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const found = await this.deps.store.touchSession(sha256(token), this.deps.idleSeconds);
    return found ? { user: found.user, principal: principalOf(found.user), csrfToken: found.csrfToken } : null;
  }

  async signOut(token: string, session: ConsoleSession, remoteAddress: string | null): Promise<void> {
    await this.deps.store.deleteSession(sha256(token));
    await this.audit(session.principal, remoteAddress, 'console.sign-out', null, null, session.user.tenantId);
  }

  /** An entry in the audit log for something a signed-in person did. */
  async recordAction(session: ConsoleSession, remoteAddress: string | null, action: string, target: string | null, tenantId: string | null, details?: Record<string, unknown>): Promise<void> {
    await this.audit(session.principal, remoteAddress, action, target, details ?? null, tenantId);
  }

  private async audit(p: Principal, remoteAddress: string | null, action: string, target: string | null, details: Record<string, unknown> | null, tenantId: string | null): Promise<void> {
    await this.deps.audit.append({ actor: p.actorFor(tenantId), actorTenantId: p.tenantId, onBehalfOfTenantId: tenantId, action, target, remoteAddress, details });
  }
}
