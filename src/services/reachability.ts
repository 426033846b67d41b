/**
 * The integrator's pre-flight: can this participant receive over Peppol, which document types, through
 * which access point? Both Belgian forms of a company (0208:<number> and 9925:BE<number>) are tried, a
 * participant hosted here is answered from our own records, and every form tried says what happened,
 * so that "receiver not found" comes with its reason (not in the SML, SMP down, type not accepted).
 */
import { ApError } from '../errors.js';
import { documentTypeFromText } from '../peppol/document-types.js';
import { formatId, otherBelgianForm, parseParticipantId, sameId, type DocumentTypeIdentifier, type ParticipantIdentifier } from '../peppol/identifiers.js';
import type { PeppolLookup } from '../peppol/lookup.js';
import { seatIdOf } from '../pki/index.js';
import type { HostedParticipant } from '../store/participants-smp.js';

export type Outcome = 'hosted-here' | 'found' | 'not-registered' | 'document-type-not-accepted' | 'unknown';

export interface Reachability {
  participant: string;
  /** null: could not tell (DNS or SMP failed, or this access point has no Peppol network access). */
  reachable: boolean | null;
  /** Every form tried, in order, with its outcome and why. */
  tried: Array<{ participant: string; outcome: Outcome; detail: string }>;
  /** Of the first form that answered: the document types it receives. */
  documentTypes: string[];
  /** With a document type: where documents of that type go. */
  accessPoint: { endpointUrl: string | null; seatId: string | null; transportProfile: string; hostedHere: boolean } | null;
}

export interface ReachabilityDeps {
  hosted: { get(participant: ParticipantIdentifier): Promise<HostedParticipant | null> };
  /** Peppol discovery; null when this access point does not reach the network (the sandbox, no AP key). */
  network: Pick<PeppolLookup, 'lookup' | 'serviceGroup'> | null;
}

const NOT_REGISTERED = new Set(['sml.not-registered', 'smp.not-found']);
const NOT_ACCEPTED = new Set(['smp.document-type-unsupported', 'smp.no-endpoint']);

export class ReachabilityService {
  constructor(private readonly deps: ReachabilityDeps) {}

  async check(query: { participant: string; documentType?: string }): Promise<Reachability> {
    const asked = parseParticipantId(query.participant);
    const documentType = query.documentType === undefined ? undefined : documentTypeFromText(query.documentType);
    const forms = [asked, otherBelgianForm(asked)].filter((p): p is ParticipantIdentifier => p !== null);
    const answer: Reachability = { participant: formatId(asked), reachable: false, tried: [], documentTypes: [], accessPoint: null };
    let unknown = false;
    for (const form of forms) {
      const tried = await this.tryForm(form, documentType, answer);
      answer.tried.push(tried);
      if (tried.outcome === 'hosted-here' || tried.outcome === 'found') {
        answer.reachable = true;
        return answer;
      }
      if (tried.outcome === 'unknown') unknown = true;
    }
    answer.reachable = unknown ? null : false;
    return answer;
  }

  private async tryForm(form: ParticipantIdentifier, documentType: DocumentTypeIdentifier | undefined, answer: Reachability): Promise<Reachability['tried'][number]> {
    const participant = formatId(form);
    const hosted = await this.deps.hosted.get(form);
    if (hosted) {
      const types = hosted.capabilities.map((c) => formatId(c.documentType));
      const capability = documentType && hosted.capabilities.find((c) => sameId(c.documentType, documentType));
      if (documentType && !capability) return { participant, outcome: 'document-type-not-accepted', detail: `hosted on this access point, but it does not receive ${formatId(documentType)}` };
      answer.documentTypes = [...new Set(types)];
      if (capability) answer.accessPoint = { endpointUrl: capability.endpointUrl, seatId: null, transportProfile: capability.transportProfile, hostedHere: true };
      return { participant, outcome: 'hosted-here', detail: 'hosted on this access point: delivered locally' };
    }
    const network = this.deps.network;
    if (!network) return { participant, outcome: 'unknown', detail: 'not hosted here, and this access point does not reach the Peppol network (sandbox or no AP key)' };
    try {
      if (documentType) {
        const found = await network.lookup(form, documentType);
        answer.accessPoint = { endpointUrl: found.endpointUrl, seatId: seatIdOf(found.certificate), transportProfile: found.transportProfile, hostedHere: false };
        answer.documentTypes = [formatId(found.documentType)];
        return { participant, outcome: 'found', detail: `registered in the SML; its SMP ${found.smpUrl} names the access point ${found.endpointUrl}` };
      }
      const group = await network.serviceGroup(form);
      answer.documentTypes = group.documentTypes.map(formatId);
      return { participant, outcome: 'found', detail: `registered in the SML; its SMP ${group.smpUrl} lists ${group.documentTypes.length} document types` };
    } catch (err) {
      if (!(err instanceof ApError)) throw err;
      if (NOT_REGISTERED.has(err.kind)) return { participant, outcome: 'not-registered', detail: err.message };
      if (NOT_ACCEPTED.has(err.kind)) return { participant, outcome: 'document-type-not-accepted', detail: err.message };
      return { participant, outcome: 'unknown', detail: `${err.kind}: ${err.message}` };
    }
  }
}
