/**
 * E-mail notifications a tenant subscribed to (email_tenant_settings): a new document in its inbox, a
 * delivery that failed, a webhook endpoint disabled. Document events come from the webhook fan-out's batch
 * (src/services/webhook-delivery.ts), read once in commit order past its cursor, so each event makes its
 * notification once (the job's unique key is the event id); a disabled endpoint is notified in the
 * transaction that disables it.
 */
import type { NotificationEvent } from '../email/texts.js';
import type { EmailQueue } from '../pipeline/email-channel.js';
import type { Tx } from '../store/documents.js';
import type { PostgresEmailStore } from '../store/email.js';
import type { CommittedEvent } from '../store/events.js';

/** The notification a committed event makes, if any. */
function notificationOf(e: CommittedEvent): NotificationEvent | null {
  if (e.type !== 'status') return null;
  if (e.direction === 'inbound' && e.toStatus === 'available') return 'document.received';
  if (e.direction === 'outbound' && (e.toStatus === 'failed' || e.toStatus === 'undeliverable')) return 'document.failed';
  return null;
}

export class EmailNotifications {
  constructor(private readonly deps: { store: Pick<PostgresEmailStore, 'subscribers'>; queue: EmailQueue }) {}

  /** Queues the notifications of a batch of committed events, in the fan-out's transaction; how many. */
  async fromEvents(events: readonly CommittedEvent[], tx: Tx): Promise<number> {
    const wanted = events.flatMap((e) => {
      const n = e.tenantId ? notificationOf(e) : null;
      return n ? [{ e, n }] : [];
    });
    let queued = 0;
    for (const event of new Set(wanted.map((w) => w.n))) {
      const of = wanted.filter((w) => w.n === event);
      const subscribers = await this.deps.store.subscribers([...new Set(of.map((w) => w.e.tenantId!))], event, tx);
      for (const { e } of of) {
        if (!subscribers.has(e.tenantId!)) continue;
        await this.deps.queue.enqueue({ purpose: 'notification', tenantId: e.tenantId!, event, documentId: e.documentId, reason: e.reason }, tx, { eventKey: e.id });
        queued++;
      }
    }
    return queued;
  }

  /** Queues the notification of an endpoint disabled (in the transaction that disables it). */
  async endpointDisabled(endpoint: { id: string; tenantId: string; url: string }, reason: string, deliveryId: string, tx: Tx): Promise<void> {
    const subscribers = await this.deps.store.subscribers([endpoint.tenantId], 'webhook.disabled', tx);
    if (!subscribers.has(endpoint.tenantId)) return;
    await this.deps.queue.enqueue({ purpose: 'notification', tenantId: endpoint.tenantId, event: 'webhook.disabled', reason, webhookUrl: endpoint.url }, tx, { eventKey: `webhook:${endpoint.id}:${deliveryId}` });
  }

  wake(): void {
    this.deps.queue.wake();
  }
}
