/**
 * Request id and access log: each request gets an id (the caller's X-Request-Id when it is a sane token,
 * else a new UUID), echoed in the response, carried by a child logger (`req.log`), and one log line when
 * the response is finished or the connection closes.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
    }
  }
}

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives a node:http request its id (echoed in X-Request-Id) and its access-log line when the response ends;
 * returns the id. Express mounts it as middleware; the AS4 endpoint's direct path calls it itself.
 */
export function logRequest(logger: Logger, req: IncomingMessage, res: ServerResponse, path: string): { id: string; log: () => Logger } {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
  // The child logger is made when something logs: at the per-message rate of the AS4 endpoint, most
  // requests log nothing below the configured level.
  let child: Logger | undefined;
  const log = () => (child ??= logger.child({ requestId: id }));
  res.setHeader('X-Request-Id', id);
  const started = process.hrtime.bigint();
  let logged = false;
  const done = () => {
    if (logged) return;
    logged = true;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const line = { method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 };
    const level = !res.writableFinished ? 'warn' : res.statusCode >= 500 ? 'error' : 'info';
    if (logger.isLevelEnabled(level)) log()[level](line, res.writableFinished ? 'request' : 'request aborted');
  };
  res.on('finish', done);
  res.on('close', done);
  return { id, log };
}

export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const { id, log } = logRequest(logger, req, res, req.path);
    req.id = id;
    Object.defineProperty(req, 'log', { configurable: true, enumerable: true, get: log });
    next();
  };
}
