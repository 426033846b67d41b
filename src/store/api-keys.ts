/**
 * API keys and mandates, as authentication reads them: one statement finds a key by its lookup id with
 * the mandates its tenant holds now. Every change that can take a right away (revoking a key or a
 * mandate) notifies AUTH_CHANNEL in its transaction, so every process drops its cached keys at once.
 */
import type { Knex } from 'knex';
import { isUuid } from './uuid.js';
import type { Scope } from '../auth/principal.js';

export const AUTH_CHANNEL = 'auth_changed';

export interface ApiKeyRecord {
  id: string;
  tenantId: string | null;
  name: string;
  lookupId: string;
  scopes: Scope[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  createdBy: string;
}

export interface MandateRecord {
  id: string;
  grantorTenantId: string;
  granteeTenantId: string;
  scopes: Scope[];
  validUntil: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  createdBy: string;
}

/** A key as authentication needs it: its hash, and the mandates in force for its tenant. */
export interface KeyForAuth {
  key: ApiKeyRecord;
  secretHash: Buffer;
  mandates: Array<{ grantorTenantId: string; scopes: Scope[]; validUntil: Date | null }>;
}

interface KeyRow {
  id: string;
  tenant_id: string | null;
  name: string;
  lookup_id: string;
  scopes: Scope[];
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  created_by: string;
}

interface MandateRow {
  id: string;
  grantor_tenant_id: string;
  grantee_tenant_id: string;
  scopes: Scope[];
  valid_until: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  created_by: string;
}

const keyOf = (r: KeyRow): ApiKeyRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  lookupId: r.lookup_id,
  scopes: r.scopes,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

const mandateOf = (r: MandateRow): MandateRecord => ({
  id: r.id,
  grantorTenantId: r.grantor_tenant_id,
  granteeTenantId: r.grantee_tenant_id,
  scopes: r.scopes,
  validUntil: r.valid_until,
  revokedAt: r.revoked_at,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

const KEY_COLUMNS = ['id', 'tenant_id', 'name', 'lookup_id', 'scopes', 'expires_at', 'last_used_at', 'revoked_at', 'created_at', 'created_by'];

const notifyChanged = (tx: Knex | Knex.Transaction, what: string) => tx.raw('SELECT pg_notify(?, ?)', [AUTH_CHANNEL, what]);

export class PostgresApiKeyStore {
  constructor(private readonly knex: Knex) {}

  async create(k: { tenantId: string | null; name: string; lookupId: string; secretHash: Buffer; scopes: readonly Scope[]; expiresAt: Date | null; createdBy: string }): Promise<ApiKeyRecord> {
    const [row] = await this.knex('api_keys')
      .insert({
        tenant_id: k.tenantId,
        name: k.name,
        lookup_id: k.lookupId,
        secret_hash: k.secretHash,
        scopes: [...k.scopes],
        expires_at: k.expiresAt,
        created_by: k.createdBy,
      })
      .returning<KeyRow[]>(KEY_COLUMNS);
    return keyOf(row!);
  }

  /** The key with this lookup id, unless revoked, with its tenant's mandates in force now. */
  async forAuth(lookupId: string): Promise<KeyForAuth | null> {
    const row = await this.knex('api_keys').where({ lookup_id: lookupId }).whereNull('revoked_at').first<(KeyRow & { secret_hash: Buffer }) | undefined>([...KEY_COLUMNS, 'secret_hash']);
    if (!row) return null;
    const mandates = row.tenant_id
      ? await this.knex<MandateRow>('mandates')
          .where({ grantee_tenant_id: row.tenant_id })
          .whereNull('revoked_at')
          .where((q) => q.whereNull('valid_until').orWhere('valid_until', '>', this.knex.fn.now()))
          .select('grantor_tenant_id', 'scopes', 'valid_until')
      : [];
    return {
      key: keyOf(row),
      secretHash: row.secret_hash,
      mandates: mandates.map((m) => ({ grantorTenantId: m.grantor_tenant_id, scopes: m.scopes, validUntil: m.valid_until })),
    };
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    if (!isUuid(id)) return null;
    const row = await this.knex('api_keys').where({ id }).first<KeyRow | undefined>(KEY_COLUMNS);
    return row ? keyOf(row) : null;
  }

  /** The keys of `tenantId` (null: the operator keys), newest first. */
  async list(tenantId: string | null): Promise<ApiKeyRecord[]> {
    const q = this.knex('api_keys').select<KeyRow[]>(KEY_COLUMNS).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
    if (tenantId === null) q.whereNull('tenant_id');
    else q.where({ tenant_id: tenantId });
    return (await q).map(keyOf);
  }

  /** Revokes the key (false if it was revoked already or does not exist); every process forgets it at once. */
  async revoke(id: string): Promise<boolean> {
    return this.knex.transaction(async (tx) => {
      const n = await tx('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: tx.fn.now() });
      if (n) await notifyChanged(tx, `key:${id}`);
      return n > 0;
    });
  }

  /** Records use, at most once a minute per key so that busy keys do not write on every request. */
  async touch(id: string): Promise<void> {
    await this.knex('api_keys')
      .where({ id })
      .where((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', this.knex.raw("now() - interval '1 minute'")))
      .update({ last_used_at: this.knex.fn.now() });
  }

  async grantMandate(m: { grantorTenantId: string; granteeTenantId: string; scopes: readonly Scope[]; validUntil: Date | null; createdBy: string }): Promise<MandateRecord> {
    return this.knex.transaction(async (tx) => {
      const [row] = await tx<MandateRow>('mandates')
        .insert({ grantor_tenant_id: m.grantorTenantId, grantee_tenant_id: m.granteeTenantId, scopes: [...m.scopes], valid_until: m.validUntil, created_by: m.createdBy })
        .returning('*');
      await notifyChanged(tx, `tenant:${m.granteeTenantId}`);
      return mandateOf(row!);
    });
  }

  async mandate(id: string): Promise<MandateRecord | null> {
    if (!isUuid(id)) return null;
    const row = await this.knex<MandateRow>('mandates').where({ id }).first();
    return row ? mandateOf(row) : null;
  }

  /** Mandates given by or to `tenantIds` ('all': every one), newest first. */
  async mandates(tenantIds: readonly string[] | 'all'): Promise<MandateRecord[]> {
    const q = this.knex<MandateRow>('mandates').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
    if (tenantIds !== 'all') q.where((w) => w.whereIn('grantor_tenant_id', [...tenantIds]).orWhereIn('grantee_tenant_id', [...tenantIds]));
    return (await q).map(mandateOf);
  }

  async revokeMandate(id: string): Promise<boolean> {
    return this.knex.transaction(async (tx) => {
      const rows = await tx<MandateRow>('mandates').where({ id }).whereNull('revoked_at').update({ revoked_at: tx.fn.now() }).returning('grantee_tenant_id');
      if (rows.length) await notifyChanged(tx, `tenant:${rows[0]!.grantee_tenant_id}`);
      return rows.length > 0;
    });
  }
}
