/**
 * What the console's support desk asks of the documents: the failures queue with its counts per rule,
 * the search by support keys (invoice number, enterprise numbers, AS4 and SBDH identifiers, seat ids,
 * transmission time), timeline entries that move no status (re-validated, handled), and the dashboard's
 * aggregates. Every statement is bounded: pages of at most 100 rows, aggregates over at most 92 days and
 * the rule counts over at most the newest 5000 failures.
 */
import type { Knex } from 'knex';
import { documentRecord, type DocumentPage, type DocumentRecord, type DocumentScope, type EventInput } from './documents.js';

/** The statuses the failures queue shows when none is asked for. */
export const FAILURE_STATUSES = ['rejected', 'failed', 'undeliverable', 'response-undeliverable'] as const;

export interface FailureFilter {
  tenantId?: string;
  direction?: 'outbound' | 'inbound';
  sender?: string;
  receiver?: string;
  ruleId?: string;
  status?: string;
  from?: Date;
  to?: Date;
  /** Also documents marked handled since their last status change. */
  includeHandled?: boolean;
  before?: { createdAt: string; id: string };
  limit: number;
}

export interface SupportKeys {
  invoiceNumber?: string;
  /** Ten digits: a party whose participant is 0208:<n> or 9925:BE<n>, on either side. */
  enterpriseNumber?: string;
  messageId?: string;
  conversationId?: string;
  instanceId?: string;
  /** A sending or receiving access point's seat id (POP000123). */
  seatId?: string;
  /** Transmission time: created at or after / before. */
  from?: Date;
  to?: Date;
  limit: number;
}

export interface DashboardFigures {
  days: number;
  perDay: Array<{ day: string; status: string; count: number }>;
  perDirectionTenant: Array<{ direction: string; tenantId: string | null; tenantName: string | null; count: number }>;
  /** Seconds from submission to delivery of the outbound documents delivered in the window. */
  deliverySeconds: { count: number; p50: number | null; p90: number | null; p99: number | null };
  topRules: Array<{ ruleId: string; count: number }>;
}

const MAX_DAYS = 92;
const RULE_COUNT_DOCUMENTS = 5000;

/** The scope as SQL on `documents d` (operators: 'all'). */
function scoped(q: Knex.QueryBuilder, scope: DocumentScope): void {
  q.where((w) => {
    for (const direction of ['outbound', 'inbound'] as const) {
      const tenants = scope[direction];
      if (tenants === 'all') w.orWhere('d.direction', direction);
      else if (tenants.length > 0) w.orWhere((x) => x.where('d.direction', direction).whereIn('d.tenant_id', [...tenants]));
    }
    w.orWhereRaw('false');
  });
}

function page(rows: Array<Record<string, unknown>>, limit: number): DocumentPage {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return { documents: shown.map(documentRecord), next: rows.length > limit && last ? { createdAt: String(last['created_at_text']), id: String(last['id']) } : null };
}

export class PostgresSupportQueries {
  constructor(private readonly knex: Knex) {}

  private failures(scope: DocumentScope, f: Omit<FailureFilter, 'limit' | 'before'>): Knex.QueryBuilder {
    const q = this.knex('documents as d');
    scoped(q, scope);
    if (f.status) q.where('d.status', f.status);
    else q.whereIn('d.status', [...FAILURE_STATUSES]);
    if (f.tenantId) q.where('d.tenant_id', f.tenantId);
    if (f.direction) q.where('d.direction', f.direction);
    if (f.sender) q.whereRaw('lower(d.sender_id) = lower(?)', [f.sender]);
    if (f.receiver) q.whereRaw('lower(d.receiver_id) = lower(?)', [f.receiver]);
    if (f.ruleId) q.whereRaw(`d.validation_report -> 'issues' @> ?::jsonb`, [JSON.stringify([{ id: f.ruleId }])]);
    if (f.from) q.where('d.created_at', '>=', f.from);
    if (f.to) q.where('d.created_at', '<', f.to);
    if (!f.includeHandled) {
      q.whereNotExists((s) =>
        s.from('document_events as h').whereRaw('h.document_id = d.id').where('h.type', 'handled')
          .whereRaw(`h.id > coalesce((SELECT max(e.id) FROM document_events e WHERE e.document_id = d.id AND e.type = 'status'), 0)`),
      );
    }
    return q;
  }

  /** The failures queue, newest first. */
  async failurePage(scope: DocumentScope, f: FailureFilter): Promise<DocumentPage> {
    const q = this.failures(scope, f).select('d.*', this.knex.raw('d.created_at::text AS created_at_text'));
    if (f.before) q.whereRaw('(d.created_at, d.id) < (?::timestamptz, ?::uuid)', [f.before.createdAt, f.before.id]);
    const rows = await q.orderBy([{ column: 'd.created_at', order: 'desc' }, { column: 'd.id', order: 'desc' }]).limit(f.limit + 1);
    return page(rows, f.limit);
  }

  /** Fatal findings per rule among the newest failures the filter selects (documents counted once per rule). */
  async ruleCounts(scope: DocumentScope, f: Omit<FailureFilter, 'limit' | 'before'>, top = 20): Promise<Array<{ ruleId: string; count: number }>> {
    const docs = this.failures(scope, f).select('d.id', 'd.validation_report').orderBy('d.created_at', 'desc').limit(RULE_COUNT_DOCUMENTS);
    const { rows } = await this.knex.raw(
      `SELECT i->>'id' AS rule_id, count(DISTINCT f.id)::int AS count
       FROM ? f, jsonb_array_elements(coalesce(f.validation_report -> 'issues', '[]'::jsonb)) i
       WHERE i->>'flag' = 'fatal' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?`,
      [docs, top],
    );
    return rows.map((r: { rule_id: string; count: number }) => ({ ruleId: r.rule_id, count: r.count }));
  }

