/**
 * Webhook endpoints, their deliveries and each delivery's attempts (migration 20261202_1000_webhooks).
 * A delivery is one message to one endpoint; its attempts are the HTTP calls made for it.
 */
import type { Knex } from 'knex';
import type { Tx } from './documents.js';

export interface WebhookEndpoint {
  id: string;
  tenantId: string;
  url: string;
  eventTypes: string[];
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
  createdBy: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  /** document_events.id (bigint as text); null for a test call. */
  eventId: string | null;
  webhookId: string;
  eventType: string;
  body: string;
  replay: boolean;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  createdAt: Date;
}

export interface WebhookAttempt {
  at: Date;
  httpStatus: number | null;
  latencyMs: number;
  error: string | null;
}

export type NewDelivery = Pick<WebhookDelivery, 'endpointId' | 'eventId' | 'webhookId' | 'eventType' | 'body' | 'replay'>;

/** What an attempt ended with, written in one transaction with the job's settlement. */
export interface AttemptRecord {
  deliveryId: string;
  attempt: Omit<WebhookAttempt, 'at'>;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  /** Disable the delivery's endpoint, saying why. */
  disableEndpoint?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const endpointOf = (r: any): WebhookEndpoint => ({
  id: r.id,
  tenantId: r.tenant_id,
  url: r.url,
  eventTypes: r.event_types,
  secret: r.secret,
  previousSecret: r.previous_secret,
  previousSecretUntil: r.previous_secret_until,
  disabledAt: r.disabled_at,
  disabledReason: r.disabled_reason,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const deliveryOf = (r: any): WebhookDelivery => ({
  id: r.id,
  endpointId: r.endpoint_id,
  eventId: r.event_id === null ? null : String(r.event_id),
  webhookId: r.webhook_id,
  eventType: r.event_type,
  body: r.body,
  replay: r.replay,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
});

export class PostgresWebhookStore {
  constructor(private readonly knex: Knex) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn);
  }

  async createEndpoint(e: { tenantId: string; url: string; eventTypes: string[]; secret: string; createdBy: string }): Promise<WebhookEndpoint> {
    const [row] = await this.knex('webhook_endpoints')
      .insert({ tenant_id: e.tenantId, url: e.url, event_types: e.eventTypes, secret: e.secret, created_by: e.createdBy })
      .returning('*');
    return endpointOf(row);
  }

  /** Endpoints not deleted, of these tenants ('all': every tenant's), newest first. */
  async listEndpoints(tenantIds: readonly string[] | 'all'): Promise<WebhookEndpoint[]> {
    const q = this.knex('webhook_endpoints').whereNull('deleted_at').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
    if (tenantIds !== 'all') q.whereIn('tenant_id', tenantIds);
    return (await q).map(endpointOf);
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    const row = await this.knex('webhook_endpoints').where({ id }).whereNull('deleted_at').first();
    return row ? endpointOf(row) : null;
  }

  /** Deleted endpoints keep their delivery log in the table, but are never called or shown again. */
  async deleteEndpoint(id: string): Promise<void> {
    await this.knex('webhook_endpoints').where({ id }).update({ deleted_at: this.knex.fn.now() });
  }

  /** The new secret signs from now on; the current one keeps signing too until `previousUntil`. */
  async rotateSecret(id: string, secret: string, previousUntil: Date): Promise<WebhookEndpoint> {
    const [row] = await this.knex('webhook_endpoints')
      .where({ id })
      .update({ previous_secret: this.knex.ref('secret'), previous_secret_until: previousUntil, secret })
      .returning('*');
    return endpointOf(row);
  }

  async insertDeliveries(rows: NewDelivery[], tx: Tx): Promise<string[]> {
    if (rows.length === 0) return [];
    const inserted = await tx('webhook_deliveries')
      .insert(rows.map((r) => ({ endpoint_id: r.endpointId, event_id: r.eventId, webhook_id: r.webhookId, event_type: r.eventType, body: r.body, replay: r.replay })))
      .onConflict()
      .ignore()
      .returning('id');
    return inserted.map((r: { id: string }) => r.id);
  }

  /**
   * For the fan-out: one delivery per event and subscribed, enabled endpoint of the event's tenant (none
   * twice for the same endpoint and event); the new deliveries' ids.
   */
  async fanOut(events: Array<{ eventId: string; tenantId: string; webhookId: string; eventType: string; body: string }>, tx: Tx): Promise<string[]> {
    if (events.length === 0) return [];
    const { rows } = await tx.raw(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id, webhook_id, event_type, body)
       SELECT w.id, ev.event_id, ev.webhook_id, ev.event_type, ev.body
       FROM unnest(?::bigint[], ?::uuid[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS ev(event_id, tenant_id, webhook_id, event_type, body, n)
       JOIN webhook_endpoints w ON w.tenant_id = ev.tenant_id AND ev.event_type = ANY (w.event_types) AND w.disabled_at IS NULL AND w.deleted_at IS NULL
       ORDER BY ev.n, w.id
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [events.map((e) => e.eventId), events.map((e) => e.tenantId), events.map((e) => e.webhookId), events.map((e) => e.eventType), events.map((e) => e.body)],
    );
    return rows.map((r: { id: string }) => r.id);
  }

  /** A delivery and its endpoint (deleted ones too: the attempt then ends the delivery). */
  async deliveryWithEndpoint(id: string): Promise<{ delivery: WebhookDelivery; endpoint: WebhookEndpoint & { deleted: boolean } } | null> {
    const row = await this.knex('webhook_deliveries').where({ id }).first();
    if (!row) return null;
    const w = await this.knex('webhook_endpoints').where({ id: row.endpoint_id }).first();
    return { delivery: deliveryOf(row), endpoint: { ...endpointOf(w), deleted: w.deleted_at !== null } };
  }

  /** An attempt's log entry and the delivery's new state (and the endpoint disabled), in the caller's transaction. */
  async recordAttempt(r: AttemptRecord, tx: Tx): Promise<void> {
    await tx('webhook_attempts').insert({ delivery_id: r.deliveryId, http_status: r.attempt.httpStatus, latency_ms: r.attempt.latencyMs, error: r.attempt.error });
    const [row] = await tx('webhook_deliveries')
      .where({ id: r.deliveryId })
      .update({ status: r.status, attempts: tx.raw('attempts + 1'), next_attempt_at: r.nextAttemptAt, last_error: r.attempt.error, updated_at: tx.fn.now() })
      .returning('endpoint_id');
    if (r.disableEndpoint) await this.disable(row.endpoint_id, r.disableEndpoint, tx);
  }

  /** Ends a delivery without an attempt (its endpoint was deleted or disabled). */
  async endDelivery(id: string, reason: string, tx: Tx): Promise<void> {
    await tx('webhook_deliveries').where({ id, status: 'pending' }).update({ status: 'failed', next_attempt_at: null, last_error: reason, updated_at: tx.fn.now() });
  }

  /**
   * Pending deliveries whose job ended without them (interrupted on its last attempt, or internal errors):
   * failed, with the job's last error, so that the log never shows a delivery waiting for nothing.
   */
  async failOrphans(jobKind: string): Promise<number> {
    const { rowCount } = await this.knex.raw(
      `UPDATE webhook_deliveries d SET status = 'failed', next_attempt_at = NULL, updated_at = now(),
         last_error = 'its job ended (' || coalesce(j.last_error_kind, 'unknown') || '): ' || coalesce(j.last_error_message, '')
       FROM jobs j
       WHERE d.status = 'pending' AND j.kind = ? AND j.unique_key = d.id::text AND j.status IN ('failed', 'dead')`,
      [jobKind],
    );
    return rowCount ?? 0;
  }

  /** Disables the endpoint and tells its tenant: an entry in the tenant's audit log (GET /api/v1/audit). */
  async disable(endpointId: string, reason: string, tx: Tx): Promise<void> {
    const [row] = await tx('webhook_endpoints')
      .where({ id: endpointId })
      .whereNull('disabled_at')
      .update({ disabled_at: tx.fn.now(), disabled_reason: reason })
      .returning<Array<{ tenant_id: string; url: string }>>(['tenant_id', 'url']);
    if (!row) return;
    await tx('audit_log').insert({
      actor: 'webhooks',
      on_behalf_of_tenant_id: row.tenant_id,
      action: 'webhook.disabled',
      target: endpointId,
      details: JSON.stringify({ url: row.url, reason }),
    });
  }

  /** The endpoint's latest deliveries, each with its attempts in order. */
  async deliveries(endpointId: string, limit: number): Promise<Array<WebhookDelivery & { attemptLog: WebhookAttempt[] }>> {
    const rows = await this.knex('webhook_deliveries').where({ endpoint_id: endpointId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit);
    const attempts = await this.knex('webhook_attempts').whereIn('delivery_id', rows.map((r) => r.id)).orderBy('id');
    return rows.map((r) => ({
      ...deliveryOf(r),
      attemptLog: attempts.filter((a) => a.delivery_id === r.id).map((a) => ({ at: a.at, httpStatus: a.http_status, latencyMs: a.latency_ms, error: a.error })),
    }));
  }
}
