/**
 * Route parameters checked once, before any handler sees them: a document id that is not a UUID is the
 * caller's mistake (400), never a query Postgres refuses to cast (which would surface as a 500).
 */
import type { Router } from 'express';
import { ApError } from '../errors.js';

/** A UUID in any version, as the `documents.id` column holds them; for building larger patterns. */
export const UUID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID = new RegExp(`^${UUID_PATTERN}$`, 'i');

/** Refuses every route of `router` whose `:<name>` is not a UUID with `api.bad-request`. */
export function uuidParam(router: Router, name = 'id', what = 'document'): void {
  router.param(name, (_req, _res, next, value: string) => {
    next(UUID.test(value) ? undefined : new ApError('api.bad-request', `${name} ${JSON.stringify(value)} is not a ${what} id (a UUID such as 0b9e2f4c-5d1a-4c3e-9f7b-2a6d8e1c4b3f)`));
  });
}
