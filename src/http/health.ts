/** Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can do its work). */
import { Router } from 'express';

export type ReadinessCheck = () => Promise<boolean> | boolean;

/** `marks` are added to both answers (e.g. `sandbox: true`), so a monitor sees what kind of instance it watches. */
export function healthRouter(checks: Record<string, ReadinessCheck>, marks: Record<string, unknown> = {}): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', ...marks });
  });
  router.get('/readyz', async (_req, res) => {
    const results: Record<string, boolean> = {};
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          results[name] = await check();
        } catch {
          results[name] = false;
        }
      }),
    );
    const ready = Object.values(results).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: results, ...marks });
  });
  return router;
}
