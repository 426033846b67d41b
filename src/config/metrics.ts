/** The Prometheus metrics endpoint: on or off, on the main port or its own, open or behind a token. */
import { bool, hostName, int, tokenFile } from './parsers.js';
import { variable } from './spec.js';

export const metrics = {
  enabled: variable('METRICS_ENABLED', bool, { default: 'true', description: 'Serve `GET /metrics` (Prometheus text format; README "Metrics").' }),
  port: variable('METRICS_PORT', int(0, 65535), {
    description: 'Serve `/metrics` on this port only, on a server of its own (`0`: any free port); the main port then answers 404 there. Unset: on the main port (`PORT`).',
  }),
  host: variable('METRICS_HOST', hostName, { fallback: 'HOST', description: 'Address the metrics server of `METRICS_PORT` listens on; unset: `HOST`.' }),
  tokenFile: variable('METRICS_TOKEN_FILE', tokenFile, {
    description: 'File holding a token that `/metrics` asks for as `Authorization: Bearer <token>` (else 401). Unset: no token asked (keep the endpoint unreachable from outside, e.g. with `METRICS_PORT` on an internal address).',
  }),
};
