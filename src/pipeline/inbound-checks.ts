/**
 * Inbound checklist steps 10-11 (peppol-reference §4.8) after the AS4 layer: the SBDH must agree with the
 * ebMS headers, and the final recipient must be served here for the document type and process.
 */
import { documentTypeOf, type UserMessage } from '../as4/index.js';
import { ApError } from '../errors.js';
import { PARTICIPANT_SCHEME, PROCESS_SCHEME, sameId, type DocumentTypeIdentifier, type ParticipantIdentifier, type ProcessIdentifier } from '../peppol/identifiers.js';
import type { SbdhHeader } from '../sbdh/model.js';
import type { SmpParticipantStore } from '../store/participants-smp.js';

const inconsistent = (msg: string, field: string): never => {
  throw new ApError('sbdh.invalid', msg, { field });
};

function sameParticipantValue(ebms: { value: string; type: string | null }, sbdh: ParticipantIdentifier): boolean {
  // The ebMS property carries the scheme in @type (iso6523-actorid-upis) and `ICD:value` as text.
  const type = (ebms.type ?? '').toLowerCase();
  return (type === PARTICIPANT_SCHEME || type === sbdh.scheme.toLowerCase()) && ebms.value.trim().toLowerCase() === sbdh.value.toLowerCase();
}

/** Step 10: Sender/Receiver = originalSender/finalRecipient; DOCUMENTID/PROCESSID = Action/Service. */
export function checkSbdhAgainstUserMessage(um: UserMessage, header: SbdhHeader): void {
  if (!sameParticipantValue(um.originalSender!, header.sender)) {
    inconsistent(`SBDH Sender ${header.sender.value} differs from eb:MessageProperties originalSender ${um.originalSender!.value}`, 'Sender/Identifier');
  }
  if (!sameParticipantValue(um.finalRecipient!, header.receiver)) {
    inconsistent(`SBDH Receiver ${header.receiver.value} differs from eb:MessageProperties finalRecipient ${um.finalRecipient!.value}`, 'Receiver/Identifier');
  }
  const action = documentTypeOf(um.action);
  if (!sameId(action, header.documentType)) {
    inconsistent(`SBDH DOCUMENTID ${header.documentType.scheme}::${header.documentType.value} differs from eb:Action ${um.action}`, 'BusinessScope/Scope[DOCUMENTID]');
  }
  const service: ProcessIdentifier = { scheme: um.serviceType ?? PROCESS_SCHEME, value: um.service };
  if (!sameId(service, header.process)) {
    inconsistent(`SBDH PROCESSID ${header.process.value} differs from eb:Service ${um.service}`, 'BusinessScope/Scope[PROCESSID]');
  }
}

/** Whether a participant hosted here accepts a document type in a process, over our AS4 endpoint. */
export interface ServicedCheck {
  isServiced(participant: ParticipantIdentifier, documentType: DocumentTypeIdentifier, process: ProcessIdentifier): Promise<boolean>;
}

const AS4_PROFILE = 'peppol-transport-as4-v2_0';

/**
 * Asks the hosted participants store. Answers are cached for `cacheMs` (0: no cache)
 * so that the per-message path does not query for every message of a busy sender.
 */
export class StoreServicedCheck implements ServicedCheck {
  private readonly cache = new Map<string, { answer: boolean; until: number }>();

  constructor(
    private readonly store: Pick<SmpParticipantStore, 'acceptsOverAs4'>,
    private readonly opts: { ownEndpointUrl: string | null; cacheMs: number; maxEntries?: number },
  ) {}

  async isServiced(p: ParticipantIdentifier, dt: DocumentTypeIdentifier, proc: ProcessIdentifier): Promise<boolean> {
    const key = `${p.scheme.toLowerCase()}\n${p.value.toLowerCase()}\n${dt.scheme}\n${dt.value}\n${proc.scheme}\n${proc.value}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.answer;
    const answer = await this.store.acceptsOverAs4(p, dt, proc, { transportProfile: AS4_PROFILE, ownEndpointUrl: this.opts.ownEndpointUrl, at: new Date(now) });
    if (this.opts.cacheMs > 0) {
      if (this.cache.size >= (this.opts.maxEntries ?? 10_000)) this.cache.clear();
      this.cache.set(key, { answer, until: now + this.opts.cacheMs });
    }
    return answer;
  }
}
