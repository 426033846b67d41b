/**
 * MLS 1.0 as C3: at most one MLS per received business document, to the sending access point. RE is
 * sent at once (a rejected document); for a sender asking ALWAYS_SEND, AP once the buyer acknowledges
 * the document, else AB when the confirmation wait ends (the `mls-confirmation` job). The document's row
 * lock serialises the three ways in, and the one-MLS index backs it.
 */
import { buildMessageLevelStatus } from '../responses/index.js';
import type { PostgresBusinessResponseStore } from '../store/business-responses.js';
import type { Tx } from '../store/documents.js';
import type { ValidationRunner } from './inbound-validation.js';
import { mlsAbout, type MlsContent } from './mls.js';
import type { ResponseOutbox } from './response-outbox.js';

export interface MlsResponderDeps {
  responses: PostgresBusinessResponseStore;
  outbox: ResponseOutbox;
  validation: ValidationRunner;
  seatId: string;
}

const ACTOR = 'mls';

const SAYS: Record<'AP' | 'AB' | 'RE', string> = {
  AP: 'delivered and confirmed by the receiver',
  AB: 'made available to the receiver, without confirmation',
  RE: 'rejected',
};

export class MlsResponder {
  constructor(private readonly deps: MlsResponderDeps) {}

  /**
   * Queues the MLS about received document `documentId` in `tx`; false when none goes (it came without
   * AS4, it has its MLS already, or `onlyIfAsked` and its sender did not ask ALWAYS_SEND).
   */
  async send(documentId: string, content: MlsContent, tx: Tx, opts: { onlyIfAsked?: boolean } = {}): Promise<boolean> {
    const d = this.deps;
    await d.responses.businessStatusOf(documentId, tx); // the row lock: one MLS decision per document at a time
    const addressing = (await d.responses.mlsAddressing([documentId], tx)).get(documentId);
    if (!addressing || (await d.responses.hasMls(documentId, tx))) return false;
    if (opts.onlyIfAsked && addressing.mlsType !== 'ALWAYS_SEND') return false;
    const mls = mlsAbout(addressing, d.seatId, content);
    const xml = Buffer.from(buildMessageLevelStatus(mls), 'utf8');
    const validated = await d.validation.validate(xml);
    const reason = `MLS ${content.code} (${SAYS[content.code]}) to ${mls.receiver.id}, about SBDH instance ${addressing.instanceIdentifier}`;
    const mlsDocumentId = await d.outbox.queue(
      {
        kind: 'mls',
        xml,
        validated,
        tenantId: addressing.tenantId,
        actor: ACTOR,
        reason,
        answers: documentId,
        responseCode: content.code,
        details: { description: content.description ?? null, lines: content.lines },
      },
      tx,
    );
    await d.responses.setMlsCode(documentId, content.code, { type: 'mls-sent', actor: ACTOR, reason, details: { mlsDocumentId, code: content.code, lines: content.lines.length } }, tx);
    return true;
  }

  /** A positive MLS for a sender that asked ALWAYS_SEND (AP on acknowledgement, AB when the wait ends), once. */
  confirm(documentId: string, code: 'AP' | 'AB', tx: Tx): Promise<boolean> {
    return this.send(documentId, { code, lines: [] }, tx, { onlyIfAsked: true });
  }

  wake(): void {
    this.deps.outbox.wake();
  }
}
