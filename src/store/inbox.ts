/**
 * The buyer's inbox read model: inbound documents of a hosted participant with the AS4 keys of the first
 * message that brought them (src/http/inbox.ts serves it).
 */
import type { Knex } from 'knex';
import type { ParticipantIdentifier } from '../peppol/identifiers.js';

export interface InboxRow {
  id: string;
  status: string;
  /** ISO date-time with microseconds, UTC. */
  received_at: string;
  sender_id: string | null;
  receiver_id: string | null;
  document_kind: string | null;
  document_type: string | null;
  process: string | null;
  invoice_number: string | null;
  issue_date: string | null;
  payload_sha256: string;
  payload_size: number;
  message_id: string | null;
  conversation_id: string | null;
  sbdh_instance_id: string | null;
  from_party_id: string | null;
  country_c1: string | null;
}

const RECEIVED_AT = `to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export class PostgresInbox {
  constructor(private readonly knex: Knex) {}

  private query(p: ParticipantIdentifier) {
    const knex = this.knex;
    return knex('documents as d')
      .leftJoin(
        knex('as4_messages').distinctOn('document_id').select('*').where({ direction: 'inbound' }).orderBy([{ column: 'document_id' }, { column: 'id' }]).as('m'),
        'm.document_id',
        'd.id',
      )
      .where('d.direction', 'inbound')
      .andWhereRaw('lower(d.receiver_id) = lower(?)', [p.value])
      .select(
        'd.id',
        'd.status',
        knex.raw(`${RECEIVED_AT} as received_at`),
        'd.sender_id',
        'd.receiver_id',
        'd.document_kind',
        'd.document_type',
        'd.process',
        'd.invoice_number',
        'd.issue_date',
        'd.payload_sha256',
        'd.payload_size',
        'm.message_id',
        'm.conversation_id',
        'm.sbdh_instance_id',
        'm.from_party_id',
        'm.country_c1',
      );
  }

  /**
   * Available documents, oldest first, received after the cursor: `at` alone (an ISO date-time), or `at`
   * with the id of the last document seen (documents of the same microsecond are neither skipped nor repeated).
   */
  async available(p: ParticipantIdentifier, opts: { after?: { at: string; id?: string }; limit: number }): Promise<InboxRow[]> {
    const q = this.query(p).andWhere('d.status', 'available');
    const after = opts.after;
    if (after?.id) q.andWhereRaw('(d.created_at, d.id) > (?::timestamptz, ?::uuid)', [after.at, after.id]);
    else if (after) q.andWhere('d.created_at', '>', after.at);
    return (await q.orderBy([{ column: 'd.created_at' }, { column: 'd.id' }]).limit(opts.limit)) as InboxRow[];
  }

  /** The participant's document `id` if it is in the inbox (available or acknowledged); `id` must be a UUID. */
  async find(p: ParticipantIdentifier, id: string): Promise<InboxRow | null> {
    const row = (await this.query(p).andWhere('d.id', id).whereIn('d.status', ['available', 'acknowledged']).first()) as InboxRow | undefined;
    return row ?? null;
  }
}
