/** The JSON log lines on stdout. */
import { oneOf } from './parsers.js';
import { variable } from './spec.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const logging = {
  level: variable('LOG_LEVEL', oneOf(LOG_LEVELS), { default: 'info', description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.' }),
};
