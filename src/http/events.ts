/**
 * The event feed: GET /events?after=<cursor>&limit=<1..500> → { events, next }. Pass `next` back as
 * `after` to read on; an empty page keeps `next` where it was. The rules are the service's
 * (src/services/events.ts).
 */
import { Router } from 'express';
import { ApError } from '../errors.js';
import type { EventsService } from '../services/events.js';
import { principalWith } from './principal.js';
import { noStore } from './response-headers.js';

export function eventsRouter(deps: { events: EventsService }): Router {
  const router = Router();
  router.get('/events', noStore, async (req, res) => {
    const { after, limit } = req.query;
    if (after !== undefined && typeof after !== 'string') throw new ApError('api.bad-request', 'after must be given once');
    if (limit !== undefined && typeof limit !== 'string') throw new ApError('api.bad-request', 'limit must be given once');
    const page = await deps.events.feed(principalWith(req, 'send', 'inbox'), {
      ...(after ? { after } : {}),
      ...(limit !== undefined ? { limit: Number(limit) } : {}),
    });
    res.json(page);
  });
  return router;
}
