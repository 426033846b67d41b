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
  /** Slow and idle clients: each bound is what a sending AP or an API client on a poor link still meets. */
  limits: {
    headersTimeoutMs: variable('HTTP_HEADERS_TIMEOUT_MS', int(1000, 600_000), {
      default: '20000',
      description: 'a client must send the whole request head within this time (else 408 and the connection closes)',
    }),
    requestTimeoutMs: variable('HTTP_REQUEST_TIMEOUT_MS', int(1000, 3_600_000), {
      default: '300000',
      description: 'a client must send the whole request, body included, within this time (else 408 and the connection closes); a 100 MB AS4 message needs about 3 Mbit/s at the default',
    }),
    idleTimeoutMs: variable('HTTP_IDLE_TIMEOUT_MS', int(1000, 3_600_000), {
      default: '60000',
      description: 'a connection on which nothing arrives for this long is closed (a body that stalls half-way)',
    }),
    keepAliveTimeoutMs: variable('HTTP_KEEP_ALIVE_TIMEOUT_MS', int(0, 600_000), {
      default: '5000',
      description: 'how long an idle keep-alive connection stays open between requests',
    }),
    maxConnections: variable('HTTP_MAX_CONNECTIONS', int(1, 1_000_000), {
      default: '2048',
      description: 'open connections at most; past it a new connection is closed at once (bounds the memory and file descriptors idle clients can hold)',
    }),
  },
  shutdownTimeoutMs: variable('SHUTDOWN_TIMEOUT_MS', int(0, 600_000), {
    default: '10000',
    description: 'On SIGTERM/SIGINT, how long the whole shutdown may take: requests in flight, then delivery jobs and the database pool (the steps still open at its end share 1 s more, then are left behind; an embedded PostgreSQL that does not stop within 10 s is killed).',
  }),
};
