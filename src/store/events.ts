/**
 * document_events read in commit order (migration 20261202_1000_webhooks): by (xid, id), and only events
 * whose transaction is older than every transaction still running. Those have all ended, so no event can
 * later commit behind a reader's cursor: a poller of the feed, and the webhook fan-out, never skip one and
 * never read one twice. A transaction that stays open holds every reader back until it ends.
 */
import type { Knex } from 'knex';
import type { Direction } from '../core/state-machine.js';
import { EVENT_MOVES, EVENT_ENTRIES } from '../webhooks/event-types.js';
import type { Tx } from './documents.js';

/** A position in commit order: after the event `id` of transaction `xid` (both decimal text). */
export interface EventCursor {
  xid: string;
  id: string;
}

export interface CommittedEvent {
  cursor: EventCursor;
  id: string;
  at: Date;
  documentId: string;
  direction: Direction;
  tenantId: string | null;
  fromStatus: string | null;
  /** Null for a timeline entry that moves no status (a business response received). */
  toStatus: string | null;
  /** The timeline entry's type: `status` for a move, else what happened (`response-received`...). */
  type: string;
  reason: string | null;
  details: Record<string, unknown> | null;
  /** The document's status when the event was read. */
  documentStatus: string;
}

/** Tenants whose events may be read: outbound documents of `outbound`, inbound ones of `inbound`. */
export interface EventVisibility {
  outbound: readonly string[] | 'all';
  inbound: readonly string[] | 'all';
}

const MOVES = EVENT_MOVES.map(([d, s]) => `${d}:${s}`);
const ORDER = `COALESCE(e.xid, '0'::xid8)`;
const ENTRIES = EVENT_ENTRIES.map(([d, t]) => `${d}:${t}`);
const SELECTED = `((d.direction || ':' || e.to_status) = ANY (?::text[]) OR (d.direction || ':' || e.type) = ANY (?::text[]))`;
const COLUMNS = `e.id, ${ORDER}::text AS xid, e.at, e.document_id, d.direction, d.tenant_id, e.from_status, e.to_status, e.type, e.reason,
  e.details, d.status AS document_status`;

const COMMITTED = `
SELECT ${COLUMNS}
FROM document_events e JOIN documents d ON d.id = e.document_id
WHERE (${ORDER}, e.id) > (?::xid8, ?::bigint)
  AND ${ORDER} < pg_snapshot_xmin(pg_current_snapshot())
  AND ${SELECTED}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const eventOf = (r: any): CommittedEvent => ({
  cursor: { xid: r.xid, id: String(r.id) },
  id: String(r.id),
  at: r.at,
  documentId: r.document_id,
  direction: r.direction,
  tenantId: r.tenant_id,
  fromStatus: r.from_status,
  toStatus: r.to_status,
  type: r.type,
  reason: r.reason,
  details: r.details,
  documentStatus: r.document_status,
});

const tenantCondition = (column: string, tenants: readonly string[] | 'all'): [string, Knex.RawBinding[]] =>
  tenants === 'all' ? ['true', []] : [`${column} = ANY (?::uuid[])`, [[...tenants]]];

export class PostgresEventStore {
  constructor(private readonly knex: Knex) {}

  /** The visible events after `after` in commit order, at most `limit`. */
  async feed(after: EventCursor, limit: number, visible: EventVisibility): Promise<CommittedEvent[]> {
    const [out, outArgs] = tenantCondition('d.tenant_id', visible.outbound);
    const [inb, inArgs] = tenantCondition('d.tenant_id', visible.inbound);
    const { rows } = await this.knex.raw(
      `${COMMITTED} AND ((d.direction = 'outbound' AND ${out}) OR (d.direction = 'inbound' AND ${inb}))
       ORDER BY ${ORDER}, e.id LIMIT ?`,
      [after.xid, after.id, MOVES, ENTRIES, ...outArgs, ...inArgs, limit],
    );
    return rows.map(eventOf);
  }

  /**
   * The fan-out's cursor, locked until `tx` ends: one fan-out at a time across processes, each reading on
   * from where the last one committed.
   */
  async lockFanOutCursor(tx: Tx): Promise<EventCursor> {
    const { rows } = await tx.raw(`SELECT xid::text AS xid, event_id FROM webhook_fanout_cursor FOR UPDATE`);
    return { xid: rows[0].xid, id: String(rows[0].event_id) };
  }

  /** Every tenant's events after `after`, in commit order (in the fan-out's transaction). */
  async committedAfter(after: EventCursor, limit: number, tx: Tx): Promise<CommittedEvent[]> {
    const { rows } = await tx.raw(`${COMMITTED} ORDER BY ${ORDER}, e.id LIMIT ?`, [after.xid, after.id, MOVES, ENTRIES, limit]);
    return rows.map(eventOf);
  }

  async moveFanOutCursor(to: EventCursor, tx: Tx): Promise<void> {
    await tx.raw(`UPDATE webhook_fanout_cursor SET xid = ?::xid8, event_id = ?::bigint`, [to.xid, to.id]);
  }

  /** One event of a tenant's documents, committed or not yet (replay of an event the caller names). */
  async ofTenant(tenantId: string, filter: { eventId: string } | { from: Date; to: Date }, limit: number): Promise<CommittedEvent[]> {
    const [where, args]: [string, Knex.RawBinding[]] = 'eventId' in filter ? ['e.id = ?::bigint', [filter.eventId]] : ['e.at >= ? AND e.at < ?', [filter.from, filter.to]];
    const { rows } = await this.knex.raw(
      `SELECT ${COLUMNS}
       FROM document_events e JOIN documents d ON d.id = e.document_id
       WHERE d.tenant_id = ?::uuid AND ${SELECTED} AND ${where}
       ORDER BY e.at, e.id LIMIT ?`,
      [tenantId, MOVES, ENTRIES, ...args, limit],
    );
    return rows.map(eventOf);
  }
}
