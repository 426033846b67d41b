/**
 * Publishing hosted participants in the SML. The real SML (BDMSL management API, client-certificate
 * authenticated) is out of reach from here; the interface keeps the SMP side independent of which SML it
 * writes to; the tests' implementation (src/testing/local-dns.ts) writes the NAPTR record into a local zone.
 */
import type { ParticipantIdentifier } from './identifiers.js';
import type { NaptrRecord } from './sml.js';

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
