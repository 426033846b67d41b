/**
 * Tenants, their participants, API keys and mandates: the one place their rules live, for the CLI
 * (bootstrap, as an operator) and the API (operators, and each tenant's own admins). Every change is
 * written to the audit log with who made it, for which tenant and from where.
 *
 * Rights: an operator key with `admin` does anything. A tenant key with `admin` manages its own tenant:
 * its keys, the mandates it grants, and participants carrying its own enterprise number (0208 and 9925
 * forms); a participant under another scheme is given to a tenant by an operator, since nothing here
 * proves who holds it. A mandate may be ended by either side.
 */
import { generateApiKey, hashApiKey } from '../auth/api-key.js';
import { isScope, Principal, SCOPES, type Scope } from '../auth/principal.js';
import { ApError } from '../errors.js';
import { belgianEnterpriseNumber, parseParticipantId, type ParticipantIdentifier } from '../peppol/identifiers.js';
import type { ApiKeyRecord, MandateRecord, PostgresApiKeyStore } from '../store/api-keys.js';
import type { AuditEntry, AuditRecord, PostgresAuditLog } from '../store/audit-log.js';
import type { PostgresTenantStore, TenantRecord } from '../store/tenants.js';
import type { Authenticator } from './authenticator.js';

export type { ApiKeyRecord, AuditEntry, AuditRecord, MandateRecord, TenantRecord };

/** Who asks, and from which address (null: the command line). */
export interface Caller {
  principal: Principal;
  remoteAddress: string | null;
}

/** The command line acts as an operator with every scope, recorded under the local user's name. */
export function commandLineCaller(user: string): Caller {
  return { principal: new Principal({ keyId: 'cli', lookupId: `cli:${user}`, tenantId: null, scopes: SCOPES }), remoteAddress: null };
}

export interface TenantsServiceDeps {
  tenants: PostgresTenantStore;
  keys: PostgresApiKeyStore;
  audit: PostgresAuditLog;
  hashKey: Buffer;
  /** This process's authenticator, told of revocations at once (other processes hear of them by notification). */
  authenticator?: Pick<Authenticator, 'forget'>;
}

const ENTERPRISE_NUMBER = /^\d{10}$/;

const invalid = (field: string, message: string): never => {
  throw new ApError('api.bad-request', message, { field });
};

export function parseScopes(input: unknown, field = 'scopes'): Scope[] {
  if (!Array.isArray(input) || input.length === 0) invalid(field, `${field} must be a non-empty list of: ${SCOPES.join(', ')}`);
  const scopes = input as unknown[];
  for (const s of scopes) if (typeof s !== 'string' || !isScope(s)) invalid(field, `${field}: '${String(s)}' is not a scope (${SCOPES.join(', ')})`);
  return [...new Set(scopes as Scope[])];
}

function futureDate(field: string, text: string | null | undefined): Date | null {
  if (text === undefined || text === null) return null;
  const d = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime())) invalid(field, `${field} '${text}' is not an ISO date-time`);
  if (d.getTime() <= Date.now()) invalid(field, `${field} ${text} is in the past`);
  return d;
}

export class TenantsService {
  constructor(private readonly deps: TenantsServiceDeps) {}

  async create(by: Caller, input: { name?: unknown; enterpriseNumber?: unknown; countryCode?: unknown; sandbox?: boolean }): Promise<TenantRecord> {
    this.requireOperator(by);
    if (typeof input.name !== 'string' || !input.name.trim()) invalid('name', 'name is required');
    const enterpriseNumber = input.enterpriseNumber ?? null;
    if (enterpriseNumber !== null && (typeof enterpriseNumber !== 'string' || !ENTERPRISE_NUMBER.test(enterpriseNumber))) {
      invalid('enterpriseNumber', 'enterpriseNumber must be the ten digits of the enterprise number, e.g. 0123456749');
    }
    const countryCode = input.countryCode ?? null;
    if (countryCode !== null && (typeof countryCode !== 'string' || !/^[A-Z]{2}$/.test(countryCode))) invalid('countryCode', 'countryCode must be two upper-case letters');
    const tenant = await this.deps.tenants.create({
      name: (input.name as string).trim(),
      enterpriseNumber: enterpriseNumber as string | null,
      countryCode: countryCode as string | null,
      sandbox: input.sandbox ?? false,
    });
    await this.audit(by, tenant.id, 'tenant.create', tenant.id, { name: tenant.name });
    return tenant;
  }

