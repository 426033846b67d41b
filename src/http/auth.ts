/**
 * Authentication of everything under /api/v1 (its description, mounted before, is public): `Authorization: Bearer <key>`
 * sets req.principal, rate-limited per key; a missing, malformed, unknown, revoked or expired key is 401.
 * Routes then ask the principal for the scope and tenants their use case needs (src/http/principal.ts).
 * Every request an operator key makes is written to the audit log once answered.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ApError } from '../errors.js';
import type { Authenticator } from '../services/authenticator.js';
import type { AuditEntry } from '../services/tenants.js';
import './principal.js';
import type { RateLimiter } from './rate-limit.js';

export interface AuthDeps {
  authenticator: Authenticator;
  limiter: RateLimiter;
  audit: { append(entry: AuditEntry): Promise<void> };
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function unauthorized(res: Response, message: string): ApError {
  res.setHeader('WWW-Authenticate', 'Bearer realm="peppol-ap"');
  return new ApError('api.unauthorized', message);
}

export function authenticate(deps: AuthDeps): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (!header) return next(unauthorized(res, 'An API key is required: Authorization: Bearer <key>'));
    const m = BEARER.exec(header);
    if (!m) return next(unauthorized(res, 'The Authorization header must be: Bearer <key>'));
    deps.authenticator.verify(m[1]!).then((principal) => {
      if (!principal) return next(unauthorized(res, 'The API key is not valid: unknown, revoked or expired'));
      const waitMs = deps.limiter.take(principal.keyId);
      if (waitMs > 0) {
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
        return next(new ApError('api.rate-limited', 'This API key made too many requests; retry after the time Retry-After gives'));
      }
      req.principal = principal;
      if (principal.operator) auditOnFinish(deps.audit, req, res);
      next();
    }, next);
  };
}

function auditOnFinish(audit: AuthDeps['audit'], req: Request, res: Response): void {
  res.on('finish', () => {
    const p = req.principal!;
    audit
      .append({
        actor: p.actorFor(null),
        actorTenantId: null,
        onBehalfOfTenantId: null,
        action: `${req.method} ${req.baseUrl}${req.path}`,
        target: null,
        remoteAddress: req.socket.remoteAddress ?? null,
        details: { status: res.statusCode, requestId: res.getHeader('X-Request-Id') ?? null },
      })
      .catch((err: unknown) => req.log.error({ err }, 'audit log write failed'));
  });
}
