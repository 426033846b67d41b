/**
 * Tenants, their participants, API keys and mandates, and the audit log, over the API (the CLI offers
 * the same operations to operators):
 *   GET  /tenants                          the caller's tenant, those that gave it a mandate (operator: all)
 *   POST /tenants                          { name, enterpriseNumber?, countryCode? }   operator only
 *   GET  /tenants/{tenantId}
 *   GET  /tenants/{tenantId}/participants
 *   POST /tenants/{tenantId}/participants  { participant, name? }
 *   GET  /tenants/{tenantId}/keys          POST { name?, scopes, expiresAt? }: the secret is in this answer only
 *   DELETE /keys/{keyId}                   revoked at once, in every process
 *   GET  /tenants/{tenantId}/mandates      POST { granteeTenantId, scopes, validUntil? }
 *   DELETE /mandates/{mandateId}           either side may end it
 *   GET  /audit?limit=&before=             the audit log of the caller's tenant (operator: all)
 * The rules are the service's (src/services/tenants.ts); this file only reads requests and shapes answers.
 */
import express, { Router, type Request } from 'express';
import { ApError } from '../errors.js';
import type { ApiKeyRecord, Caller, TenantsService } from '../services/tenants.js';
import { uuidParam } from './params.js';
import { callerOf, principalWith } from './principal.js';
import { SCOPES } from '../auth/principal.js';
import { noStore } from './response-headers.js';

export interface TenantsApiDeps {
  tenants: TenantsService;
}

const MAX_AUDIT_PAGE = 500;

/** Any key may ask; the service decides from its scopes and tenants. */
const caller = (req: Request): Caller => callerOf(principalWith(req, ...SCOPES), req);

function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw new ApError('api.bad-request', 'A JSON object is expected (Content-Type: application/json)');
  return b as Record<string, unknown>;
}

const optionalText = (b: Record<string, unknown>, name: string): string | null => {
  const v = b[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new ApError('api.bad-request', `${name} must be a string`, { field: name });
  return v;
};

const keyJson = (k: ApiKeyRecord) => ({
  id: k.id,
  tenantId: k.tenantId,
  name: k.name,
  prefix: k.lookupId,
  scopes: k.scopes,
  expiresAt: k.expiresAt?.toISOString() ?? null,
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
  createdAt: k.createdAt.toISOString(),
  createdBy: k.createdBy,
});

function limitOf(req: Request): { limit: number; before?: number } {
  const { limit, before } = req.query;
  const n = limit === undefined ? 100 : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > MAX_AUDIT_PAGE) throw new ApError('api.bad-request', `limit must be a whole number from 1 to ${MAX_AUDIT_PAGE}`);
  if (before === undefined) return { limit: n };
  const b = Number(before);
  if (!Number.isSafeInteger(b) || b < 1) throw new ApError('api.bad-request', 'before must be an audit entry id');
  return { limit: n, before: b };
}

export function tenantsRouter(deps: TenantsApiDeps): Router {
  const { tenants } = deps;
  const router = Router();
  router.use(['/tenants', '/keys', '/mandates', '/audit'], noStore, express.json({ limit: '64kb' }));
  uuidParam(router, 'tenantId', 'tenant');
  uuidParam(router, 'keyId', 'API key');
  uuidParam(router, 'mandateId', 'mandate');

  router.get('/tenants', async (req, res) => {
    res.json({ tenants: await tenants.list(caller(req)) });
  });

  router.post('/tenants', async (req, res) => {
    const b = body(req);
    const tenant = await tenants.create(caller(req), { name: b['name'], enterpriseNumber: b['enterpriseNumber'], countryCode: b['countryCode'] });
    res.status(201).location(`/api/v1/tenants/${tenant.id}`).json(tenant);
  });

  router.get('/tenants/:tenantId', async (req, res) => {
    res.json(await tenants.get(caller(req), req.params['tenantId']!));
  });

  router.get('/tenants/:tenantId/participants', async (req, res) => {
    const participants = await tenants.participants(caller(req), req.params['tenantId']!);
    res.json({ participants: participants.map((p) => `${p.scheme}::${p.value}`) });
  });

  router.post('/tenants/:tenantId/participants', async (req, res) => {
    const b = body(req);
    const { participant, added } = await tenants.addParticipant(caller(req), req.params['tenantId']!, b['participant'], optionalText(b, 'name'));
    res.status(added ? 201 : 200).json({ participant: `${participant.scheme}::${participant.value}`, tenantId: req.params['tenantId'], added });
  });

  router.get('/tenants/:tenantId/keys', async (req, res) => {
    res.json({ keys: (await tenants.keys(caller(req), req.params['tenantId']!)).map(keyJson) });
  });

  router.post('/tenants/:tenantId/keys', async (req, res) => {
    const b = body(req);
    const { key, secret } = await tenants.createKey(caller(req), { tenantId: req.params['tenantId']!, name: b['name'], scopes: b['scopes'], expiresAt: optionalText(b, 'expiresAt') });
    res.status(201).json({ ...keyJson(key), secret });
  });

  router.delete('/keys/:keyId', async (req, res) => {
    res.json(keyJson(await tenants.revokeKey(caller(req), req.params['keyId']!)));
  });

  router.get('/tenants/:tenantId/mandates', async (req, res) => {
    res.json({ mandates: await tenants.mandates(caller(req), req.params['tenantId']!) });
  });

  router.post('/tenants/:tenantId/mandates', async (req, res) => {
    const b = body(req);
    const mandate = await tenants.grantMandate(caller(req), {
      grantorTenantId: req.params['tenantId']!,
      granteeTenantId: b['granteeTenantId'],
      scopes: b['scopes'],
      validUntil: optionalText(b, 'validUntil'),
    });
    res.status(201).json(mandate);
  });

  router.delete('/mandates/:mandateId', async (req, res) => {
    res.json(await tenants.revokeMandate(caller(req), req.params['mandateId']!));
  });

  router.get('/audit', async (req, res) => {
    principalWith(req, 'admin');
    res.json({ entries: await tenants.auditLog(caller(req), limitOf(req)) });
  });

  return router;
}
