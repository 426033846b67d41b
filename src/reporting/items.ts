/**
 * A reporting item: one counted exchange (reference §7.3, §7.4). Only exchanges with a positive AS4
 * receipt count: as C2 the messages we sent and got a verified receipt for, as C3 the messages we stored
 * and answered with our receipt. The item is written in the transaction of that event.
 */
import { AS4_TRANSPORT_PROFILE, countsInEusr, countsInTsr } from './identifiers.js';
import { endUserOf } from './end-user.js';

export type ReportingDirection = 'outgoing' | 'incoming';

export interface ReportingItem {
  /** When the exchange counted (receipt verified, or stored with our receipt), UTC. */
  exchangedAt: Date;
  direction: ReportingDirection;
  /** Our seat id (the CN of our AP certificate) and the other access point's. */
  ourSeat: string;
  otherSeat: string;
  /** Document type and process identifier values (schemes busdox-docid-qns and cenbii-procid-ubl). */
  documentType: string;
  process: string;
  transportProfile: string;
  /** COUNTRY_C1 of the SBDH; `ZZ` when it had none. */
  c1Country: string;
  /** The receiving end user's country, from the receiving tenant's data; null when unknown (outgoing: C4 is not ours). */
  c4Country: string | null;
  /** Our participant in the exchange: the sender (C1) of an outgoing one, the receiver (C4) of an incoming one. */
  ourParticipant: string;
  /** The end user that participant is (end-user.ts). */
  endUser: string;
  /** False for exchanges counted in the TSR only (MLS). */
  countsInEusr: boolean;
}

export interface CountedExchange {
  exchangedAt: Date;
  direction: ReportingDirection;
  ourSeat: string;
  otherSeat: string;
  documentType: string;
  process: string;
  c1Country: string | null;
  c4Country: string | null;
  /** The participant of ours in the exchange: sender when outgoing, receiver when incoming. */
  ourParticipant: string;
}

/** The item of an exchange with a positive receipt, or null when it does not count (a report itself). */
export function reportingItemOf(x: CountedExchange): ReportingItem | null {
  if (!countsInTsr(x.documentType)) return null;
  const c1 = x.c1Country && /^[A-Z]{2}$/.test(x.c1Country) ? x.c1Country : 'ZZ';
  return {
    exchangedAt: x.exchangedAt,
    direction: x.direction,
    ourSeat: x.ourSeat,
    otherSeat: x.otherSeat,
    documentType: x.documentType,
    process: x.process,
    transportProfile: AS4_TRANSPORT_PROFILE,
    c1Country: c1,
    c4Country: x.c4Country && /^[A-Z]{2}$/.test(x.c4Country) ? x.c4Country : null,
    ourParticipant: x.ourParticipant,
    endUser: endUserOf(x.ourParticipant),
    countsInEusr: countsInEusr(x.documentType),
  };
}
