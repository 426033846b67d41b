/**
 * Composes the inbound side from its parts (used by the composition root): message store, validation
 * runner and the queue that hands validated documents to the after-stored handlers, the pipeline itself,
 * start-up recovery of documents stored but not handed over, and the periodic release of
 * duplicate-detection keys past their retention.
 */
import type { Logger } from 'pino';
import type { As4Identity, DecompressionLimits, MimeLimits, SpoolOptions } from '../as4/index.js';
import type { CertificateValidator } from '../pki/types.js';
import type { Metrics } from '../core/metrics.js';
import type { As4MessageStore } from '../store/as4-messages.js';
import type { DocumentStore, InboundBatchStore } from '../store/documents.js';
import type { XmlLimits } from '../xml/decode.js';
import type { AfterStoredHandler } from './after-stored.js';
import { InboundHandover } from './inbound-handover.js';
import type { ValidationRunner } from './inbound-validation.js';
import { InboundPipeline } from './inbound.js';
import type { ServedHere } from './served-here.js';

export interface InboundServiceOptions {
  messages: As4MessageStore;
  documents: DocumentStore & InboundBatchStore;
  identity: As4Identity;
  /** AP key pairs being replaced (certificate rollover): they still decrypt. */
  retiringIdentities?: readonly As4Identity[];
  seatId: string;
  certificateValidator: CertificateValidator;
  runner: ValidationRunner;
  /** Checklist step 11: the final recipient is served here. */
  served: Pick<ServedHere, 'isServed'>;
  /** What each stored and validated document is handed to, in order (inbox routing first). */
  handlers: readonly AfterStoredHandler[];
  duplicateRetentionMs: number;
  /** Validations in flight (the runner's worker count). */
  concurrency?: number;
  limits?: { mime?: MimeLimits; xml?: XmlLimits; decompression?: DecompressionLimits };
  /** Where large attachments are spooled, and from what size (InboundDeps.spool). */
  spool?: SpoolOptions;
  idDomain?: string;
  logger?: Logger;
  /** AS4 messages answered and received documents rejected (default: none). */
  metrics?: Pick<Metrics, 'as4Received' | 'documentRejected'>;
}

export interface InboundService {
  pipeline: InboundPipeline;
  handover: InboundHandover;
  messages: As4MessageStore;
  /** Stops the key sweeper and the handover (validation in flight finishes); the validation runner is its opener's to close. */
  stop(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 3_600_000;

export async function startInbound(o: InboundServiceOptions): Promise<InboundService> {
  const { messages } = o;
  const handover = new InboundHandover({
    documents: o.documents,
    runner: o.runner,
    handlers: o.handlers,
    concurrency: o.concurrency ?? 1,
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
  });
  const pipeline = new InboundPipeline({
    identity: o.identity,
    ...(o.retiringIdentities ? { retiringIdentities: o.retiringIdentities } : {}),
    seatId: o.seatId,
    certificateValidator: o.certificateValidator,
    messages,
    served: o.served,
    handover,
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.spool ? { spool: o.spool } : {}),
    ...(o.idDomain ? { idDomain: o.idDomain } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
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
  await handover.recover();
  return {
    pipeline,
    handover,
    messages,
    async stop() {
      clearInterval(timer);
      await handover.stop();
    },
  };
}
