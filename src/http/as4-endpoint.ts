/**
 * The AS4 endpoint: `POST <path>` (default /as4) admits the request body against the in-flight budget
 * (body-budget.ts), streams it into the MIME parser (limits applied while reading) and answers with what
 * the inbound pipeline decided: the signed receipt (200), written only after the message is committed, or
 * a signed ebMS error signal (4xx for the sender's faults, 5xx when we could not store the message or are
 * busy, and the sender should retry: 503 with Retry-After when we are busy or the database is unavailable).
 *
 * The served access point takes these requests on node:http directly, before express (as4DirectRoute):
 * express's routing, request decoration and response helpers cost about four times node's own handling of
 * such a request (measured here: 0.21 against 0.05 ms of CPU), once per message. Express can mount the
 * same handler (as4Router), which the tests do.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from 'express';
import type { Logger } from 'pino';
import { ApError } from '../errors.js';
import type { InboundPipeline } from '../pipeline/inbound.js';
import { admitBody, type InflightBudget } from './body-budget.js';
import { logRequest } from './request-log.js';
import { setSecurityHeaders } from './response-headers.js';

const MESSAGE_ID_HEADER = /^[\x21-\x7e]{1,256}$/;

/** Runs the pipeline for one admitted request (or signs its refusal) and writes its answer. */
async function answer(pipeline: InboundPipeline, budget: InflightBudget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = admitBody(budget, req, res, pipeline.maxMessageBytes);
  const result = body instanceof ApError ? pipeline.refuse(body) : await pipeline.receive(req.headers['content-type'], body);
  if (result.messageId && MESSAGE_ID_HEADER.test(result.messageId)) res.setHeader('X-AS4-Message-Id', result.messageId);
  const retryAfter = result.error?.details?.['retryAfterSeconds'];
  if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
  res.statusCode = result.status;
  res.setHeader('Content-Type', result.contentType);
  res.setHeader('Content-Length', result.body.length);
  res.end(result.body);
}

export function as4Router(pipeline: InboundPipeline, budget: InflightBudget): Router {
  const router = Router();
  router.post('/', (req, res) => answer(pipeline, budget, req, res));
  return router;
}

/**
 * A node:http request listener step for `POST <path>`: true when it took the request (everything else is
 * left to express). Request id and access log as express's middleware gives them; while shutting down,
 * the answer asks the client to close the connection.
 */
export function as4DirectRoute(pipeline: InboundPipeline, opts: { path: string; logger: Logger; isShuttingDown: () => boolean; budget: InflightBudget }) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path !== opts.path && path !== `${opts.path}/`) return false;
    const { log } = logRequest(opts.logger, req, res, path);
    setSecurityHeaders(res);
    if (opts.isShuttingDown()) res.setHeader('Connection', 'close');
    answer(pipeline, opts.budget, req, res).catch((err: unknown) => {
      log().error({ err }, 'as4: answering failed');
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy();
    });
    return true;
  };
}
