/**
 * MLS service levels (operators): GET /mls/service-levels?month=YYYY-MM gives MLS-1 (received document →
 * its MLS delivered to the sending access point, target 20 minutes) and MLS-2 (our document delivered →
 * its MLS received, 25 minutes) for that month, with the share within target.
 */
import { Router } from 'express';
import { principalWith } from './principal.js';
import { noStore } from './response-headers.js';
import type { ResponsesService } from '../services/responses.js';

export function responsesRouter(deps: { responses: Pick<ResponsesService, 'serviceLevels'> }): Router {
  const router = Router();
  router.get('/mls/service-levels', noStore, async (req, res) => {
    const month = typeof req.query['month'] === 'string' ? req.query['month'] : new Date().toISOString().slice(0, 7);
    res.json(await deps.responses.serviceLevels(principalWith(req, 'admin'), month));
  });
  return router;
}
