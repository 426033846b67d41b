/**
 * Error responses: every failure becomes an `application/problem+json` body (RFC 9457, see problem())
 * with the HTTP status of its ApError kind. Errors raised by express's own middleware (body parsers: size limit,
 * charset, malformed JSON, aborted upload; the router: undecodable path parameters) are mapped to kinds too.
 */
import type { NextFunction, Request, Response } from 'express';
import { ApError, toApError } from '../errors.js';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
  length?: number;
}

function fromExpress(err: BodyParserError): ApError | null {
  // The router's decoding of a path parameter that is not valid percent-encoding (`/documents/%E0%A4%A`).
  if (err instanceof URIError) return new ApError('api.bad-request', err.message);
  switch (err.type) {
    case 'entity.too.large':
      return new ApError('input.too-large', `The request body exceeds the limit of ${err.limit} bytes`, {
        limit: err.limit,
        ...(err.length !== undefined ? { size: err.length } : {}),
      });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new ApError('input.unsupported-media-type', err.message);
    case 'entity.parse.failed':
      return new ApError('json.malformed', `The request body is not valid JSON: ${err.message}`);
    case 'request.aborted':
    case 'request.size.invalid':
      return new ApError('api.bad-request', err.message);
    default:
      return null;
  }
}

export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new ApError('api.not-found', `No route for ${req.method} ${req.path}`));
}

export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const apError = err instanceof ApError ? err : (fromExpress(err as BodyParserError) ?? toApError(err));
  const log = req.log ?? undefined;
  if (apError.httpStatus >= 500) log?.error({ err }, apError.message);
  else log?.info({ error: apError.kind }, apError.message);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const retryAfter = apError.details?.['retryAfterSeconds'];
  if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
  res.status(apError.httpStatus).type('application/problem+json').send(JSON.stringify(problem(apError, req.id)));
}

/**
 * An RFC 9457 problem: `type` names the catalogue kind (a URN: nothing to dereference), `title`, `status`,
 * `detail`; the extension members `code` (the kind), `ebmsCode`, `details` and `requestId`. `error` and
 * `message` repeat `code` and `detail` for clients of the earlier JSON errors.
 */
export function problem(apError: ApError, requestId: string | undefined): Record<string, unknown> {
  // Internal errors keep their specifics in the log, not in the response.
  const internal = apError.kind === 'internal';
  const detail = internal ? 'Internal error' : apError.message;
  return {
    type: `urn:peppol-ap:problem:${apError.kind}`,
    title: apError.spec.title,
    status: apError.httpStatus,
    detail,
    code: apError.kind,
    ...(apError.spec.ebms ? { ebmsCode: apError.spec.ebms } : {}),
    ...(!internal && apError.details ? { details: apError.details } : {}),
    error: apError.kind,
    message: detail,
    ...(requestId ? { requestId } : {}),
  };
}
