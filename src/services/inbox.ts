/**
 * The buyer's inbox, per hosted participant (Mercurius: submitInboxRequest → retrieveRequest →
 * markRequest): list the available documents after a cursor, read one with its payload, acknowledge it
 * (picked up: it leaves the inbox).
 */
import type { Principal } from '../auth/principal.js';
import type { PostgresTenantStore } from '../store/tenants.js';
import { ApError } from '../errors.js';
import type { ParticipantIdentifier } from '../peppol/identifiers.js';
import { changeStatus } from '../pipeline/state-machine.js';
import type { DocumentStore, InboundBatchStore, Tx } from '../store/documents.js';
import type { InboxRow, PostgresInbox } from '../store/inbox.js';

export type { InboxRow };

/** Where a listing resumes: the `receivedAt` of the last document seen, and its id when known. */
export interface InboxCursor {
  at: string;
  id?: string;
}

export const MAX_INBOX_PAGE = 500;

export class InboxService {
  constructor(
    private readonly deps: {
      inbox: PostgresInbox;
      documents: DocumentStore & Pick<InboundBatchStore, 'transaction'>;
      tenants: Pick<PostgresTenantStore, 'tenantOfParticipant'>;
      /** Told of each acknowledgement in its transaction (the positive MLS), and after the commit. */
      acknowledgements?: { acknowledged(documentId: string, tx: Tx): Promise<void>; wake(): void };
    },
  ) {}

  /**
   * The tenant of the participant whose inbox the caller opens, if its key has `inbox` for it; else the
   * inbox is not found, whether the participant is someone else's or not hosted at all.
   */
  private async open(by: Principal, participant: ParticipantIdentifier): Promise<string | null> {
    const tenantId = await this.deps.tenants.tenantOfParticipant(participant.value);
    if (!by.can('inbox', tenantId)) throw new ApError('api.not-found', `No inbox of ${participant.value} for this API key`);
    return tenantId;
  }

  /** Available documents, oldest first, after the cursor; at most `limit` (1 to MAX_INBOX_PAGE). */
  async list(by: Principal, participant: ParticipantIdentifier, opts: { after?: InboxCursor; limit: number }): Promise<InboxRow[]> {
    if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > MAX_INBOX_PAGE) {
      throw new ApError('api.bad-request', `limit must be a whole number from 1 to ${MAX_INBOX_PAGE}`);
    }
    await this.open(by, participant);
    return this.deps.inbox.available(participant, opts);
  }

  /** The participant's document `id` (a UUID) while it is in the inbox, available or acknowledged. */
  async get(by: Principal, participant: ParticipantIdentifier, id: string): Promise<InboxRow> {
    await this.open(by, participant);
    return this.find(participant, id);
  }

  private async find(participant: ParticipantIdentifier, id: string): Promise<InboxRow> {
    const row = await this.deps.inbox.find(participant, id);
    if (!row) throw new ApError('api.not-found', `No document ${id} in the inbox of ${participant.value}`);
    return row;
  }

  /** The payload of an inbox document; null once retention removed it. */
  async payload(by: Principal, participant: ParticipantIdentifier, id: string): Promise<{ row: InboxRow; payload: Buffer | null }> {
    const row = await this.get(by, participant, id);
    return { row, payload: await this.deps.documents.payload(row.id) };
  }

  /** Picked up by the recipient: available → acknowledged (again: a no-op). */
  async acknowledge(by: Principal, participant: ParticipantIdentifier, id: string): Promise<{ id: string; status: 'acknowledged' }> {
    const tenantId = await this.open(by, participant);
    const row = await this.find(participant, id);
    if (row.status !== 'acknowledged') {
      const after = this.deps.acknowledgements;
      await this.deps.documents.transaction(async (tx) => {
        const moved = await changeStatus(
          this.deps.documents,
          row.id,
          'acknowledged',
          { actor: by.actorFor(tenantId), reason: `retrieved and acknowledged by the recipient ${row.receiver_id}` },
          { expected: { direction: 'inbound', from: 'available' }, tx },
        );
        if (!moved) throw new ApError('api.conflict', `Document ${row.id} changed status concurrently`);
        await after?.acknowledged(row.id, tx);
      });
      after?.wake();
    }
    return { id: row.id, status: 'acknowledged' };
  }
}
