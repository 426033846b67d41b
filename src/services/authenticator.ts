/**
 * Authentication of API keys: the Bearer secret's lookup id finds the key (cached), its keyed hash proves
 * it, and the Principal carries the key's scopes and the mandates in force. A cached key costs one HMAC
 * and a map lookup (bench/api prints the figure). The cache forgets a key or a tenant's keys when told
 * (a revocation, in this process or, through the notification channel, in any other), and every entry
 * expires after `cacheTtlMs` in any case and no later than the key's or a mandate's end.
 */
import { hashApiKey, lookupIdOf, sameHash } from '../auth/api-key.js';
import { Principal, type Scope } from '../auth/principal.js';
import type { KeyForAuth, PostgresApiKeyStore } from '../store/api-keys.js';

interface Entry {
  found: { principal: Principal; hash: Buffer; tenantId: string | null } | null;
  until: number;
  /** When last_used_at was last written: once a minute at most, not a write per request. */
  touchedAt: number;
}

const TOUCH_EVERY_MS = 60_000;

/** Unknown lookup ids are remembered briefly too, so that guessing them does not cost a query each. */
const MISS_TTL_MS = 5_000;
const MAX_ENTRIES = 50_000;

export interface AuthenticatorDeps {
  keys: Pick<PostgresApiKeyStore, 'forAuth' | 'touch'>;
  hashKey: Buffer;
  cacheTtlMs: number;
  now?: () => number;
}

export class Authenticator {
  private readonly cache = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly deps: AuthenticatorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The caller a Bearer secret stands for, or null (malformed, unknown, revoked, expired). */
  async verify(secret: string): Promise<Principal | null> {
    const lookupId = lookupIdOf(secret);
    if (!lookupId) return null;
    const now = this.now();
    let entry = this.cache.get(lookupId);
    if (!entry || entry.until <= now) {
      entry = this.entryOf(await this.deps.keys.forAuth(lookupId), now);
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      this.cache.set(lookupId, entry);
    }
    const found = entry.found;
    if (!found || !sameHash(found.hash, hashApiKey(this.deps.hashKey, secret))) return null;
    if (now - entry.touchedAt >= TOUCH_EVERY_MS) {
      entry.touchedAt = now;
      void this.deps.keys.touch(found.principal.keyId).catch(() => {});
    }
    return found.principal;
  }

  /** Drops cached keys: `key:<id>`, `tenant:<id>` (its keys), or anything else: every key. */
  forget(what: string): void {
    const [kind, id] = what.split(':');
    for (const [lookupId, e] of this.cache) {
      if (kind === 'key' ? e.found?.principal.keyId === id : kind === 'tenant' ? e.found?.tenantId === id : true) this.cache.delete(lookupId);
    }
  }

  private entryOf(row: KeyForAuth | null, now: number): Entry {
    if (!row || (row.key.expiresAt && row.key.expiresAt.getTime() <= now)) return { found: null, until: now + MISS_TTL_MS, touchedAt: 0 };
    const { key } = row;
    let until = now + this.deps.cacheTtlMs;
    if (key.expiresAt) until = Math.min(until, key.expiresAt.getTime());
    const mandates = new Map<string, Scope[]>();
    for (const m of row.mandates) {
      if (m.validUntil) until = Math.min(until, m.validUntil.getTime());
      mandates.set(m.grantorTenantId, [...(mandates.get(m.grantorTenantId) ?? []), ...m.scopes]);
    }
    const principal = new Principal({ keyId: key.id, lookupId: key.lookupId, tenantId: key.tenantId, scopes: key.scopes, mandates });
    return { found: { principal, hash: row.secretHash, tenantId: key.tenantId }, until, touchedAt: -Infinity };
  }
}
