/**
 * The archive export: GET /archive/export?from=&to=[&tenant=] → a ZIP of the tenant's documents stored in
 * [from, to), with their receipts, responses, validation reports, a manifest and the chain proof
 * (src/archive/export.ts), to check offline with `peppol-ap archive verify-export`.
 */
import { Router } from 'express';
import { ApError } from '../errors.js';
import type { ArchiveService } from '../services/archive.js';
import { principalWith } from './principal.js';
import { noStore } from './response-headers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

function instant(name: string, value: unknown): Date {
  if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(value))) {
    throw new ApError('api.bad-request', `${name} must be given once, as a date (2026-11-01) or a date-time with its offset`);
  }
  return new Date(value);
}

export function archiveRouter(deps: { archive: ArchiveService }): Router {
  const router = Router();
  router.get('/archive/export', noStore, async (req, res) => {
    const by = principalWith(req, 'send', 'inbox', 'admin');
    const { tenant } = req.query;
    if (tenant !== undefined && (typeof tenant !== 'string' || !UUID.test(tenant))) throw new ApError('api.bad-request', 'tenant must be given once, as a tenant id (UUID)');
    const out = await deps.archive.export(by, { from: instant('from', req.query['from']), to: instant('to', req.query['to']), ...(tenant ? { tenantId: tenant } : {}) });
    res
      .status(200)
      .set('Content-Type', 'application/zip')
      .set('Content-Disposition', `attachment; filename="${out.filename}"`)
      .end(Buffer.from(out.zip.buffer, out.zip.byteOffset, out.zip.length));
  });
  return router;
}
