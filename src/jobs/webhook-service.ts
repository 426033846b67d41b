/**
 * Webhooks on the job runner: each delivery is a `webhook` job (its attempts the job's attempts), and a
 * fan-out loop in every process turns committed document events into deliveries, polling at the runner's
 * interval (several processes take turns: the fan-out holds a row lock on its cursor). No NOTIFY wakes it:
 * a notification from every transaction that appends an event would serialise the commits of the busiest
 * paths (AS4 inbound) on Postgres's notification queue lock, for a second of latency saved.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { NO_METRICS, type Metrics } from '../core/metrics.js';
import type { RetryPolicy } from '../core/retry.js';
import { WebhookDelivery } from '../services/webhook-delivery.js';
import type { EmailNotifications } from '../services/email-notifications.js';
import type { WebhookQueue } from '../services/webhooks.js';
import { PostgresEventStore } from '../store/events.js';
import { PostgresJobStore } from '../store/jobs.js';
import { PostgresWebhookStore } from '../store/webhooks.js';
import { WebhookTransport } from '../webhooks/transport.js';
import { SETTLED, type JobRunner } from './runner.js';

export const WEBHOOK_JOB = 'webhook';

// Standard Webhooks asks receivers to answer fast; a slow one is a failed attempt, retried later.
const TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 4096;
// A job that ends without settling its delivery is rare (killed on its last attempt): a look a minute will do.
const ORPHAN_SWEEP_MS = 60_000;

export interface WebhooksParts {
  knex: Knex;
  runner: JobRunner;
  retry: RetryPolicy;
  allowPrivateTargets: boolean;
  /** How often the fan-out looks for new events. */
  pollIntervalMs: number;
  logger: Logger;
  /** The e-mail notifications made from the same events (src/services/email-notifications.ts). */
  notifications?: EmailNotifications;
  /** Counts each attempt's outcome (default: none). */
  metrics?: Pick<Metrics, 'webhookAttempt'>;
}

export interface WebhookService {
  queue: WebhookQueue;
  /** Starts the fan-out loop (after the runner started). */
  start(): void;
  /** Stops the loop and waits for its batch in progress. */
  stopFanOut(): Promise<void>;
  /** Closes the connections (after the runner stopped). */
  close(): void;
}

/** The queue of webhook deliveries on `runner`, for the services that make deliveries. */
export function webhookQueue(runner: JobRunner): WebhookQueue {
  return {
    async enqueue(ids, tx) {
      for (const deliveryId of ids) await runner.enqueue(WEBHOOK_JOB, { deliveryId }, { uniqueKey: deliveryId }, tx);
    },
    wake: () => runner.wake(),
  };
}

export function buildWebhookDelivery(parts: WebhooksParts): WebhookService {
  const { runner, logger } = parts;
  const metrics = parts.metrics ?? NO_METRICS;
  const transport = new WebhookTransport({ allowPrivate: parts.allowPrivateTargets, timeoutMs: TIMEOUT_MS, maxResponseBytes: MAX_RESPONSE_BYTES });
  const queue = webhookQueue(runner);
  const delivery = new WebhookDelivery({
    webhooks: new PostgresWebhookStore(parts.knex),
    events: new PostgresEventStore(parts.knex),
    jobs: new PostgresJobStore(parts.knex),
    queue,
    transport,
    retry: parts.retry,
    ...(parts.notifications ? { notifications: parts.notifications } : {}),
  });
  runner.register<{ deliveryId: string }>({
    kind: WEBHOOK_JOB,
    retry: parts.retry,
    concurrency: 16,
    leaseMs: TIMEOUT_MS + 60_000,
    async handle(run) {
      metrics.webhookAttempt(await delivery.attempt({ deliveryId: run.job.payload.deliveryId, lease: run.lease, attempt: run.job.attempts }));
      return SETTLED; // the attempt settles its job with the delivery's new state
    },
  });

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  let lastSweep = 0;
  const tick = () => {
    running = (async () => {
      try {
        while (!stopped && (await delivery.fanOut()).more);
        if (Date.now() - lastSweep < ORPHAN_SWEEP_MS) return;
        lastSweep = Date.now();
        const orphans = await delivery.failOrphans(WEBHOOK_JOB);
        if (orphans > 0) logger.warn({ orphans }, 'webhooks: deliveries whose job ended without an outcome are failed');
      } catch (err) {
        logger.error({ err }, 'webhooks: fan-out failed; trying again at the next poll');
      }
    })();
    void running.finally(() => {
      running = null;
      if (!stopped) timer = setTimeout(tick, parts.pollIntervalMs).unref();
    });
  };
  return {
    queue,
    start() {
      stopped = false;
      tick();
    },
    async stopFanOut() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    close: () => transport.close(),
  };
}
