/** The HTTP server: where it listens and how it stops. */
import { hostName, int } from './parsers.js';
import { variable } from './spec.js';

export const http = {
  host: variable('HOST', hostName, { default: '0.0.0.0', description: 'Address the HTTP server listens on.' }),
  port: variable('PORT', int(0, 65535), { default: '8080', description: 'HTTP port (`0`: any free port).' }),
  inflightBytes: variable('INBOUND_INFLIGHT_BYTES', int(1024, 64 * 1024 * 1024 * 1024), {
    default: String(256 * 1024 * 1024),
    description:
      'Bytes of request bodies (AS4 messages and API documents) all requests may hold at once. A declared `Content-Length` past what is left gets 503 with `Retry-After: 5` (AS4: signed EBMS:0004) before any byte is read; a chunked body is counted as it arrives. At least `MAX_DOCUMENT_BYTES` and, with AS4 on, `AS4_MAX_MESSAGE_BYTES`.',
  }),
  shutdownTimeoutMs: variable('SHUTDOWN_TIMEOUT_MS', int(0, 600_000), {
    default: '10000',
    description: 'On SIGTERM/SIGINT, how long the whole shutdown may take: requests in flight, then delivery jobs and the database pool (the steps still open at its end share 1 s more, then are left behind; an embedded PostgreSQL that does not stop within 10 s is killed).',
  }),
};
