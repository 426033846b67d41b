/**
 * The outbound side assembled: delivery pipeline, dispatcher, transport and breakers, built once at
 * start-up from the configuration and the shared pieces (database, lookup, identity). main.ts and the
 * tests build it the same way.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { As4Identity } from '../as4/index.js';
import type { OutboundConfig } from '../config/index.js';
import { sameId, type DocumentTypeIdentifier, type ParticipantIdentifier } from '../peppol/identifiers.js';
import type { CertificateValidator } from '../pki/types.js';
import { CircuitBreakers } from '../pipeline/circuit-breaker.js';
import { OutboundDelivery, type HostedParticipants, type ReceiverLookup } from '../pipeline/outbound.js';
import { HttpAs4Transport, type As4Transport } from '../pipeline/outbound-transport.js';
import type { OutboundQueue } from '../pipeline/submit.js';
import { PostgresDeliveryStore } from '../store/deliveries.js';
import type { DocumentStore } from '../store/documents.js';
import { SmpParticipantStore } from '../store/participants-smp.js';
import { OutboundDispatcher } from './outbound-dispatcher.js';

export interface OutboundServiceDeps {
  knex: Knex;
  documents: DocumentStore;
  lookup: ReceiverLookup;
  identity: As4Identity;
  seatId: string;
  certificateValidator: CertificateValidator;
  config: OutboundConfig;
  maxDocumentBytes: number;
  logger: Logger;
  /** Replaces the HTTP transport (benchmarks, fault injection). */
  transport?: As4Transport;
}

export interface OutboundService {
  queue: OutboundQueue;
  delivery: OutboundDelivery;
  dispatcher: OutboundDispatcher;
  breakers: CircuitBreakers;
  /** Stops the dispatcher (waiting at most graceMs for attempts in flight) and closes the connections. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Participants of the SMP published here, with the document type among their capabilities. Answers are
 * cached for `cacheMs` (a participant added here is delivered locally at the latest that much later).
 */
export function hostedParticipants(knex: Knex, cacheMs: number): HostedParticipants {
  const store = new SmpParticipantStore(knex);
  const cache = new Map<string, { accepts: boolean; until: number }>();
  return {
    async accepts(participant: ParticipantIdentifier, documentType: DocumentTypeIdentifier): Promise<boolean> {
      const key = `${participant.value}|${documentType.scheme}::${documentType.value}`;
      const hit = cache.get(key);
      if (hit && hit.until > Date.now()) return hit.accepts;
      const hosted = await store.getParticipant(participant);
      const accepts = !!hosted && hosted.capabilities.some((c) => sameId(c.documentType, documentType));
      if (cacheMs > 0) {
        if (cache.size >= 10_000) cache.clear();
        cache.set(key, { accepts, until: Date.now() + cacheMs });
      }
      return accepts;
    },
  };
}

/**
 * How long an attempt may keep a document in `sending` before another worker treats it as interrupted:
 * longer than any attempt can take (SML/SMP lookup, connect, response).
 */
export function attemptLeaseMs(config: OutboundConfig): number {
  return config.transport.connectTimeoutMs + config.transport.responseTimeoutMs + 60_000;
}

/** Builds the outbound side and starts the dispatcher (start-up recovery first). */
export async function startOutbound(deps: OutboundServiceDeps): Promise<OutboundService> {
  const { config } = deps;
  const deliveries = new PostgresDeliveryStore(deps.knex);
  const transport = deps.transport ?? new HttpAs4Transport(config.transport);
  const breakers = new CircuitBreakers(config.circuit);
  const idDomain = deps.seatId.toLowerCase();
  const delivery = new OutboundDelivery({
    documents: deps.documents,
    deliveries,
    lookup: deps.lookup,
    hosted: hostedParticipants(deps.knex, config.hostedCacheMs),
    identity: deps.identity,
    seatId: deps.seatId,
    certificateValidator: deps.certificateValidator,
    transport,
    breakers,
    retry: config.retry,
    countryC1Override: config.countryC1,
    leaseMs: attemptLeaseMs(config),
    xmlLimits: { maxBytes: deps.maxDocumentBytes },
    idDomain,
  });
  const dispatcher = new OutboundDispatcher(delivery, deliveries, { concurrency: config.concurrency, pollIntervalMs: config.pollIntervalMs, maxPending: 100_000 }, deps.logger);
  await dispatcher.start();
  return {
    queue: { deliveries, dispatch: (id) => dispatcher.enqueue(id), firstAttemptGraceMs: config.firstAttemptGraceMs, idDomain },
    delivery,
    dispatcher,
    breakers,
    async stop(graceMs?: number) {
      await dispatcher.stop(graceMs);
      transport.close();
    },
  };
}
