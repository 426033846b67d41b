/**
 * The monthly Peppol reports (operators): GET /reports?month=YYYY-MM lists every report built, by period,
 * with its state and the delivery status of the document that carries it to OpenPeppol, and the receivers
 * of that month whose country is unknown (fix their tenant's country before the reports are built).
 */
import { Router } from 'express';
import { principalWith } from './principal.js';
import { noStore } from './response-headers.js';
import type { ReportsService } from '../services/reports.js';

export function reportsRouter(deps: { reports: Pick<ReportsService, 'overview'> }): Router {
  const router = Router();
  router.get('/reports', noStore, async (req, res) => {
    // Default: the month before, whose reports the monthly job sends.
    const now = new Date();
    const previous = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    const month = typeof req.query['month'] === 'string' ? req.query['month'] : previous;
    const o = await deps.reports.overview(principalWith(req, 'admin'), month);
    res.json({
      month: o.month,
      reports: o.reports.map((r) => ({
        id: r.id,
        period: r.period,
        kind: r.kind,
        generation: r.generation,
        state: r.state,
        documentId: r.documentId,
        documentStatus: r.documentStatus,
        fatalIssues: r.fatalIssues,
        actor: r.actor,
        createdAt: r.createdAt.toISOString(),
      })),
      unknownReceiverCountries: o.unknownReceiverCountries,
    });
  });
  return router;
}
