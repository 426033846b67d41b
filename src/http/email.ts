/**
 * The e-mail channel's settings (scope `participants`), mounted where the channel is on:
 *   GET|PUT /tenants/{tenantId}/email-settings             language, fallback, notifications
 *   GET|PUT|DELETE /participants/{participant}/pickup-delay   a hosted participant's pick-up delay
 * The rules are the service's (src/services/email-settings.ts); this file reads requests and shapes answers.
 */
import express, { Router, type Request } from 'express';
import { ApError } from '../errors.js';
import type { EmailSettingsService } from '../services/email-settings.js';
import { uuidParam } from './params.js';
import { principalWith } from './principal.js';
import { noStore } from './response-headers.js';

function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body ?? {};
  if (typeof b !== 'object' || Array.isArray(b) || b === null) throw new ApError('api.bad-request', 'A JSON object is expected (Content-Type: application/json)');
  return b as Record<string, unknown>;
}

export function emailRouter(deps: { settings: EmailSettingsService }): Router {
  const { settings } = deps;
  const router = Router();
  router.use(['/tenants/:tenantId/email-settings', '/participants/:participant/pickup-delay'], noStore, express.json({ limit: '16kb' }));
  uuidParam(router, 'tenantId', 'tenant');
  const caller = (req: Request) => principalWith(req, 'participants');

  router.get('/tenants/:tenantId/email-settings', async (req, res) => {
    res.json(await settings.tenantSettings(caller(req), req.params['tenantId']!));
  });
  router.put('/tenants/:tenantId/email-settings', async (req, res) => {
    res.json(await settings.saveTenantSettings(caller(req), req.params['tenantId']!, body(req)));
  });
  router.get('/participants/:participant/pickup-delay', async (req, res) => {
    const found = await settings.pickupDelay(caller(req), req.params['participant']!);
    if (!found) throw new ApError('api.not-found', `No pick-up delay is set for ${req.params['participant']}`);
    res.json(found);
  });
  router.put('/participants/:participant/pickup-delay', async (req, res) => {
    res.json(await settings.savePickupDelay(caller(req), req.params['participant']!, body(req)));
  });
  router.delete('/participants/:participant/pickup-delay', async (req, res) => {
    await settings.deletePickupDelay(caller(req), req.params['participant']!);
    res.status(204).end();
  });
  return router;
}
