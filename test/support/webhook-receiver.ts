/**
 * A webhook receiver on 127.0.0.1 that checks every message with an independent Standard Webhooks
 * implementation (the `standardwebhooks` package): which of the secrets it was given verify each
 * request. Answers follow a script (status codes, `hang` to keep the request open), then 200.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The secrets (of `secrets`) that verify this request. */
  verifiedBy: string[];
  json: { type: string; timestamp: string; data: Record<string, unknown> };
  at: number;
}

export type Answer = number | 'hang' | { status: number; headers: Record<string, string> };

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Secrets to verify with; set when the endpoint is created (or rotated). */
  secrets: string[] = [];
  private readonly script: Answer[] = [];
  private readonly hanging: ServerResponse[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(path = '/hook'): Promise<WebhookReceiver> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    server.on('request', (req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => receiver.take(req.headers, body, res));
    });
    return receiver;
  }

  /** The answers to the next requests, in order. */
  answer(...answers: Answer[]): void {
    this.script.push(...answers);
  }

  /** Resolves once `n` requests in all have arrived. */
  async waitFor(n: number, timeoutMs = 20_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline) throw new Error(`the receiver got ${this.received.length} of ${n} webhooks within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return this.received;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private take(headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    const verifiedBy = this.secrets.filter((secret) => {
      try {
        new Webhook(secret).verify(body, headers as Record<string, string>);
        return true;
      } catch {
        return false;
      }
    });
    this.received.push({ headers, body, verifiedBy, json: JSON.parse(body), at: Date.now() });
    const answer = this.script.shift() ?? 200;
    if (answer === 'hang') this.hanging.push(res);
    else if (typeof answer === 'number') res.writeHead(answer).end();
    else res.writeHead(answer.status, answer.headers).end();
    for (const w of this.waiters.splice(0)) w();
  }
}
