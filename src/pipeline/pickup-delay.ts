/**
 * The pick-up delay (Mercurius: a body's documents not retrieved within its delay are rendered and e-mailed
 * to its functional address): an after-stored handler, after inbox filing, that queues one `pickup` e-mail
 * per document filed `available` for a participant with a delay, due when the delay ends. The job looks
 * again then: a document acknowledged meanwhile gets no e-mail (src/pipeline/email-channel.ts). One
 * statement per batch reads the settings; none is written for participants without a delay.
 */
import type { PostgresEmailStore } from '../store/email.js';
import type { AfterStoredHandler } from './after-stored.js';
import type { EmailQueue } from './email-channel.js';

export function pickupDelay(deps: { store: Pick<PostgresEmailStore, 'pickupSettings'>; queue: EmailQueue }): AfterStoredHandler {
  return {
    name: 'pickup-delay',
    async handle(documents, tx) {
      // What inbox filing made available: valid and not a business duplicate.
      const filed = documents.filter((d) => d.report.valid && !d.duplicateOf && d.metadata?.receiverId);
      if (filed.length === 0) return;
      const settings = await deps.store.pickupSettings([...new Set(filed.map((d) => d.metadata!.receiverId!))], tx);
      if (settings.size === 0) return;
      for (const d of filed) {
        const s = settings.get(d.metadata!.receiverId!.toLowerCase());
        if (s) await deps.queue.enqueue({ purpose: 'pickup', documentId: d.id }, tx, { runAt: new Date(Date.now() + s.delaySeconds * 1000) });
      }
    },
  };
}
