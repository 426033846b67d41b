/**
 * Composes the inbound side from its parts (used by src/main.ts and the tests): message store, served
 * check, validation runner and router, the pipeline itself, start-up recovery of documents stored but not
 * routed, and the periodic release of duplicate-detection keys past their retention.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { As4Identity, DecompressionLimits, MimeLimits } from '../as4/index.js';
import type { CertificateValidator } from '../pki/types.js';
import { As4MessageStore } from '../store/as4-messages.js';
import type { DocumentStore, InboundRoutingStore } from '../store/documents.js';
import { SmpParticipantStore } from '../store/participants-smp.js';
import type { XmlLimits } from '../xml/decode.js';
import { StoreServicedCheck, type ServicedCheck } from './inbound-checks.js';
import { InboundRouter } from './inbound-route.js';
import type { ValidationRunner } from './inbound-validation.js';
import { InboundPipeline } from './inbound.js';

export interface InboundServiceOptions {
  knex: Knex;
  documents: DocumentStore & InboundRoutingStore;
  identity: As4Identity;
  seatId: string;
  certificateValidator: CertificateValidator;
  runner: ValidationRunner;
  /** Our published AS4 endpoint URL: capabilities naming it (or none) count as served here. */
  ownEndpointUrl?: string | null;
  duplicateRetentionMs: number;
  servicedCacheMs: number;
  /** Validations in flight (the runner's worker count). */
  concurrency?: number;
  limits?: { mime?: MimeLimits; xml?: XmlLimits; decompression?: DecompressionLimits };
  idDomain?: string;
  logger?: Logger;
  /** Replaces the hosted-participants check (tests). */
  serviced?: ServicedCheck;
}

export interface InboundService {
  pipeline: InboundPipeline;
  router: InboundRouter;
  messages: As4MessageStore;
  /** Stops the key sweeper and the router (validation in flight finishes), then closes the runner. */
  stop(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 3_600_000;

export async function startInbound(o: InboundServiceOptions): Promise<InboundService> {
  const messages = new As4MessageStore(o.knex);
  const router = new InboundRouter({
    documents: o.documents,
    runner: o.runner,
    concurrency: o.concurrency ?? 1,
    ...(o.logger ? { logger: o.logger } : {}),
  });
  const pipeline = new InboundPipeline({
    identity: o.identity,
    seatId: o.seatId,
    certificateValidator: o.certificateValidator,
    messages,
    serviced: o.serviced ?? new StoreServicedCheck(new SmpParticipantStore(o.knex), { ownEndpointUrl: o.ownEndpointUrl ?? null, cacheMs: o.servicedCacheMs }),
    router,
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.idDomain ? { idDomain: o.idDomain } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  const sweep = async () => {
    try {
      const n = await messages.releaseExpiredKeys(o.duplicateRetentionMs);
      if (n > 0) o.logger?.info({ released: n }, 'as4: duplicate-detection keys past their retention released');
    } catch (err) {
      o.logger?.warn({ err }, 'as4: releasing expired duplicate-detection keys failed');
    }
  };
  await sweep();
  const timer = setInterval(() => void sweep(), SWEEP_INTERVAL_MS);
  timer.unref();
  await router.recover();
  return {
    pipeline,
    router,
    messages,
    async stop() {
      clearInterval(timer);
      await router.stop();
      await o.runner.close();
    },
  };
}
