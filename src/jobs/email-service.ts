/**
 * The e-mail channel assembled: the SMTP transport (src/email/transport.ts) built once from the e-mail
 * settings, the channel's decisions (src/pipeline/email-channel.ts), and the `email` job kind registered on
 * the runner (retries with backoff, EMAIL_CONCURRENCY at once, a lease longer than one SMTP exchange can
 * take). The queue it returns is what the flows that hand something to the e-mail channel write to, in
 * their own transaction.
 */
import type { Knex } from 'knex';
import type { EmailConfig } from '../config/index.js';
import { SmtpEmailTransport, type EmailTransport } from '../email/transport.js';
import { EMAIL_JOB, EmailChannel, emailJobKey, type EmailJobPayload, type EmailQueue, type RenderPdf } from '../pipeline/email-channel.js';
import type { PostgresBusinessResponseStore } from '../store/business-responses.js';
import type { DocumentStore } from '../store/documents.js';
import { PostgresEmailStore } from '../store/email.js';
import { PostgresJobStore } from '../store/jobs.js';
import { SETTLED, type JobRunner } from './runner.js';

export interface EmailParts {
  knex: Knex;
  documents: DocumentStore;
  responses: PostgresBusinessResponseStore;
  runner: JobRunner;
  renderPdf: RenderPdf;
  /** Right-hand side of Message-IDs (the sender's domain). */
  idDomain: string;
  maxDocumentBytes: number;
  /** Replaces the SMTP transport (fault injection). */
  transport?: EmailTransport;
}

export interface EmailService {
  queue: EmailQueue;
  channel: EmailChannel;
  store: PostgresEmailStore;
  /** Closes the SMTP connections (after the runner stopped). */
  close(): void;
}

/** The `email` job kind's queue on `runner`. */
export function emailQueue(runner: JobRunner): EmailQueue {
  return {
    async enqueue(payload, tx, options = {}) {
      await runner.enqueue(EMAIL_JOB, payload, { uniqueKey: emailJobKey(payload, options.eventKey), ...(options.runAt ? { runAt: options.runAt } : {}) }, tx);
    },
    wake: () => runner.wake(),
  };
}

export function buildEmailService(config: EmailConfig & { smtp: NonNullable<EmailConfig['smtp']> }, parts: EmailParts): EmailService {
  const transport =
    parts.transport ??
    new SmtpEmailTransport({
      host: config.smtp.host,
      port: config.port,
      tls: config.tls,
      tlsRejectUnauthorized: config.tlsRejectUnauthorized,
      from: config.smtp.from,
      credentials: config.credentials,
      dkim: config.dkim && { domain: config.dkim.domain, selector: config.dkim.selector, privateKeyPem: config.dkim.privateKey.pem },
      timeoutMs: config.timeoutMs,
      maxConnections: config.concurrency,
    });
  const store = new PostgresEmailStore(parts.knex);
  const jobs = new PostgresJobStore(parts.knex);
  const channel = new EmailChannel({
    documents: parts.documents,
    email: store,
    responses: parts.responses,
    jobs,
    transport,
    renderPdf: parts.renderPdf,
    transaction: (fn) => parts.knex.transaction(fn),
    idDomain: parts.idDomain,
    xmlLimits: { maxBytes: parts.maxDocumentBytes },
  });
  parts.runner.register<EmailJobPayload>({
    kind: EMAIL_JOB,
    retry: { ...config.retry, multiplier: 2 },
    concurrency: config.concurrency,
    // Connect, greet, each command and the data each get SMTP_TIMEOUT_MS at most; rendering comes before.
    leaseMs: 6 * config.timeoutMs + 60_000,
    async handle(run) {
      await channel.attempt({ jobId: run.job.id, payload: run.job.payload, lease: run.lease, attempt: run.job.attempts, maxAttempts: run.job.maxAttempts, decide: run.decide });
      return SETTLED; // every outcome is written with the document's status or timeline entry
    },
  });
  return { queue: emailQueue(parts.runner), channel, store, close: () => transport.close() };
}
