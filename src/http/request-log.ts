/**
 * Request id and access log: each request gets an id (the caller's X-Request-Id when it is a sane token,
 * else a new UUID), echoed in the response, carried by a child logger (`req.log`), and one log line when
 * the response is finished or the connection closes.
 */
import { randomUUID } from 'node:crypto';
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

export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.get('x-request-id');
    req.id = given && SANE_ID.test(given) ? given : randomUUID();
    // The child logger is made when something logs: at the per-message rate of the AS4 endpoint, most
    // requests log nothing below the configured level.
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { configurable: true, enumerable: true, get: () => (child ??= logger.child({ requestId: req.id })) });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      const level = !res.writableFinished ? 'warn' : res.statusCode >= 500 ? 'error' : 'info';
      if (logger.isLevelEnabled(level)) req.log[level](line, res.writableFinished ? 'request' : 'request aborted');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
