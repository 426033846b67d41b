/**
 * The event feed (GET /events): a caller's document events in commit order, for integrators that poll
 * rather than receive webhooks. The cursor is opaque to them (`<xid>-<id>`, see src/store/events.ts); a
 * poller that passes back `next` never misses an event and never sees one twice.
 */
import type { Principal } from '../auth/principal.js';
import { ApError } from '../errors.js';
import type { CommittedEvent, EventCursor, PostgresEventStore } from '../store/events.js';
import { eventTypeOf } from '../webhooks/event-types.js';
import type { DocumentEventData } from '../webhooks/message.js';

export const MAX_FEED_PAGE = 500;
const START: EventCursor = { xid: '0', id: '0' };

export const encodeCursor = (c: EventCursor): string => `${c.xid}-${c.id}`;

export function decodeCursor(text: string): EventCursor {
  const m = /^(\d{1,20})-(\d{1,19})$/.exec(text);
  if (!m) throw new ApError('api.bad-request', `after ${JSON.stringify(text)} is not a cursor of this feed (pass back the "next" of a page)`);
  return { xid: m[1]!, id: m[2]! };
}

export interface FeedEvent extends DocumentEventData {
  cursor: string;
  type: string;
  at: string;
}

/** The event's webhook type and data, as the feed and the webhooks both show it. */
export function describeEvent(e: CommittedEvent): { type: string; data: DocumentEventData } {
  const type = eventTypeOf(e.direction, e.toStatus, e.type)!; // the store selects only events that have a type
  const base = { eventId: e.id, documentId: e.documentId, direction: e.direction };
  if (e.type === 'status') return { type, data: { ...base, status: e.toStatus!, previousStatus: e.fromStatus } };
  const d = e.details ?? {};
  const response = { code: String(d['responseCode'] ?? d['code'] ?? ''), documentId: String(d['responseDocumentId'] ?? d['mlsDocumentId'] ?? ''), reason: e.reason };
  const businessStatus = typeof d['businessStatus'] === 'string' ? d['businessStatus'] : undefined;
  return { type, data: { ...base, status: e.documentStatus, previousStatus: null, ...(businessStatus ? { businessStatus } : {}), response } };
}

export class EventsService {
  constructor(private readonly events: PostgresEventStore) {}

  /** Events of the outbound documents of the caller's `send` tenants and the inbound ones of its `inbox` tenants. */
  async feed(principal: Principal, query: { after?: string; limit?: number }): Promise<{ events: FeedEvent[]; next: string }> {
    const after = query.after ? decodeCursor(query.after) : START;
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FEED_PAGE) throw new ApError('api.bad-request', `limit must be a whole number from 1 to ${MAX_FEED_PAGE}`);
    const rows = await this.events.feed(after, limit, { outbound: principal.tenantsFor('send'), inbound: principal.tenantsFor('inbox') });
    const events = rows.map((e) => {
      const { type, data } = describeEvent(e);
      return { cursor: encodeCursor(e.cursor), type, at: e.at.toISOString(), ...data };
    });
    return { events, next: encodeCursor(rows.at(-1)?.cursor ?? after) };
  }
}
