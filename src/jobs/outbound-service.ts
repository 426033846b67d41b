/**
 * The outbound side assembled: delivery pipeline, transport and breakers, built once at start-up from the
 * configuration and the shared pieces (database, lookup, identity, job runner), and outbound delivery
 * registered as the runner's `outbound` job kind. main.ts and the tests build it the same way.
 *
 * A submitted document's job is inserted already held by this process's runner and its first attempt
 * starts at once in the process (runHere: no claim round trip, so the success path stays three statements:
 * submit, claim, delivered); should the process stop first, the job is given back (or its hold runs out
 * after OUTBOUND_FIRST_ATTEMPT_GRACE_MS) and any runner sharing the database takes it.
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
import { OUTBOUND_JOB, PostgresDeliveryStore } from '../store/deliveries.js';
import type { DocumentStore } from '../store/documents.js';
import { PostgresJobStore } from '../store/jobs.js';
import { SmpParticipantStore } from '../store/participants-smp.js';
import { SETTLED, type JobRunner } from './runner.js';

export interface OutboundServiceDeps {
  knex: Knex;
  documents: DocumentStore;
  lookup: ReceiverLookup;
  identity: As4Identity;
  seatId: string;
  certificateValidator: CertificateValidator;
  config: OutboundConfig;
  maxDocumentBytes: number;
  /** The process's job runner; outbound delivery is registered on it (start it afterwards). */
  runner: JobRunner;
  logger: Logger;
  /** Replaces the HTTP transport (benchmarks, fault injection). */
  transport?: As4Transport;
}

export interface OutboundService {
  queue: OutboundQueue;
  delivery: OutboundDelivery;
  breakers: CircuitBreakers;
  /** Closes the connections (after the runner stopped). */
  close(): void;
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

/** Builds the outbound side and registers it on the runner as the `outbound` job kind. */
export function buildOutbound(deps: OutboundServiceDeps): OutboundService {
  const { config, runner } = deps;
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
    jobs: new PostgresJobStore(deps.knex),
    countryC1Override: config.countryC1,
    leaseMs: attemptLeaseMs(config),
    xmlLimits: { maxBytes: deps.maxDocumentBytes },
    idDomain,
  });
  runner.register<{ documentId: string }>({
    kind: OUTBOUND_JOB,
    retry: config.retry,
    concurrency: config.concurrency,
    leaseMs: attemptLeaseMs(config),
    async handle(run) {
      const result = await delivery.attempt({ documentId: run.job.payload.documentId, lease: run.lease, maxAttempts: run.job.maxAttempts, lastError: run.job.lastError, decide: run.decide });
      deps.logger.debug({ documentId: run.job.payload.documentId, result }, 'outbound attempt');
      return SETTLED; // every outcome is written with the document's status (src/pipeline/outbound.ts)
    },
  });
  return {
    queue: {
      deliveries,
      maxAttempts: config.retry.maxAttempts,
      hold: () => runner.hold(OUTBOUND_JOB, config.firstAttemptGraceMs),
      firstAttemptGraceMs: config.firstAttemptGraceMs,
      dispatch: (jobId, documentId) => runner.runHere(OUTBOUND_JOB, jobId, { documentId }),
      idDomain,
    },
    delivery,
    breakers,
    close: () => transport.close(),
  };
}
