/**
 * HTTP POST of an AS4 message with the timeouts of the profile (peppol-reference §4.6): a connect
 * timeout, and a response timeout covering the whole exchange until the last byte of the answer. Keep-alive
 * agents are reused across messages (one TLS handshake per connection, not per message). Failures to get
 * an answer are ApError('as4.transport-failed'), which is retryable.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApError } from '../errors.js';

export interface TransportOptions {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  /** Largest answer accepted (a receipt is a few KB). */
  maxResponseBytes: number;
  /** Sockets per endpoint host. */
  maxSockets: number;
}

export interface TransportResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

/** A body sent as a stream (a large message): its length first, then its chunks. */
export interface StreamedBody {
  length: number;
  chunks(): AsyncIterable<Buffer>;
}

export interface As4Transport {
  post(url: string, body: Buffer | StreamedBody, contentType: string): Promise<TransportResponse>;
  close(): void;
}

const fail = (url: string, message: string, cause?: unknown): ApError =>
  new ApError('as4.transport-failed', `POST ${url}: ${message}`, { url }, cause ? { cause } : undefined);

export class HttpAs4Transport implements As4Transport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(private readonly options: TransportOptions) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    // TLS 1.2 at least (peppol-reference §4.7); certificates are checked against the system's CAs.
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.maxSockets, minVersion: 'TLSv1.2' });
  }

  post(url: string, body: Buffer | StreamedBody, contentType: string): Promise<TransportResponse> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return Promise.reject(new ApError('smp.invalid-response', `The endpoint address ${url} is not a URL`));
    }
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') {
      return Promise.reject(new ApError('smp.invalid-response', `The endpoint address ${url} is not http(s)`));
    }
    const { connectTimeoutMs, responseTimeoutMs, maxResponseBytes } = this.options;
    return new Promise<TransportResponse>((resolve, reject) => {
      let settled = false;
      const done = (err: ApError | null, res?: TransportResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(responseTimer);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(res!);
      };
      const responseTimer = setTimeout(() => done(fail(url, `no complete answer within ${responseTimeoutMs} ms`)), responseTimeoutMs);
      const req = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: { 'content-type': contentType, 'content-length': body.length, 'mime-version': '1.0' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > maxResponseBytes) done(fail(url, `answer exceeds ${maxResponseBytes} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => done(null, { status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body: Buffer.concat(chunks) }));
          res.on('error', (err) => done(fail(url, `answer interrupted: ${err.message}`, err)));
        },
      );
      req.on('socket', (socket: Socket) => {
        // A reused keep-alive socket is already connected; a new one must connect in time.
        if (socket.connecting) {
          const t = setTimeout(() => done(fail(url, `no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);
          socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(t));
          socket.once('close', () => clearTimeout(t));
        }
      });
      req.on('error', (err) => done(fail(url, (err as NodeJS.ErrnoException).code ?? err.message, err)));
      if (Buffer.isBuffer(body)) req.end(body);
      else pipeline(Readable.from(body.chunks()), req).catch((err: Error) => done(fail(url, `sending the body failed: ${err.message}`, err)));
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
