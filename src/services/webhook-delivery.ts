/**
 * Webhook delivery: the fan-out turns committed document events into deliveries (one per subscribed,
 * enabled endpoint of the document's tenant), and each delivery's attempts call the endpoint.
 *
 * Nothing is lost: the fan-out reads events in commit order past a cursor it moves in the transaction that
 * makes the deliveries and their jobs (src/store/events.ts), and an attempt writes its log entry, the
 * delivery's state and its job's settlement in one transaction. A crash in between loses at most the
 * record of an attempt, which the job then makes again with the same webhook-id (at least once).
 *
 * An attempt succeeds on 2xx. 410 Gone disables the endpoint. Anything else (3xx, since redirects are not
 * followed, 4xx, 5xx, a timeout, a network error) is tried again after the backoff, or after the answer's
 * Retry-After (up to the longest backoff delay); after the last attempt the delivery is failed and the
 * endpoint disabled, with the reason on the endpoint (GET /webhooks/{id}) and in its tenant's audit log.
 */
import type { WebhookAttemptOutcome } from '../core/metrics.js';
import { backoffDelay, type RetryPolicy } from '../core/retry.js';
import type { PostgresEventStore } from '../store/events.js';
import type { JobLease, JobSettlement, PostgresJobStore } from '../store/jobs.js';
import type { AttemptRecord, PostgresWebhookStore } from '../store/webhooks.js';
import { documentMessage, webhookIdOf } from '../webhooks/message.js';
import { webhookHeaders } from '../webhooks/signature.js';
import type { PostOutcome, WebhookTransport } from '../webhooks/transport.js';
import { describeEvent } from './events.js';
import type { WebhookQueue } from './webhooks.js';
import type { EmailNotifications } from './email-notifications.js';

export interface AttemptRun {
  deliveryId: string;
  lease: JobLease;
  /** This attempt's number (1 for the first), as the job counts them. */
  attempt: number;
}

const FAN_OUT_BATCH = 500;

export class WebhookDelivery {
  constructor(
    private readonly deps: {
      webhooks: PostgresWebhookStore;
      events: PostgresEventStore;
      jobs: PostgresJobStore;
      queue: WebhookQueue;
      transport: Pick<WebhookTransport, 'post'>;
      retry: RetryPolicy;
      /** The e-mail notifications of the same events, when the e-mail channel is on. */
      notifications?: EmailNotifications;
    },
  ) {}

  /** One batch of the fan-out; the number of events it read (a full batch: call again). */
  async fanOut(): Promise<{ events: number; more: boolean }> {
    const { webhooks, events, queue } = this.deps;
    const read = await webhooks.transaction(async (tx) => {
      const cursor = await events.lockFanOutCursor(tx);
      const batch = await events.committedAfter(cursor, FAN_OUT_BATCH, tx);
      if (batch.length === 0) return { events: 0, deliveries: 0, notified: 0 };
      const messages = batch.flatMap((e) => {
        if (e.tenantId === null) return []; // a participant of no tenant: no endpoint can subscribe
        const { type, data } = describeEvent(e);
        return [{ eventId: e.id, tenantId: e.tenantId, webhookId: webhookIdOf(e.id), eventType: type, body: documentMessage(type, e.at, data) }];
      });
      const ids = await webhooks.fanOut(messages, tx);
      await queue.enqueue(ids, tx);
      const notified = (await this.deps.notifications?.fromEvents(batch, tx)) ?? 0;
      await events.moveFanOutCursor(batch.at(-1)!.cursor, tx);
      return { events: batch.length, deliveries: ids.length, notified };
    });
    if (read.deliveries > 0) queue.wake();
    if (read.notified > 0) this.deps.notifications?.wake();
    return { events: read.events, more: read.events === FAN_OUT_BATCH };
  }

  /** Ends the pending deliveries whose job ended without settling them (see PostgresWebhookStore.failOrphans). */
  failOrphans(jobKind: string): Promise<number> {
    return this.deps.webhooks.failOrphans(jobKind);
  }