  /**
   * Sets a tenant's country: the C4 country of what its participants receive, in the monthly reports
   * (a receiver of no known country is listed by `GET /reports` until this is done). Operators only.
   */
  async setCountry(by: Caller, id: string, countryCode: unknown): Promise<TenantRecord> {
    this.requireOperator(by);
    if (typeof countryCode !== 'string' || !/^[A-Z]{2}$/.test(countryCode)) invalid('countryCode', 'countryCode must be two upper-case letters');
    const tenant = await this.deps.tenants.setCountry(id, countryCode as string);
    if (!tenant) throw new ApError('api.not-found', `Tenant ${id} not found`);
    await this.audit(by, tenant.id, 'tenant.set-country', tenant.id, { countryCode });
    return tenant;
  }

  /** The tenants the caller may see: its own and those that gave it a mandate (an operator: all). */
  list(by: Caller): Promise<TenantRecord[]> {
    return this.deps.tenants.list(this.visible(by.principal));
  }

  async get(by: Caller, id: string): Promise<TenantRecord> {
    const visible = this.visible(by.principal);
    const tenant = visible === 'all' || visible.includes(id) ? await this.deps.tenants.get(id) : null;
    if (!tenant) throw new ApError('api.not-found', `Tenant ${id} not found`);
    return tenant;
  }

  async participants(by: Caller, tenantId: string): Promise<ParticipantIdentifier[]> {
    await this.get(by, tenantId);
    return (await this.deps.tenants.participants([tenantId])).map((p) => p.participant);
  }

  /** Gives a participant (added to the hosted participants if new) to the tenant. */
  async addParticipant(by: Caller, tenantId: string, participantText: unknown, name: string | null = null): Promise<{ participant: ParticipantIdentifier; added: boolean }> {
    if (typeof participantText !== 'string') invalid('participant', 'participant is required');
    const participant = parseParticipantId(participantText as string);
    const tenant = await this.checkClaim(by, tenantId, participant);
    const { added } = await this.deps.tenants.assignParticipant(tenant.id, participant, name);
    await this.audit(by, tenant.id, 'participant.assign', participant.value, { added });
    return { participant, added };
  }

  /**
   * The tenant `participant` may be given to by this caller (before anything is registered): one it has
   * `participants` for, and, unless an operator, only a participant carrying the tenant's enterprise number.
   */
  async checkClaim(by: Caller, tenantId: string, participant: ParticipantIdentifier): Promise<TenantRecord> {
    const tenant = await this.manageable(by, tenantId, 'participants');
    if (!by.principal.operator) {
      const carried = belgianEnterpriseNumber(participant);
      if (!carried || carried !== tenant.enterpriseNumber) {
        throw new ApError('api.forbidden', `Participant ${participant.value} does not carry this tenant's enterprise number (${tenant.enterpriseNumber ?? 'none recorded'}); an operator can assign it`);
      }
    }
    const owner = await this.deps.tenants.tenantOfParticipant(participant.value);
    if (owner !== null && owner !== tenant.id) throw new ApError('api.conflict', `Participant ${participant.value} belongs to another tenant`);
    return tenant;
  }

  /** The tenant of a hosted participant the caller has `participants` for; any other is not found. */
  async participantTenant(by: Caller, participant: ParticipantIdentifier): Promise<string | null> {
    const tenantId = await this.deps.tenants.tenantOfParticipant(participant.value);
    if (!by.principal.can('participants', tenantId)) throw new ApError('api.not-found', `Participant ${participant.value} is not hosted here`);
    return tenantId;
  }

