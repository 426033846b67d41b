/** Bearer-token guard for the operator APIs (admin, inbox) until per-user credentials exist. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ApError } from '../errors.js';

/** `token` null refuses every request with `messages.disabled`; a missing or wrong token gets `messages.invalid`. */
export function bearerGuard(token: string | null, messages: { disabled: string; invalid: string }) {
  const expected = token ? createHash('sha256').update(token).digest() : null;
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!expected) return next(new ApError('api.unauthorized', messages.disabled));
    const m = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '');
    // Compare digests so the comparison time does not depend on the token's length or content.
    const given = m ? createHash('sha256').update(m[1]!.trim()).digest() : null;
    if (!given || !timingSafeEqual(given, expected)) return next(new ApError('api.unauthorized', messages.invalid));
    next();
  };
}
