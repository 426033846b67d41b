/** Structured JSON logs (pino) on stdout: one line per event, request lines carry a request id. */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config/index.js';

export type { Logger };

export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({
    level,
    base: { service: 'peppol-ap' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
