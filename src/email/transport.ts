/**
 * SMTP through nodemailer: one pooled transport built at start-up from the e-mail settings, and the
 * failures of a send as the error catalogue's kinds, so that the job runner retries what can succeed later:
 *  - no connection, a timeout, a dropped socket, a failed login or a 4xx answer → `email.smtp-unavailable`
 *    (transient: the same message, with the same Message-ID, is sent again after the backoff);
 *  - a 5xx answer to RCPT TO or to the message → `email.recipient-refused` (permanent: it would be refused
 *    again).
 * The Message-ID is the caller's: derived from the job, it is the same in every attempt, so a message sent
 * twice after a crash (see README "E-mail channel") is recognisably one message to the receiving side.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { ApError } from '../errors.js';

export interface SmtpOptions {
  host: string;
  port: number;
  tls: 'starttls' | 'implicit' | 'none';
  tlsRejectUnauthorized: boolean;
  from: string;
  credentials: { user: string; password: string } | null;
  dkim: { domain: string; selector: string; privateKeyPem: string } | null;
  timeoutMs: number;
  /** Connections kept open at once (the job kind's concurrency). */
  maxConnections: number;
}

export interface EmailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface OutgoingEmail {
  /** `<...@domain>`, the same in every attempt of one message. */
  messageId: string;
  to: string;
  subject: string;
  text: string;
  /** Content-Language of the message. */
  language: string;
  attachments: readonly EmailAttachment[];
}

export interface SentEmail {
  messageId: string;
  /** The server's answer to the message (`250 OK: queued as ...`). */
  response: string;
}

export interface EmailTransport {
  send(email: OutgoingEmail): Promise<SentEmail>;
  close(): void;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

/** A failed send as an ApError of the catalogue (see the file comment). */
export function smtpFailure(err: unknown, host: string): ApError {
  const e = err as SmtpError;
  const answer = e.response ? `: ${e.response}` : e.message ? `: ${e.message}` : '';
  if (e.responseCode !== undefined && e.responseCode >= 500) {
    const what = e.command?.startsWith('RCPT') ? 'the recipient' : 'the message';
    return new ApError('email.recipient-refused', `The SMTP server ${host} refused ${what} (${e.responseCode}${e.command ? ` to ${e.command}` : ''})${answer}`, { responseCode: e.responseCode, command: e.command ?? null }, { cause: err });
  }
  const why = e.responseCode !== undefined ? `deferred it (${e.responseCode})` : `could not be used (${e.code ?? 'error'})`;
  return new ApError('email.smtp-unavailable', `The SMTP server ${host} ${why}${answer}`, { ...(e.code ? { code: e.code } : {}), ...(e.responseCode ? { responseCode: e.responseCode } : {}) }, { cause: err });
}

export class SmtpEmailTransport implements EmailTransport {
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(private readonly options: SmtpOptions) {
    const o = options;
    this.transporter = nodemailer.createTransport({
      pool: true,
      maxConnections: o.maxConnections,
      host: o.host,
      port: o.port,
      secure: o.tls === 'implicit',
      requireTLS: o.tls === 'starttls',
      ignoreTLS: o.tls === 'none',
      tls: { rejectUnauthorized: o.tlsRejectUnauthorized },
      connectionTimeout: o.timeoutMs,
      greetingTimeout: o.timeoutMs,
      socketTimeout: o.timeoutMs,
      ...(o.credentials ? { auth: { user: o.credentials.user, pass: o.credentials.password } } : {}),
      ...(o.dkim ? { dkim: { domainName: o.dkim.domain, keySelector: o.dkim.selector, privateKey: o.dkim.privateKeyPem } } : {}),
    });
  }

  async send(email: OutgoingEmail): Promise<SentEmail> {
    let info: SMTPTransport.SentMessageInfo;
    try {
      info = await this.transporter.sendMail({
        from: this.options.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        messageId: email.messageId,
        headers: { 'Content-Language': email.language, 'Auto-Submitted': 'auto-generated' },
        attachments: email.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
      });
    } catch (err) {
      throw smtpFailure(err, this.options.host);
    }
    // One recipient per message: a refused one without an error is still a refusal.
    if (info.rejected.length > 0) throw new ApError('email.recipient-refused', `The SMTP server ${this.options.host} refused the recipient ${email.to}: ${info.response}`);
    return { messageId: email.messageId, response: info.response };
  }

  close(): void {
    this.transporter.close();
  }
}
