/**
 * Console users and their sessions (migration 20261203_0100_console). A session is found by the SHA-256
 * of its token and read together with its user in one statement that also moves its last request time
 * on, so a session past its idle time-out is neither found nor extended.
 */
import type { Knex } from 'knex';

export type ConsoleRole = 'operator' | 'tenant-admin';

export interface ConsoleUserRecord {
  id: string;
  name: string;
  role: ConsoleRole;
  /** The tenant a tenant admin administers; null for an operator. */
  tenantId: string | null;
  createdAt: Date;
  disabledAt: Date | null;
}

export interface ConsoleSessionRecord {
  user: ConsoleUserRecord;
  csrfToken: string;
  createdAt: Date;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const userOf = (r: any): ConsoleUserRecord => ({ id: r.id, name: r.name, role: r.role, tenantId: r.tenant_id, createdAt: r.created_at, disabledAt: r.disabled_at });

const TOUCH = `
UPDATE console_sessions s SET last_seen_at = now()
FROM console_users u
WHERE s.token_sha256 = ? AND u.id = s.user_id AND u.disabled_at IS NULL AND s.last_seen_at > now() - make_interval(secs => ?)
RETURNING s.csrf_token, s.created_at AS session_created_at, u.*`;

export class PostgresConsoleStore {
  constructor(private readonly knex: Knex) {}

  async createUser(u: { name: string; passwordHash: string; role: ConsoleRole; tenantId: string | null }): Promise<ConsoleUserRecord> {
    const [row] = await this.knex('console_users').insert({ name: u.name, password_hash: u.passwordHash, role: u.role, tenant_id: u.tenantId }).returning('*');
    return userOf(row);
  }

  async setPassword(userId: string, passwordHash: string): Promise<boolean> {
    return (await this.knex('console_users').where({ id: userId }).update({ password_hash: passwordHash })) > 0;
  }

  async disable(userId: string): Promise<boolean> {
    const n = await this.knex('console_users').where({ id: userId }).whereNull('disabled_at').update({ disabled_at: this.knex.fn.now() });
    await this.knex('console_sessions').where({ user_id: userId }).delete();
    return n > 0;
  }

  async users(): Promise<ConsoleUserRecord[]> {
    return (await this.knex('console_users').orderBy('created_at')).map(userOf);
  }

  /** The user of this name (any case) with its password hash, enabled or not. */
  async byName(name: string): Promise<{ user: ConsoleUserRecord; passwordHash: string } | null> {
    const row = await this.knex('console_users').whereRaw('lower(name) = lower(?)', [name]).first();
    return row ? { user: userOf(row), passwordHash: row.password_hash } : null;
  }

  async byId(id: string): Promise<ConsoleUserRecord | null> {
    const row = await this.knex('console_users').where({ id }).first();
    return row ? userOf(row) : null;
  }

  async createSession(tokenSha256: Buffer, userId: string, csrfToken: string): Promise<void> {
    await this.knex('console_sessions').insert({ token_sha256: tokenSha256, user_id: userId, csrf_token: csrfToken });
  }

  /** The session and its enabled user, its last request moved to now; null when unknown or idle longer than `idleSeconds`. */
  async touchSession(tokenSha256: Buffer, idleSeconds: number): Promise<ConsoleSessionRecord | null> {
    const { rows } = await this.knex.raw(TOUCH, [tokenSha256, idleSeconds]);
    const r = rows[0];
    return r ? { user: userOf(r), csrfToken: r.csrf_token, createdAt: r.session_created_at } : null;
  }

  async deleteSession(tokenSha256: Buffer): Promise<void> {
    await this.knex('console_sessions').where({ token_sha256: tokenSha256 }).delete();
  }

  /** Sessions idle longer than `idleSeconds` are gone for good (run at each sign-in, a small indexed delete). */
  async deleteIdleSessions(idleSeconds: number): Promise<void> {
    await this.knex('console_sessions').whereRaw('last_seen_at <= now() - make_interval(secs => ?)', [idleSeconds]).delete();
  }
}
