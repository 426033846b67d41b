/**
 * `GET /metrics`: the Prometheus text exposition, on the main server or on one of its own (METRICS_PORT),
 * open or behind a bearer token (METRICS_TOKEN_FILE). And the count of API requests by route template.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from '../core/metrics.js';

export const METRICS_PATH = '/metrics';

export interface MetricsEndpointOptions {
  scrape(): Promise<{ contentType: string; body: string }>;
  /** The bearer token asked for; null: none. */
  token: string | null;
  onError(err: unknown): void;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

function plain(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(text);
}

/** A node:http handler of `GET|HEAD /metrics` (the caller routes the path). */
export function metricsEndpoint(opts: MetricsEndpointOptions): (req: IncomingMessage, res: ServerResponse) => void {
  // Compared as digests of equal length in constant time: neither the token nor its length leaks by timing.
  const expected = opts.token === null ? null : digest(opts.token);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return plain(res, 405, 'GET /metrics\n');
    }
    if (expected) {
      const m = /^Bearer ([\x21-\x7e]+)$/.exec(req.headers.authorization ?? '');
      if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        return plain(res, 401, 'The metrics ask for Authorization: Bearer <the token of METRICS_TOKEN_FILE>\n');
      }
    }
    opts.scrape().then(
      ({ contentType, body }) => {
        res.statusCode = 200;
        res.setHeader('Content-Type', contentType);
        res.setHeader('Cache-Control', 'no-store');
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        opts.onError(err);
        plain(res, 500, 'The metrics could not be collected\n');
      },
    );
  };
}

/**
 * Counts each API request when its answer is finished, by its route template (`/api/v1/documents/:id`),
 * never its path, so that the label values stay few; a request no route matched counts as `(unmatched)`.
 * The template is taken when express matches the route (its mount path is req.baseUrl then): an error the
 * route throws is answered after express has left the route's router, which restores baseUrl.
 */
export function countApiRequests(metrics: Pick<Metrics, 'apiRequest'>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    let route: { path?: unknown } | undefined;
    let template = '(unmatched)';
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set(matched: { path?: unknown } | undefined) {
        route = matched;
        if (typeof matched?.path === 'string') template = `${req.baseUrl}${matched.path}`;
      },
    });
    res.on('finish', () => metrics.apiRequest(req.method, template, res.statusCode));
    next();
  };
}
