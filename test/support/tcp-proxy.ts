/**
 * A TCP proxy between an access point and its PostgreSQL server that a test turns into database faults,
 * without touching the real server (other suites use it):
 *  - `drop('reset')` resets every open connection at once (RST: ECONNRESET mid-query, mid-transaction);
 *  - `drop('shutdown')` ends each one as a restarting server does: at the next message boundary a
 *    FATAL 57P01 ErrorResponse ("terminating connection due to administrator command"), then FIN;
 *  - `refuse()` closes the listening socket: new connections get ECONNREFUSED;
 *  - `blackhole()` accepts new connections and never answers (what a failover looks like to a client);
 *  - `pass()` lets new connections through again.
 * After the startup packet, every message the server sends is a type byte and an int32 length (no SSL
 * here: the URL asks for none), which is how `shutdown` finds a boundary.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'refuse' | 'blackhole';

export interface TcpProxy {
  port: number;
  /** `postgres://…` of the target with host and port replaced by the proxy's. */
  urlFor(target: string): string;
  drop(how: 'reset' | 'shutdown'): void;
  refuse(): Promise<void>;
  blackhole(): Promise<void>;
  pass(): Promise<void>;
  /** Connections open through the proxy (forwarded or held in the blackhole). */
  readonly open: number;
  close(): Promise<void>;
}

/** An ErrorResponse: severity FATAL, SQLSTATE 57P01, as PostgreSQL sends it on a fast shutdown. */
function adminShutdown(): Buffer {
  const fields = [
    ['S', 'FATAL'],
    ['V', 'FATAL'],
    ['C', '57P01'],
    ['M', 'terminating connection due to administrator command'],
  ];
  const body = Buffer.concat([...fields.map(([t, v]) => Buffer.from(`${t}${v}\0`, 'utf8')), Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write('E', 0, 'ascii');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

interface Link {
  client: Socket;
  upstream: Socket | null;
  /** Bytes of the server's current message still to forward (shutdown waits for 0). */
  pending: number;
  /** Header bytes of the next server message seen so far (a header may be split across chunks). */
  header: Buffer;
  ending: boolean;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  const links = new Set<Link>();
  let port = 0;

  const endAtBoundary = (link: Link) => {
    link.ending = true;
    if (link.pending === 0 && link.header.length === 0) {
      link.upstream?.destroy();
      link.client.end(adminShutdown());
    }
  };

  /** Forwards a chunk of the server's stream, tracking message boundaries; stops at one when ending. */
  const forward = (link: Link, chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length) {
      if (link.pending > 0) {
        const n = Math.min(link.pending, chunk.length - at);
        link.client.write(chunk.subarray(at, at + n));
        link.pending -= n;
        at += n;
        continue;
      }
      if (link.ending && link.header.length === 0) break;
      const need = 5 - link.header.length;
      const part = chunk.subarray(at, at + need);
      link.header = Buffer.concat([link.header, part]);
      at += part.length;
      if (link.header.length === 5) {
        link.client.write(link.header);
        link.pending = link.header.readInt32BE(1) - 4;
        link.header = Buffer.alloc(0);
      }
    }
    if (link.ending) endAtBoundary(link);
  };

  const onConnection = (client: Socket) => {
    const link: Link = { client, upstream: null, pending: 0, header: Buffer.alloc(0), ending: false };
    links.add(link);
    client.on('error', () => link.upstream?.destroy());
    client.on('close', () => {
      links.delete(link);
      link.upstream?.destroy();
    });
    if (mode === 'blackhole') {
      client.pause(); // read nothing, answer nothing
      return;
    }
    const upstream = connect(target.port, target.host);
    link.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => forward(link, chunk));
    // Ending at a boundary closes the upstream first; the client must still get the FATAL message.
    upstream.on('error', () => link.ending || client.destroy());
    upstream.on('close', () => link.ending || client.destroy());
    client.pipe(upstream);
  };

  let server: Server = createServer(onConnection);
  const listen = (s: Server, p: number) => new Promise<number>((resolve, reject) => {
    s.once('error', reject);
    s.listen(p, '127.0.0.1', () => resolve((s.address() as { port: number }).port));
  });
  // close() stops listening at once; its callback would wait for the open connections, which stay.
  const stopListening = () => {
    if (server.listening) server.close();
  };
  port = await listen(server, 0);

  const setMode = async (next: ProxyMode) => {
    mode = next;
    if (next === 'refuse') stopListening();
    else if (!server.listening) {
      server = createServer(onConnection);
      await listen(server, port);
    }
  };

  return {
    port,
    urlFor(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    drop(how) {
      for (const link of [...links]) {
        if (how === 'reset' || !link.upstream) {
          link.upstream?.destroy();
          link.client.resetAndDestroy();
        } else endAtBoundary(link);
      }
    },
    refuse: () => setMode('refuse'),
    blackhole: () => setMode('blackhole'),
    pass: async () => {
      await setMode('pass');
      // Connections held in the blackhole were never answered: a client gave up on them or still waits; end them.
      for (const link of [...links]) if (!link.upstream) link.client.destroy();
    },
    get open() {
      return links.size;
    },
    async close() {
      for (const link of [...links]) {
        link.upstream?.destroy();
        link.client.destroy();
      }
      stopListening();
    },
  };
}
