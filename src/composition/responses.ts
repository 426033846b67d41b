/**
 * Business responses assembled (src/pipeline/business-responses.ts and its responders): the after-stored
 * handler, the responders the services call, and the `mls-confirmation` job kind that sends the positive
 * MLS (AB) of a document whose buyer did not acknowledge it within MLS_CONFIRMATION_WAIT_MS.
 */
import type { ResponsesConfig } from '../config/index.js';
import { ApError } from '../errors.js';
import type { JobRunner } from '../jobs/runner.js';
import { knownDocumentType } from '../peppol/document-types.js';
import { parseParticipantId } from '../peppol/identifiers.js';
import type { AfterStoredHandler } from '../pipeline/after-stored.js';
import { businessResponses } from '../pipeline/business-responses.js';
import type { ValidationRunner } from '../pipeline/inbound-validation.js';
import { InvoiceResponder } from '../pipeline/invoice-responder.js';
import { mlsParticipantOf } from '../pipeline/mls.js';
import { MlsResponder } from '../pipeline/mls-responder.js';
import { ResponseOutbox } from '../pipeline/response-outbox.js';
import type { OutboundQueue } from '../pipeline/submit.js';
import type { PostgresBusinessResponseStore } from '../store/business-responses.js';
import type { PostgresDocumentStore } from '../store/documents.js';
import type { SmpParticipantStore } from '../store/participants-smp.js';

export const MLS_CONFIRMATION_JOB = 'mls-confirmation';

export interface BusinessResponses {
  store: PostgresBusinessResponseStore;
  invoices: InvoiceResponder;
  mls: MlsResponder;
  handler: AfterStoredHandler;
}

export function buildBusinessResponses(
  config: ResponsesConfig,
  parts: { store: PostgresBusinessResponseStore; documents: PostgresDocumentStore; queue: OutboundQueue; validation: ValidationRunner; runner: JobRunner; seatId: string; maxDocumentBytes: number },
): BusinessResponses {
  const { store } = parts;
  const outbox = new ResponseOutbox({ queue: parts.queue, responses: store });
  const invoices = new InvoiceResponder({ documents: parts.documents, responses: store, outbox, validation: parts.validation });
  const mls = new MlsResponder({ responses: store, outbox, validation: parts.validation, seatId: parts.seatId });
  parts.runner.register<{ documentId: string }>({
    kind: MLS_CONFIRMATION_JOB,
    retry: { maxAttempts: 10, initialDelayMs: 10_000, maxDelayMs: 120_000, multiplier: 2 },
    concurrency: 2,
    leaseMs: 60_000,
    async handle(run) {
      await parts.documents.transaction((tx) => mls.confirm(run.job.payload.documentId, 'AB', tx));
      mls.wake();
    },
  });
  const handler = businessResponses({
    documents: parts.documents,
    responses: store,
    invoices,
    mls,
    maxBytes: parts.maxDocumentBytes,
    async scheduleConfirmation(documentId, tx) {
      await parts.runner.enqueue(MLS_CONFIRMATION_JOB, { documentId }, { uniqueKey: documentId, runAt: new Date(Date.now() + config.mlsConfirmationWaitMs) }, tx);
    },
  });
  return { store, invoices, mls, handler };
}

/**
 * Hosts this access point's own service provider participant (`0242:<seat digits>`, where the MLS_TO of
 * our SBDHs points) with the MLS document type, so that our SMP publishes it; idempotent, at start-up.
 * On the production network the participant must also be registered in the SML, as any other.
 */
export async function publishMlsParticipant(participants: SmpParticipantStore, seatId: string): Promise<string> {
  const id = mlsParticipantOf(seatId);
  const participant = parseParticipantId(id);
  const mls = knownDocumentType('mls')!;
  // Every node of one access point publishes it at start-up, several at once: the one that loses a race
  // finds what the winner wrote.
  const alreadyThere = (err: unknown) => {
    if (!(err instanceof ApError && err.kind === 'api.conflict')) throw err;
  };
  if (!(await participants.getParticipant(participant))) {
    await participants.addParticipant({ participant, name: `MLS of access point ${seatId}` }).catch(alreadyThere);
  }
  const hosted = (await participants.getParticipant(participant))!;
  if (!hosted.capabilities.some((c) => c.documentType.value === mls.documentType.value)) {
    await participants.addCapability(participant, { documentType: mls.documentType, process: mls.process }).catch(alreadyThere);
  }
  return id;
}
