/**
 * Webhook endpoints of a tenant: subscribe (the signing secret answered once), list, read, delete, rotate
 * the secret, read the delivery log, replay events, send a test message. A caller acts on the endpoints of
 * its tenants with the `webhooks` scope (own or by mandate); any other endpoint is answered as absent.
 */
import type { Principal } from '../auth/principal.js';
import { ApError } from '../errors.js';
import type { Tx } from '../store/documents.js';
import type { PostgresEventStore } from '../store/events.js';
import type { PostgresWebhookStore, WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../store/webhooks.js';
import { refusedTarget } from '../webhooks/address-guard.js';
import { DOCUMENT_EVENT_TYPES, isDocumentEventType } from '../webhooks/event-types.js';
import { documentMessage, testMessage, webhookIdOf } from '../webhooks/message.js';
import { newSecret } from '../webhooks/signature.js';
import { describeEvent } from './events.js';

/** Where new deliveries become jobs (the `webhook` job kind), in the transaction that makes them. */
export interface WebhookQueue {
  enqueue(deliveryIds: readonly string[], tx: Tx): Promise<void>;
  /** After the commit: start them now rather than at the next poll. */
  wake(): void;
}

export interface EndpointView {
  id: string;
  tenantId: string;
  url: string;
  eventTypes: string[];
  disabledAt: Date | null;
  disabledReason: string | null;
  previousSecretValidUntil: Date | null;
  createdAt: Date;
}

export type DeliveryView = WebhookDelivery & { attemptLog: WebhookAttempt[] };

// A secret rotation: the old secret keeps signing this long, so receivers can switch without losing messages.
const ROTATION_OVERLAP_MS = 24 * 3600_000;
const MAX_REPLAY = 1000;
const DELIVERY_LOG_PAGE = 100;

const view = (e: WebhookEndpoint): EndpointView => ({
  id: e.id,
  tenantId: e.tenantId,
  url: e.url,
  eventTypes: e.eventTypes,
  disabledAt: e.disabledAt,
  disabledReason: e.disabledReason,
  previousSecretValidUntil: e.previousSecretUntil && e.previousSecretUntil.getTime() > Date.now() ? e.previousSecretUntil : null,
  createdAt: e.createdAt,
});

const bad = (message: string, field: string) => new ApError('api.bad-request', message, { field });

export class WebhooksService {
  constructor(
    private readonly deps: {
      webhooks: PostgresWebhookStore;
      events: PostgresEventStore;
      queue: WebhookQueue;
      /** WEBHOOKS_ALLOW_PRIVATE_TARGETS */
      allowPrivateTargets: boolean;
    },
  ) {}

  async create(principal: Principal, input: { url: unknown; eventTypes: unknown; tenantId?: unknown }): Promise<{ endpoint: EndpointView; secret: string }> {
    const tenantId = input.tenantId ?? principal.tenantId;
    if (typeof tenantId !== 'string') throw bad('tenantId is required for an operator key', 'tenantId');
    if (!principal.can('webhooks', tenantId)) throw new ApError('api.not-found', `No tenant ${tenantId}`);
    const url = await this.checkUrl(input.url);
    const eventTypes = this.checkEventTypes(input.eventTypes);
    const secret = newSecret();
    try {
      const endpoint = await this.deps.webhooks.createEndpoint({ tenantId, url, eventTypes, secret, createdBy: principal.actorFor(tenantId) });
      return { endpoint: view(endpoint), secret };
    } catch (err) {
      // An operator naming a tenant that does not exist (foreign key); tenants' own keys name only theirs.
      if ((err as { code?: string }).code === '23503') throw new ApError('api.not-found', `No tenant ${tenantId}`);
      throw err;
    }
  }

  async list(principal: Principal): Promise<EndpointView[]> {
    return (await this.deps.webhooks.listEndpoints(principal.tenantsFor('webhooks'))).map(view);
  }

  async get(principal: Principal, id: string): Promise<EndpointView> {
    return view(await this.endpoint(principal, id));
  }

  async delete(principal: Principal, id: string): Promise<void> {
    await this.endpoint(principal, id);
    await this.deps.webhooks.deleteEndpoint(id);
  }

  /** A new secret; the one it replaces keeps signing (a second signature) for 24 hours. */
  async rotateSecret(principal: Principal, id: string): Promise<{ endpoint: EndpointView; secret: string }> {
    await this.endpoint(principal, id);
    const secret = newSecret();
    const endpoint = await this.deps.webhooks.rotateSecret(id, secret, new Date(Date.now() + ROTATION_OVERLAP_MS));
    return { endpoint: view(endpoint), secret };
  }

  async deliveries(principal: Principal, id: string): Promise<DeliveryView[]> {
    await this.endpoint(principal, id);
    return this.deps.webhooks.deliveries(id, DELIVERY_LOG_PAGE);
  }

  /**
   * Sends the endpoint's subscribed events again: one event by id, or those of a time range [from, to).
   * Each goes with the webhook-id of its first delivery, so a receiver that de-duplicates sees a repeat.
   */
  async replay(principal: Principal, id: string, input: { eventId?: unknown; from?: unknown; to?: unknown }): Promise<string[]> {
    const endpoint = await this.enabledEndpoint(principal, id);
    let filter: { eventId: string } | { from: Date; to: Date };
    if (input.eventId !== undefined) {
      const eventId = String(input.eventId);
      if (!/^\d{1,19}$/.test(eventId)) throw bad('eventId must be an event id (the eventId of a webhook or of the event feed)', 'eventId');
      filter = { eventId };
    } else {
      const from = typeof input.from === 'string' ? new Date(input.from) : null;
      const to = typeof input.to === 'string' ? new Date(input.to) : null;
      if (!from || !to || Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
        throw bad('Give eventId, or from and to (ISO 8601 times, from before to)', 'from');
      }
      filter = { from, to };
    }
    const events = (await this.deps.events.ofTenant(endpoint.tenantId, filter, MAX_REPLAY + 1)).filter((e) => endpoint.eventTypes.includes(describeEvent(e).type));
    if ('eventId' in filter && events.length === 0) throw new ApError('api.not-found', `No event ${filter.eventId} this endpoint subscribes to`);
    if (events.length > MAX_REPLAY) throw bad(`More than ${MAX_REPLAY} events in that range: replay a shorter one`, 'from');
    const rows = events.map((e) => {
      const { type, data } = describeEvent(e);
      return { endpointId: id, eventId: e.id, webhookId: webhookIdOf(e.id), eventType: type, body: documentMessage(type, e.at, data), replay: true };
    });
    return this.queueDeliveries(rows);
  }

  /** A `webhook.test` message, delivered (and logged) like any other. */
  async test(principal: Principal, id: string): Promise<string> {
    await this.enabledEndpoint(principal, id);
    const m = testMessage(id, new Date());
    const [deliveryId] = await this.queueDeliveries([{ endpointId: id, eventId: null, webhookId: m.webhookId, eventType: m.type, body: m.body, replay: false }]);
    return deliveryId!;
  }

  private async queueDeliveries(rows: Parameters<PostgresWebhookStore['insertDeliveries']>[0]): Promise<string[]> {
    const ids = await this.deps.webhooks.transaction(async (tx) => {
      const inserted = await this.deps.webhooks.insertDeliveries(rows, tx);
      await this.deps.queue.enqueue(inserted, tx);
      return inserted;
    });
    this.deps.queue.wake();
    return ids;
  }

  private async endpoint(principal: Principal, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.deps.webhooks.getEndpoint(id);
    if (!endpoint || !principal.can('webhooks', endpoint.tenantId)) throw new ApError('api.not-found', `No webhook endpoint ${id}`);
    return endpoint;
  }

  private async enabledEndpoint(principal: Principal, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoint(principal, id);
    if (endpoint.disabledAt) throw new ApError('api.conflict', `The endpoint is disabled: ${endpoint.disabledReason}`, { disabledAt: endpoint.disabledAt.toISOString() });
    return endpoint;
  }

  private async checkUrl(value: unknown): Promise<string> {
    if (typeof value !== 'string' || value.length > 2048) throw bad('url must be an absolute http(s) URL of at most 2048 characters', 'url');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw bad(`url ${JSON.stringify(value)} is not an absolute URL`, 'url');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad('url must be an http(s) URL', 'url');
    if (this.deps.allowPrivateTargets) return url.toString();
    if (url.protocol !== 'https:') throw new ApError('webhook.target-refused', 'Webhook URLs must be https:// (WEBHOOKS_ALLOW_PRIVATE_TARGETS is off)', { url: value });
    const refused = await refusedTarget(url.hostname);
    if (refused) throw new ApError('webhook.target-refused', `Webhooks are not sent to ${url.hostname}: ${refused} (WEBHOOKS_ALLOW_PRIVATE_TARGETS is off)`, { url: value });
    return url.toString();
  }

  private checkEventTypes(value: unknown): string[] {
    if (!Array.isArray(value) || value.length === 0 || !value.every((t): t is string => typeof t === 'string' && isDocumentEventType(t))) {
      throw bad(`eventTypes must be a non-empty list of: ${DOCUMENT_EVENT_TYPES.join(', ')}`, 'eventTypes');
    }
    return [...new Set(value)];
  }
}
