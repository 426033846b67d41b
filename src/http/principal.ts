/** The authenticated caller on a request, set by the authentication middleware (src/http/auth.ts). */
import type { Request } from 'express';
import { ApError } from '../errors.js';
import type { Principal, Scope } from '../auth/principal.js';
import type { Caller } from '../services/tenants.js';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** The caller as the services take it: the principal and the address it called from. */
export function callerOf(principal: Principal, req: Request): Caller {
  return { principal, remoteAddress: req.socket.remoteAddress ?? null };
}

/** The caller, who must hold one of `scopes` for at least one tenant (else 403, `api.forbidden`). */
export function principalWith(req: Request, ...scopes: Scope[]): Principal {
  const p = req.principal;
  if (!p) throw new ApError('api.unauthorized', 'A valid API key is required: Authorization: Bearer <key>');
  const held = scopes.some((scope) => {
    const tenants = p.tenantsFor(scope);
    return tenants === 'all' || tenants.length > 0;
  });
  if (!held) throw new ApError('api.forbidden', `This API key lacks the ${scopes.map((s) => `'${s}'`).join(' or ')} scope`);
  return p;
}
