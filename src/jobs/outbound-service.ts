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
import { tmpdir } from 'node:os';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { As4Identity } from '../as4/index.js';
import type { OutboundConfig } from '../config/index.js';
import type { Metrics } from '../core/metrics.js';
import type { CertificateValidator } from '../pki/types.js';
import { parseParticipantId } from '../peppol/identifiers.js';
import { CircuitBreakers } from '../pipeline/circuit-breaker.js';
import { mlsParticipantOf } from '../pipeline/mls.js';
import type { MlsType } from '../sbdh/model.js';
import { OutboundDelivery, type OutboundDeps, type ReceiverLookup } from '../pipeline/outbound.js';
import { HttpAs4Transport, type As4Transport } from '../pipeline/outbound-transport.js';
import type { ServedHere } from '../pipeline/served-here.js';
import type { OutboundQueue } from '../pipeline/submit.js';
import type { PayloadStore } from '../store/payloads.js';
import { OUTBOUND_JOB, PostgresDeliveryStore } from '../store/deliveries.js';
import type { DocumentStore } from '../store/documents.js';
import { PostgresJobStore } from '../store/jobs.js';
import { SETTLED, type JobRunner } from './runner.js';

export interface OutboundServiceDeps {
  knex: Knex;
  documents: DocumentStore;
  /** The transit payload store (default: the Postgres table). */
  payloads?: PayloadStore;
  lookup: ReceiverLookup;
  /** The check AS4 inbound asks too: a receiver it would accept gets the document locally. */
  served: Pick<ServedHere, 'isServed'>;
  identity: As4Identity;
  seatId: string;
  certificateValidator: CertificateValidator;
  config: OutboundConfig;
  maxDocumentBytes: number;
  /** Where a large document's gzipped payload waits while it is sent (AS4_SPOOL_DIR); default: the system's temporary directory. */
  spoolDir?: string;
  /** The process's job runner; outbound delivery is registered on it (start it afterwards). */
  runner: JobRunner;
  logger: Logger;
  /** Replaces the HTTP transport (benchmarks, fault injection). */
  transport?: As4Transport;
  /** The SBDH MLS_TYPE of what we send (MLS_TYPE); default FAILURE_ONLY. */
  mlsType?: MlsType;
  /** The e-mail channel, when on: the outbound fallback and Invoice Responses by e-mail. */
  email?: OutboundDeps['email'];
  /** AS4 send times and the ends of deliveries (default: none). */
  metrics?: Pick<Metrics, 'as4Sent' | 'documentSent' | 'documentUndelivered'>;
}

export interface OutboundService {
  queue: OutboundQueue;
  delivery: OutboundDelivery;
  breakers: CircuitBreakers;
  /** Closes the connections (after the runner stopped). */
  close(): void;
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
  const deliveries = new PostgresDeliveryStore(deps.knex, deps.payloads);
  const transport = deps.transport ?? new HttpAs4Transport(config.transport);
  const breakers = new CircuitBreakers(config.circuit);
  const idDomain = deps.seatId.toLowerCase();
  const delivery = new OutboundDelivery({
    documents: deps.documents,
    deliveries,
    lookup: deps.lookup,
    served: deps.served,
    identity: deps.identity,
    seatId: deps.seatId,
    certificateValidator: deps.certificateValidator,
    transport,
    breakers,
    jobs: new PostgresJobStore(deps.knex),
    countryC1Override: config.countryC1,
    leaseMs: attemptLeaseMs(config),
    xmlLimits: { maxBytes: deps.maxDocumentBytes },
    spoolDir: deps.spoolDir ?? tmpdir(),
    idDomain,
    mls: { to: parseParticipantId(mlsParticipantOf(deps.seatId)), type: deps.mlsType ?? 'FAILURE_ONLY' },
    ...(deps.email ? { email: deps.email } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
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
      sends: true,
      maxAttempts: config.retry.maxAttempts,
      hold: () => runner.hold(OUTBOUND_JOB, config.firstAttemptGraceMs),
      firstAttemptGraceMs: config.firstAttemptGraceMs,
      dispatch: (jobId, documentId) => runner.runHere(OUTBOUND_JOB, jobId, { documentId }),
      wake: () => runner.wake(),
      idDomain,
    },
    delivery,
    breakers,
    close: () => transport.close(),
  };
}
