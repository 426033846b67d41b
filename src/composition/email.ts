/**
 * The e-mail channel of the composition root: built when SMTP_HOST and EMAIL_FROM are set, with the PDF
 * rendering (src/rendering) for attachments, its connections closed with the process. Its queue is handed
 * to outbound delivery (fallback, responses), to the after-stored handlers (pick-up delay) and to the
 * webhook fan-out (notifications).
 */
import type { Knex } from 'knex';
import type { EmailConfig } from '../config/index.js';
import type { EmailTransport } from '../email/transport.js';
import { buildEmailService, type EmailService } from '../jobs/email-service.js';
import type { JobRunner } from '../jobs/runner.js';
import { pickupDelay } from '../pipeline/pickup-delay.js';
import type { AfterStoredHandler } from '../pipeline/after-stored.js';
import { renderPdf } from '../rendering/index.js';
import { EmailNotifications } from '../services/email-notifications.js';
import type { Closers } from './closers.js';
import type { Stores } from './index.js';

export type { EmailService };

export interface EmailParts {
  knex: Knex;
  stores: Stores;
  runner: JobRunner;
  maxDocumentBytes: number;
  /** Replaces the SMTP transport (fault injection in tests). */
  transport?: EmailTransport;
}

/** The `email` job kind on the runner, or null when the channel is off (no SMTP_HOST). */
export function buildEmail(config: EmailConfig, parts: EmailParts, closers: Closers): EmailService | null {
  const smtp = config.smtp;
  if (!smtp) return null;
  const service = buildEmailService(
    { ...config, smtp },
    {
      knex: parts.knex,
      documents: parts.stores.documents,
      responses: parts.stores.responses,
      runner: parts.runner,
      renderPdf,
      // Message-IDs in the sender's own domain, as RFC 5322 §3.6.4 advises.
      idDomain: smtp.from.slice(smtp.from.lastIndexOf('@') + 1).toLowerCase(),
      maxDocumentBytes: parts.maxDocumentBytes,
      ...(parts.transport ? { transport: parts.transport } : {}),
    },
  );
  closers.push('email', () => service.close());
  return service;
}

/** What outbound delivery needs of the channel. */
export const outboundEmail = (email: EmailService) => ({ queue: email.queue, store: email.store });

/** The pick-up delay handler, after inbox filing (and for documents delivered locally). */
export const pickupHandler = (email: EmailService): AfterStoredHandler => pickupDelay({ store: email.store, queue: email.queue });

/** The notifications the webhook fan-out makes from the same events. */
export const emailNotifications = (email: EmailService) => new EmailNotifications({ store: email.store, queue: email.queue });
