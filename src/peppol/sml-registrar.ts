/**
 * Publishing hosted participants in the SML. The real SML (BDMSL management API, client-certificate
 * authenticated) is out of reach from here; the interface keeps the SMP side independent of which SML it
 * writes to, and the local implementation writes the NAPTR record into a DnsZone served by LocalDnsServer.
 */
import type { ParticipantIdentifier } from './identifiers.js';
import type { DnsZone } from './local-dns.js';
import { smlDnsName, type NaptrRecord } from './sml.js';

export interface SmlRegistrar {
  /** Points the participant's NAPTR record at this SMP's base URL. */
  register(participant: ParticipantIdentifier, smpBaseUrl: string): Promise<void>;
  unregister(participant: ParticipantIdentifier): Promise<void>;
}

/** The NAPTR record an SML publishes for an SMP base URL: `U`, `Meta:SMP`, regexp `!^.*$!<url>!`. */
export function smpNaptrRecord(smpBaseUrl: string): NaptrRecord {
  const url = smpBaseUrl.replace(/\/+$/, '').replace(/!/g, '\\!');
  return { order: 100, preference: 10, flags: 'U', service: 'Meta:SMP', regexp: `!^.*$!${url}!`, replacement: '.' };
}

/** Writes NAPTR records into a local DnsZone whose origin is the SML zone. */
export class LocalZoneSmlRegistrar implements SmlRegistrar {
  constructor(private readonly zone: DnsZone) {}

  async register(participant: ParticipantIdentifier, smpBaseUrl: string): Promise<void> {
    this.zone.setNaptr(smlDnsName(participant, this.zone.origin), [smpNaptrRecord(smpBaseUrl)]);
  }

  async unregister(participant: ParticipantIdentifier): Promise<void> {
    this.zone.delete(smlDnsName(participant, this.zone.origin));
  }
}
