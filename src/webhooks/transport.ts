/**
 * One webhook POST: redirects are not followed (node:http never follows them; a 3xx is a failed attempt,
 * since following could lead past the address guard); the whole exchange is bounded by a timeout; at most
 * a few KB of the answer are read, then the connection is dropped. Connections to addresses that are not
 * public are refused by the guarded lookup unless `allowPrivate` (tests, a private deployment).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { forbiddenAddress, guardedLookup, TargetRefused } from './address-guard.js';

export interface WebhookTransportOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  /** Bytes of the answer kept (for the delivery log); the rest is never read. */
  maxResponseBytes: number;
}

export type PostOutcome =
  | { ok: true; status: number; latencyMs: number }
  | {
      ok: false;
      /** HTTP status when an answer came; null for a network error, a timeout or a refused target. */
      status: number | null;
      latencyMs: number;
      error: string;
      /** Retry-After of the answer, in ms from now. */
      retryAfterMs?: number;
      /** The target's address is not public: no later attempt can do better. */
      refused?: boolean;
    };

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class WebhookTransport {
  private readonly http: HttpAgent;
  private readonly https: HttpsAgent;

  constructor(private readonly options: WebhookTransportOptions) {
    const lookup = options.allowPrivate ? undefined : guardedLookup();
    this.http = new HttpAgent({ keepAlive: true, maxSockets: 16, ...(lookup ? { lookup } : {}) });
    this.https = new HttpsAgent({ keepAlive: true, maxSockets: 16, ...(lookup ? { lookup } : {}) });
  }

  async post(url: string, headers: Record<string, string>, body: string): Promise<PostOutcome> {
    const started = Date.now();
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    // An IP literal is connected to without a lookup, so the guard looks at it here.
    const literal = !this.options.allowPrivate && isIP(host) ? forbiddenAddress(host) : null;
    if (literal) return { ok: false, status: null, latencyMs: 0, error: `refused: ${literal}`, refused: true };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const agent = target.protocol === 'https:' ? this.https : this.http;
    const payload = Buffer.from(body);
    return new Promise<PostOutcome>((resolve) => {
      const done = (o: PostOutcome) => {
        clearTimeout(timer);
        resolve(o);
      };
      const latency = () => Date.now() - started;
      const req = send(
        target,
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': payload.length, 'user-agent': 'peppol-ap-webhooks' },
        },
        (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          let kept = 0;
          res.on('data', (chunk: Buffer) => {
            kept += chunk.length;
            if (kept > this.options.maxResponseBytes) res.destroy();
          });
          const finish = () => {
            if (status >= 200 && status < 300) return done({ ok: true, status, latencyMs: latency() });
            const after = retryAfterMs(res.headers['retry-after']);
            const redirect = status >= 300 && status < 400 ? ` (redirect to ${res.headers.location ?? '?'} not followed)` : '';
            done({ ok: false, status, latencyMs: latency(), error: `HTTP ${status}${redirect}`, ...(after !== undefined ? { retryAfterMs: after } : {}) });
          };
          res.on('end', finish);
          res.on('close', finish);
          res.on('error', () => {});
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      req.on('error', (err) => {
        const refused = err instanceof TargetRefused;
        done({ ok: false, status: null, latencyMs: latency(), error: refused ? `refused: ${err.message}` : err.message, ...(refused ? { refused } : {}) });
      });
      req.end(payload);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