  /** One attempt of a delivery, its outcome and its job's settlement written together; resolves with the outcome. */
  async attempt(run: AttemptRun): Promise<WebhookAttemptOutcome> {
    const { webhooks, jobs } = this.deps;
    const found = await webhooks.deliveryWithEndpoint(run.deliveryId);
    if (!found || found.delivery.status !== 'pending') {
      await jobs.settle(run.lease, { status: 'done' });
      return 'skipped';
    }
    const { delivery, endpoint } = found;
    if (endpoint.deleted || endpoint.disabledAt) {
      const reason = endpoint.deleted ? 'endpoint deleted' : `endpoint disabled: ${endpoint.disabledReason}`;
      await webhooks.transaction(async (tx) => {
        await webhooks.endDelivery(delivery.id, reason, tx);
        await jobs.settle(run.lease, { status: 'failed', error: { kind: 'webhook.endpoint-off', message: reason } }, tx);
      });
      return 'skipped';
    }
    const now = Date.now();
    const secrets = [endpoint.secret, ...(endpoint.previousSecret && endpoint.previousSecretUntil && endpoint.previousSecretUntil.getTime() > now ? [endpoint.previousSecret] : [])];
    const outcome = await this.deps.transport.post(endpoint.url, webhookHeaders(secrets, delivery.webhookId, Math.floor(now / 1000), delivery.body), delivery.body);
    const { record, settlement } = this.judge(run, endpoint.url, outcome);
    await webhooks.transaction(async (tx) => {
      await webhooks.recordAttempt(record, tx);
      if (record.disableEndpoint) await this.deps.notifications?.endpointDisabled(endpoint, record.disableEndpoint, delivery.id, tx);
      await jobs.settle(run.lease, settlement, tx);
    });
    if (record.disableEndpoint) this.deps.notifications?.wake();
    return record.status === 'succeeded' ? 'succeeded' : record.status === 'pending' ? 'retrying' : 'failed';
  }

  private judge(run: AttemptRun, url: string, o: PostOutcome): { record: AttemptRecord; settlement: JobSettlement } {
    const attempt = { httpStatus: o.status, latencyMs: o.latencyMs, error: o.ok ? null : o.error };
    const base = { deliveryId: run.deliveryId, attempt };
    if (o.ok) return { record: { ...base, status: 'succeeded', nextAttemptAt: null }, settlement: { status: 'done' } };
    const error = { kind: 'webhook.attempt-failed', message: o.error };
    const at = new Date().toISOString();
    if (o.status === 410) {
      const reason = `${at}: ${url} answered 410 Gone (delivery ${run.deliveryId}); disabled as the endpoint asked`;
      return { record: { ...base, status: 'failed', nextAttemptAt: null, disableEndpoint: reason }, settlement: { status: 'failed', error } };
    }
    // Not a public address (WEBHOOKS_ALLOW_PRIVATE_TARGETS off): no later attempt can do better.
    if (o.refused) return { record: { ...base, status: 'failed', nextAttemptAt: null }, settlement: { status: 'failed', error } };
    const { retry } = this.deps;
    if (run.attempt >= retry.maxAttempts) {
      const reason = `${at}: delivery ${run.deliveryId} failed ${run.attempt} attempts (last: ${o.error}); disabled so that no more are lost silently`;
      return { record: { ...base, status: 'failed', nextAttemptAt: null, disableEndpoint: reason }, settlement: { status: 'failed', error } };
    }
    const delayMs = o.retryAfterMs !== undefined ? Math.min(o.retryAfterMs, retry.maxDelayMs) : backoffDelay(retry, run.attempt);
    const runAt = new Date(Date.now() + delayMs);
    return { record: { ...base, status: 'pending', nextAttemptAt: runAt }, settlement: { status: 'queued', runAt, error } };
  }
}
