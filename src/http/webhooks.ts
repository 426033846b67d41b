/**
 * Webhook endpoints of the caller's tenants (scope `webhooks`):
 *   POST   /webhooks                      { url, eventTypes, tenantId? } → 201, the signing secret in this answer only
 *   GET    /webhooks                      { webhooks }
 *   GET    /webhooks/{id}                 an endpoint; disabledAt and disabledReason say why it stopped
 *   DELETE /webhooks/{id}                 204
 *   POST   /webhooks/{id}/rotate-secret   → the new secret; the old one signs too for 24 hours
 *   GET    /webhooks/{id}/deliveries      the delivery log, each delivery with its attempts
 *   POST   /webhooks/{id}/replay          { eventId } or { from, to } → 202 { deliveries }
 *   POST   /webhooks/{id}/test            → 202 { delivery }: a webhook.test message
 * The rules are the service's (src/services/webhooks.ts); this file reads requests and shapes answers.
 */
import express, { Router, type Request } from 'express';
import { ApError } from '../errors.js';
import type { DeliveryView, EndpointView, WebhooksService } from '../services/webhooks.js';
import { uuidParam } from './params.js';
import { principalWith } from './principal.js';
import { noStore } from './response-headers.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

const endpointJson = (e: EndpointView) => ({
  id: e.id,
  tenantId: e.tenantId,
  url: e.url,
  eventTypes: e.eventTypes,
  disabledAt: iso(e.disabledAt),
  disabledReason: e.disabledReason,
  previousSecretValidUntil: iso(e.previousSecretValidUntil),
  createdAt: e.createdAt.toISOString(),
});

const deliveryJson = (d: DeliveryView) => ({
  id: d.id,
  webhookId: d.webhookId,
  eventId: d.eventId,
  eventType: d.eventType,
  replay: d.replay,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: iso(d.nextAttemptAt),
  lastError: d.lastError,
  createdAt: d.createdAt.toISOString(),
  attemptLog: d.attemptLog.map((a) => ({ at: a.at.toISOString(), httpStatus: a.httpStatus, latencyMs: a.latencyMs, error: a.error })),
});

function body(req: Request): Record<string, unknown> {
  const b: unknown = req.body ?? {};
  if (typeof b !== 'object' || Array.isArray(b) || b === null) throw new ApError('api.bad-request', 'A JSON object is expected (Content-Type: application/json)');
  return b as Record<string, unknown>;
}

export function webhooksRouter(deps: { webhooks: WebhooksService }): Router {
  const { webhooks } = deps;
  const router = Router();
  router.use('/webhooks', noStore, express.json({ limit: '16kb' }));
  uuidParam(router, 'webhookId', 'webhook endpoint');
  const caller = (req: Request) => principalWith(req, 'webhooks');

  router.post('/webhooks', async (req, res) => {
    const b = body(req);
    const { endpoint, secret } = await webhooks.create(caller(req), { url: b['url'], eventTypes: b['eventTypes'], tenantId: b['tenantId'] });
    res.status(201).location(`/api/v1/webhooks/${endpoint.id}`).json({ ...endpointJson(endpoint), secret });
  });

  router.get('/webhooks', async (req, res) => {
    res.json({ webhooks: (await webhooks.list(caller(req))).map(endpointJson) });
  });

  router.get('/webhooks/:webhookId', async (req, res) => {
    res.json(endpointJson(await webhooks.get(caller(req), req.params['webhookId']!)));
  });

  router.delete('/webhooks/:webhookId', async (req, res) => {
    await webhooks.delete(caller(req), req.params['webhookId']!);
    res.status(204).end();
  });

  router.post('/webhooks/:webhookId/rotate-secret', async (req, res) => {
    const { endpoint, secret } = await webhooks.rotateSecret(caller(req), req.params['webhookId']!);
    res.json({ ...endpointJson(endpoint), secret });
  });

  router.get('/webhooks/:webhookId/deliveries', async (req, res) => {
    res.json({ deliveries: (await webhooks.deliveries(caller(req), req.params['webhookId']!)).map(deliveryJson) });
  });

  router.post('/webhooks/:webhookId/replay', async (req, res) => {
    const b = body(req);
    const ids = await webhooks.replay(caller(req), req.params['webhookId']!, { eventId: b['eventId'], from: b['from'], to: b['to'] });
    res.status(202).json({ deliveries: ids });
  });

  router.post('/webhooks/:webhookId/test', async (req, res) => {
    res.status(202).json({ delivery: await webhooks.test(caller(req), req.params['webhookId']!) });
  });

  return router;
}
