/**
 * Resolving a participant through the SML and its SMP, as an operator asks it (the CLI today, the console
 * next): identifiers given as text, the ServiceGroup's document types when no document type is given,
 * else the endpoint, signer and certificate for one document type.
 */
import { documentTypeFromText } from '../peppol/document-types.js';
import { parseParticipantId, parseProcessId, type ParticipantIdentifier } from '../peppol/identifiers.js';
import type { LookupResult, PeppolLookup, ServiceGroupLookup } from '../peppol/lookup.js';
import { smlDnsName } from '../peppol/sml.js';

export interface LookupQuery {
  participant: string;
  /** A short name (invoice, creditnote, mls...) or a busdox-docid-qns identifier; absent: list the ServiceGroup. */
  documentType?: string;
  process?: string;
}

export type LookupAnswer = { participant: ParticipantIdentifier; serviceGroup: ServiceGroupLookup } | { participant: ParticipantIdentifier; endpoint: LookupResult };

export class LookupService {
  constructor(
    private readonly lookup: Pick<PeppolLookup, 'lookup' | 'serviceGroup'>,
    private readonly zone: string,
  ) {}

  /** Reads the query's identifiers (ApError identifier.invalid when one is not), before anything is resolved. */
  parse(query: LookupQuery) {
    return {
      participant: parseParticipantId(query.participant),
      documentType: query.documentType === undefined ? undefined : documentTypeFromText(query.documentType),
      process: query.process === undefined ? undefined : parseProcessId(query.process),
    };
  }

  async resolve(query: LookupQuery): Promise<LookupAnswer> {
    const { participant, documentType, process } = this.parse(query);
    if (!documentType) return { participant, serviceGroup: await this.lookup.serviceGroup(participant) };
    return { participant, endpoint: await this.lookup.lookup(participant, documentType, process) };
  }

  /** The participant's name in the SML zone, for reports of a failed resolution. */
  dnsName(participant: ParticipantIdentifier): string {
    return smlDnsName(participant, this.zone);
  }
}
