/**
 * The one answer to "is this participant served here?": a hosted participant accepts the document type
 * in the process over AS4 now (transport profile, endpoint ours or unset, between activation and
 * expiration). Asked by the AS4 inbound checklist (step 11, else PEPPOL:NOT_SERVICED) and by outbound
 * delivery before it delivers locally: a document is delivered into a local inbox exactly when a remote
 * sender's message for it would be accepted, and otherwise goes over the network like any other.
 */
import { PEPPOL } from '../as4/profile.js';
import type { DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier } from '../peppol/identifiers.js';
import type { SmpParticipantStore } from '../store/participants-smp.js';

export interface ServedHere {
  isServed(participant: ParticipantIdentifier, documentType: DocumentTypeIdentifier, process: ProcessIdentifier): Promise<boolean>;
  /** Drops cached answers (participants or capabilities changed in this process). */
  forget(): void;
}

const MAX_ENTRIES = 10_000;

/**
 * Asks the hosted participants store; answers are cached for `cacheMs` (0: no cache) so that the
 * per-message path does not query for every message of a busy sender. A change made elsewhere (another
 * process, the CLI) is seen at the latest `cacheMs` later.
 */
export class StoreServedHere implements ServedHere {
  private readonly cache = new Map<string, { answer: boolean; until: number }>();

  constructor(
    private readonly store: Pick<SmpParticipantStore, 'acceptsOverAs4'>,
    private readonly opts: { ownEndpointUrl: string | null; cacheMs: number },
  ) {}

  async isServed(p: ParticipantIdentifier, dt: DocumentTypeIdentifier, proc: ProcessIdentifier): Promise<boolean> {
    const key = `${p.scheme.toLowerCase()}\n${p.value.toLowerCase()}\n${dt.scheme}\n${dt.value}\n${proc.scheme}\n${proc.value}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.answer;
    const answer = await this.store.acceptsOverAs4(p, dt, proc, { transportProfile: PEPPOL.TRANSPORT_PROFILE, ownEndpointUrl: this.opts.ownEndpointUrl, at: new Date(now) });
    if (this.opts.cacheMs > 0) {
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      this.cache.set(key, { answer, until: now + this.opts.cacheMs });
    }
    return answer;
  }

  forget(): void {
    this.cache.clear();
  }
}
