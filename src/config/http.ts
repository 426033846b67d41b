/** The HTTP server: where it listens and how it stops. */
import { hostName, int } from './parsers.js';
import { variable } from './spec.js';

export const http = {
  host: variable('HOST', hostName, { default: '0.0.0.0', description: 'Address the HTTP server listens on.' }),
  port: variable('PORT', int(0, 65535), { default: '8080', description: 'HTTP port (`0`: any free port).' }),
  shutdownTimeoutMs: variable('SHUTDOWN_TIMEOUT_MS', int(0, 600_000), {
    default: '10000',
    description: 'On SIGTERM/SIGINT, how long requests in flight may take before their connections are closed.',
  }),
};
