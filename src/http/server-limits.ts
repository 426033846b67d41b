/**
 * The node:http server with its bounds on slow and idle clients (a head that never ends, a body that
 * trickles or stalls, connections opened and left), one place for the server and the tests that copy it.
 */
import { createServer, type RequestListener, type Server } from 'node:http';

export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export function createBoundedServer(limits: ServerLimits, handler: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two time-outs above only this often (default 30 s): a tenth of the shorter one.
      connectionsCheckingInterval: Math.max(100, Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 10),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  // Inactivity on a socket (no byte either way), e.g. a body that stops half-way without closing.
  server.setTimeout(limits.idleTimeoutMs, (socket) => socket.destroy());
  return server;
}