  /** The participant values (lower case) of the tenants the caller has `participants` for; 'all' for an operator. */
  async manageableParticipants(by: Caller): Promise<Set<string> | 'all'> {
    const tenants = by.principal.tenantsFor('participants');
    if (tenants === 'all') return 'all';
    return new Set((await this.deps.tenants.participants(tenants)).map((p) => p.participant.value.toLowerCase()));
  }

  /** A new key: the secret is in the answer and nowhere else. `tenantId` null: an operator key. */
  async createKey(by: Caller, input: { tenantId: string | null; name?: unknown; scopes: unknown; expiresAt?: string | null }): Promise<{ key: ApiKeyRecord; secret: string }> {
    if (input.tenantId === null) this.requireOperator(by);
    else await this.ownAdmin(by, input.tenantId);
    const scopes = parseScopes(input.scopes);
    if (input.name !== undefined && (typeof input.name !== 'string' || input.name.length > 200)) invalid('name', 'name must be text of at most 200 characters');
    const { secret, lookupId } = generateApiKey();
    const key = await this.deps.keys.create({
      tenantId: input.tenantId,
      name: (input.name as string | undefined) ?? lookupId,
      lookupId,
      secretHash: hashApiKey(this.deps.hashKey, secret),
      scopes,
      expiresAt: futureDate('expiresAt', input.expiresAt),
      createdBy: by.principal.actorFor(input.tenantId),
    });
    await this.audit(by, input.tenantId, 'key.create', key.lookupId, { scopes, expiresAt: key.expiresAt?.toISOString() ?? null });
    return { key, secret };
  }

  async keys(by: Caller, tenantId: string | null): Promise<ApiKeyRecord[]> {
    if (tenantId === null) this.requireOperator(by);
    else await this.ownAdmin(by, tenantId);
    return this.deps.keys.list(tenantId);
  }

  /** Revokes a key of a tenant the caller administers (an operator: any); it stops working at once. */
  async revokeKey(by: Caller, keyId: string): Promise<ApiKeyRecord> {
    const key = await this.deps.keys.get(keyId);
    const allowed = key && (by.principal.operator ? by.principal.scopes.has('admin') : key.tenantId !== null && by.principal.tenantId === key.tenantId && by.principal.scopes.has('admin'));
    if (!key || !allowed) throw new ApError('api.not-found', `API key ${keyId} not found`);
    if (!(await this.deps.keys.revoke(key.id))) throw new ApError('api.conflict', `API key ${key.lookupId} is revoked already`);
    this.deps.authenticator?.forget(`key:${key.id}`);
    await this.audit(by, key.tenantId, 'key.revoke', key.lookupId);
    return (await this.deps.keys.get(key.id))!;
  }

  /** The grantor's admin lets the grantee act for it within `scopes` (until `validUntil`). */
  async grantMandate(by: Caller, input: { grantorTenantId: string; granteeTenantId: unknown; scopes: unknown; validUntil?: string | null }): Promise<MandateRecord> {
    await this.ownAdmin(by, input.grantorTenantId);
    if (typeof input.granteeTenantId !== 'string') invalid('granteeTenantId', 'granteeTenantId is required');
    const grantee = await this.deps.tenants.get(input.granteeTenantId as string).catch(() => null);
    if (!grantee) throw new ApError('api.not-found', `Tenant ${String(input.granteeTenantId)} not found`);
    if (grantee.id === input.grantorTenantId) invalid('granteeTenantId', 'A tenant cannot give a mandate to itself');
    const scopes = parseScopes(input.scopes);
    if (scopes.includes('admin')) invalid('scopes', "A mandate cannot carry the 'admin' scope: the grantor keeps the administration of its tenant");
    const mandate = await this.deps.keys.grantMandate({
      grantorTenantId: input.grantorTenantId,
      granteeTenantId: grantee.id,
      scopes,
      validUntil: futureDate('validUntil', input.validUntil),
      createdBy: by.principal.actorFor(input.grantorTenantId),
    });
    this.deps.authenticator?.forget(`tenant:${grantee.id}`);
    await this.audit(by, input.grantorTenantId, 'mandate.grant', mandate.id, { grantee: grantee.id, scopes, validUntil: mandate.validUntil?.toISOString() ?? null });
    return mandate;
  }

