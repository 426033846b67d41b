/**
 * GET /lookup/{participant}?documentType=  — may this participant receive over Peppol, which document
 * types, through which access point (src/services/reachability.ts). Any API key may ask: it reads the
 * public network, nothing of a tenant.
 */
import { Router } from 'express';
import { SCOPES } from '../auth/principal.js';
import { ApError } from '../errors.js';
import type { ReachabilityService } from '../services/reachability.js';
import { principalWith } from './principal.js';

export function lookupRouter(deps: { reachability: ReachabilityService }): Router {
  const router = Router();
  router.get('/lookup/:participant', async (req, res) => {
    principalWith(req, ...SCOPES);
    const documentType = req.query['documentType'];
    if (documentType !== undefined && (typeof documentType !== 'string' || documentType === '')) throw new ApError('api.bad-request', 'documentType: one short name (invoice, creditnote...) or document type identifier');
    res.json(await deps.reachability.check({ participant: String(req.params['participant']), ...(documentType ? { documentType } : {}) }));
  });
  return router;
}
