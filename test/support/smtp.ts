/**
 * A real SMTP server on 127.0.0.1 for the e-mail tests (smtp-server), every message it accepts parsed with
 * a real MIME parser (mailparser). It can refuse recipients (550), defer them (451), go down and come back
 * on the same port, and call a hook when a message's data has arrived, before it answers 250.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelopeTo: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

export interface TestSmtp {
  port: number;
  received: ReceivedMail[];
  /** Recipients answered 550 at RCPT TO. */
  refuse: Set<string>;
  /** Called with the raw message once its data arrived, before the 250. */
  onMessage: ((raw: Buffer) => void | Promise<void>) | null;
  /** The variables that point the e-mail channel at this server, fast retries. */
  env(extra?: Record<string, string>): Record<string, string>;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const refuse = new Set<string>();
  const t: Partial<TestSmtp> = { received, refuse, onMessage: null };
  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // Going down closes the client's pooled connections at once, as a server that stops would.
      closeTimeout: 50,
      size: 50 * 1024 * 1024,
      onRcptTo(address, _session, cb) {
        if (refuse.has(address.address)) {
          const err = new Error('5.1.1 mailbox unavailable') as Error & { responseCode: number };
          err.responseCode = 550;
          cb(err);
          return;
        }
        cb();
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          const raw = Buffer.concat(chunks);
          try {
            await t.onMessage?.(raw);
            received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), raw, parsed: await simpleParser(raw) });
            cb();
          } catch (err) {
            cb(err as Error);
          }
        });
      },
    });
  let server = make();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return Object.assign(t, {
    port,
    env: (extra: Record<string, string> = {}) => ({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(port),
      SMTP_TLS: 'none',
      EMAIL_FROM: 'invoices@ap-a.test',
      EMAIL_RETRY_INITIAL_MS: '100',
      EMAIL_RETRY_MAX_MS: '400',
      SMTP_TIMEOUT_MS: '2000',
      ...extra,
    }),
    async waitFor(count: number, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > end) throw new Error(`${received.length} e-mails received, not ${count}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return received;
    },
    async down() {
      await new Promise<void>((r) => server.close(() => r()));
    },
    async up() {
      server = make();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    async close() {
      if (server.server.listening) await new Promise<void>((r) => server.close(() => r()));
    },
  }) as TestSmtp;
}