  async mandates(by: Caller, tenantId: string): Promise<MandateRecord[]> {
    await this.ownAdmin(by, tenantId);
    return this.deps.keys.mandates([tenantId]);
  }

  /** Ends a mandate at once; either side's admin (or an operator) may. */
  async revokeMandate(by: Caller, id: string): Promise<MandateRecord> {
    const m = await this.deps.keys.mandate(id).catch(() => null);
    const p = by.principal;
    const allowed = m && p.scopes.has('admin') && (p.operator || p.tenantId === m.grantorTenantId || p.tenantId === m.granteeTenantId);
    if (!m || !allowed) throw new ApError('api.not-found', `Mandate ${id} not found`);
    if (!(await this.deps.keys.revokeMandate(m.id))) throw new ApError('api.conflict', `Mandate ${id} is revoked already`);
    this.deps.authenticator?.forget(`tenant:${m.granteeTenantId}`);
    await this.audit(by, m.grantorTenantId, 'mandate.revoke', m.id, { grantee: m.granteeTenantId });
    return (await this.deps.keys.mandate(m.id))!;
  }

  /** The audit log: an operator's whole, a tenant admin's about its tenant. */
  async auditLog(by: Caller, opts: { limit: number; before?: number }): Promise<AuditRecord[]> {
    const p = by.principal;
    if (!p.scopes.has('admin')) throw new ApError('api.forbidden', "This API key lacks the 'admin' scope");
    return this.deps.audit.list(p.operator ? 'all' : [p.tenantId!], opts);
  }

  private visible(p: Principal): readonly string[] | 'all' {
    if (p.operator) return 'all';
    return [...new Set(SCOPES.flatMap((s) => p.tenantsFor(s) as readonly string[]))].concat(p.tenantId ? [p.tenantId] : []);
  }

  private requireOperator(by: Caller): void {
    if (!by.principal.operator || !by.principal.scopes.has('admin')) throw new ApError('api.forbidden', 'Only an operator key with the admin scope may do this');
  }

  /** The tenant, which the caller administers itself (an operator: any). Others' tenants are not found. */
  private async ownAdmin(by: Caller, tenantId: string): Promise<TenantRecord> {
    const tenant = await this.get(by, tenantId);
    const p = by.principal;
    if (!p.scopes.has('admin') || (!p.operator && p.tenantId !== tenant.id)) throw new ApError('api.forbidden', `Only an admin key of tenant ${tenant.id} may do this`);
    return tenant;
  }

  /** The tenant, for a change needing `scope` (its own admin, a mandate holder with the scope, or an operator). */
  private async manageable(by: Caller, tenantId: string, scope: Scope): Promise<TenantRecord> {
    const tenant = await this.get(by, tenantId);
    if (!by.principal.can(scope, tenant.id)) throw new ApError('api.forbidden', `This API key lacks the '${scope}' scope for tenant ${tenant.id}`);
    return tenant;
  }

  private async audit(by: Caller, tenantId: string | null, action: string, target: string | null, details?: Record<string, unknown>): Promise<void> {
    await this.deps.audit.append({
      actor: by.principal.actorFor(tenantId),
      actorTenantId: by.principal.tenantId,
      onBehalfOfTenantId: tenantId,
      action,
      target,
      remoteAddress: by.remoteAddress,
      details: details ?? null,
    });
  }
}