  /** Documents matching every support key given, newest first. */
  async search(scope: DocumentScope, k: SupportKeys): Promise<DocumentRecord[]> {
    const q = this.knex('documents as d').select('d.*');
    scoped(q, scope);
    if (k.invoiceNumber) q.where('d.invoice_number', k.invoiceNumber);
    if (k.enterpriseNumber) {
      const forms = [`0208:${k.enterpriseNumber}`, `9925:be${k.enterpriseNumber}`];
      q.where((w) => w.whereRaw('lower(d.sender_id) = ANY(?)', [forms]).orWhereRaw('lower(d.receiver_id) = ANY(?)', [forms]));
    }
    const byIds = (sql: string, values: string[]) => q.whereRaw(`d.id IN (${sql})`, values);
    if (k.messageId) byIds('SELECT document_id FROM as4_messages WHERE message_id = ? UNION SELECT document_id FROM outbound_deliveries WHERE as4_message_id = ?', [k.messageId, k.messageId]);
    if (k.conversationId) byIds('SELECT document_id FROM as4_messages WHERE conversation_id = ? UNION SELECT document_id FROM outbound_deliveries WHERE conversation_id = ?', [k.conversationId, k.conversationId]);
    if (k.instanceId) byIds('SELECT document_id FROM as4_messages WHERE sbdh_instance_id = ? UNION SELECT document_id FROM outbound_deliveries WHERE sbdh_instance_id = ?', [k.instanceId, k.instanceId]);
    if (k.seatId) {
      byIds('SELECT document_id FROM as4_messages WHERE from_party_id = ? UNION SELECT document_id FROM as4_messages WHERE to_party_id = ? UNION SELECT document_id FROM outbound_deliveries WHERE receiver_seat_id = ?', [k.seatId, k.seatId, k.seatId]);
    }
    if (k.from) q.where('d.created_at', '>=', k.from);
    if (k.to) q.where('d.created_at', '<', k.to);
    const rows = await q.orderBy([{ column: 'd.created_at', order: 'desc' }, { column: 'd.id', order: 'desc' }]).limit(k.limit);
    return rows.map(documentRecord);
  }

  /** A timeline entry that moves no status (its type says what happened). */
  async appendEvent(documentId: string, e: EventInput & { type: string }): Promise<void> {
    await this.knex('document_events').insert({ document_id: documentId, type: e.type, reason: e.reason ?? null, actor: e.actor, details: e.details ? JSON.stringify(e.details) : null });
  }

  /** The dashboard over the last `days` (at most 92) of the scope; `withTenants` false leaves tenants out (the public page). */
  async dashboard(scope: DocumentScope, days: number, withTenants: boolean): Promise<DashboardFigures> {
    const n = Math.max(1, Math.min(MAX_DAYS, Math.floor(days)));
    const since = this.knex.raw(`date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(days => ?)`, [n - 1]);
    const base = () => {
      const q = this.knex('documents as d').where('d.created_at', '>=', since);
      scoped(q, scope);
      return q;
    };
    const perDay = base()
      .select(this.knex.raw(`to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day`), 'd.status', this.knex.raw('count(*)::int AS count'))
      .groupBy('day', 'd.status')
      .orderBy('day');
    const perDirectionTenant = withTenants
      ? base()
          .leftJoin('tenants as t', 't.id', 'd.tenant_id')
          .select('d.direction', 'd.tenant_id', 't.name as tenant_name', this.knex.raw('count(*)::int AS count'))
          .groupBy('d.direction', 'd.tenant_id', 't.name')
          .orderBy('count', 'desc')
          .limit(50)
      : base().select('d.direction', this.knex.raw('NULL::uuid AS tenant_id'), this.knex.raw('NULL::text AS tenant_name'), this.knex.raw('count(*)::int AS count')).groupBy('d.direction');
    const delivery = base()
      .join('outbound_deliveries as o', 'o.document_id', 'd.id')
      .where('d.status', 'delivered')
      .whereNotNull('o.delivered_at')
      .first(
        this.knex.raw('count(*)::int AS count'),
        this.knex.raw(`percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM o.delivered_at - d.created_at)) AS p`),
      );
    const [day, dt, dl, topRules] = await Promise.all([perDay, perDirectionTenant, delivery, this.ruleCounts(scope, { from: new Date(Date.now() - n * 86_400_000), includeHandled: true }, 10)]);
    const p = (dl?.p as number[] | null) ?? null;
    return {
      days: n,
      perDay: day.map((r: { day: string; status: string; count: number }) => ({ day: r.day, status: r.status, count: r.count })),
      perDirectionTenant: dt.map((r: { direction: string; tenant_id: string | null; tenant_name: string | null; count: number }) => ({ direction: r.direction, tenantId: r.tenant_id, tenantName: r.tenant_name, count: r.count })),
      deliverySeconds: { count: dl?.count ?? 0, p50: p?.[0] ?? null, p90: p?.[1] ?? null, p99: p?.[2] ?? null },
      topRules,
    };
  }
}
