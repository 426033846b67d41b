/**
 * Tenants and API keys for tests, made through the same service the CLI and API use: a tenant with its
 * participants, a key with scopes (its secret returned), a mandate; and the authentication parts of a
 * test server (a random hash key, a rate limit no test reaches unless it asks).
 */
import { randomBytes } from 'node:crypto';
import { authParts, type AuthParts } from '../../src/composition/auth.js';
import { Router } from 'express';
import { apiAuthentication, type Stores } from '../../src/composition/index.js';
import type { Scope } from '../../src/auth/principal.js';
import { commandLineCaller, type TenantRecord, type TenantsService } from '../../src/services/tenants.js';

const BY = commandLineCaller('test');

export function testAuth(stores: Pick<Stores, 'apiKeys'>, limits: { ratePerSecond?: number; rateBurst?: number } = {}): AuthParts {
  return authParts({ cacheSeconds: 60, ratePerSecond: limits.ratePerSecond ?? 100_000, rateBurst: limits.rateBurst ?? 100_000 }, randomBytes(32), stores.apiKeys);
}

/** A tenant owning `participants` (iso6523 `ICD:value` or with the scheme), added to the hosted participants when new. */
export async function createTenant(tenants: TenantsService, opts: { name: string; enterpriseNumber?: string; participants?: string[] }): Promise<TenantRecord> {
  const tenant = await tenants.create(BY, { name: opts.name, ...(opts.enterpriseNumber ? { enterpriseNumber: opts.enterpriseNumber } : {}) });
  for (const p of opts.participants ?? []) await tenants.addParticipant(BY, tenant.id, p);
  return tenant;
}

/** A key of `tenantId` (null: an operator key) with `scopes`; its secret and id. */
export async function createKey(tenants: TenantsService, tenantId: string | null, scopes: Scope[], opts: { expiresAt?: string } = {}): Promise<{ secret: string; id: string }> {
  const { key, secret } = await tenants.createKey(BY, { tenantId, scopes, expiresAt: opts.expiresAt ?? null });
  return { secret, id: key.id };
}

export async function grantMandate(tenants: TenantsService, from: string, to: string, scopes: Scope[], validUntil?: string): Promise<string> {
  return (await tenants.grantMandate(BY, { grantorTenantId: from, granteeTenantId: to, scopes, validUntil: validUntil ?? null })).id;
}

export const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });

/** The supplier's EndpointID of a UBL invoice or credit note, as `ICD:value` (what a tenant must own to send it); null without one. */
export function supplierOf(xml: string | Buffer): string | null {
  const m = /<cac:AccountingSupplierParty>[\s\S]*?<cbc:EndpointID[^>]*schemeID="([^"]+)"[^>]*>([^<]+)</.exec(xml.toString());
  return m ? `${m[1]}:${m[2]!.trim()}` : null;
}

/** `router` behind the API's authentication, as the server mounts it under /api/v1. */
export function authenticated(auth: AuthParts, stores: Pick<Stores, 'audit'>, router: Router): Router {
  return Router().use(apiAuthentication(auth, stores), router);
}

/** The Authorization header of a new tenant that owns `participants`, with the `send` and `inbox` scopes. */
export async function senderAuth(tenants: TenantsService, participants: string[]): Promise<Record<string, string>> {
  const tenant = await createTenant(tenants, { name: `Sender ${participants.join(', ')}`, participants });
  return bearer((await createKey(tenants, tenant.id, ['send', 'inbox'])).secret);
}
