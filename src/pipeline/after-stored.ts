/**
 * The seam after reception: every received document, once stored and validated, is handed to a list of
 * handlers built in the composition root (inbox filing first; business responses, webhooks, reporting
 * items and archive entries each become one more). Documents come in the batches the handover already works
 * in, inside the batch's one transaction: a handler adds its statements to that commit (one statement per
 * batch keeps the inbound path cheap), and a handler that throws rolls the whole batch back, so its
 * documents stay `received` and are handed over again at the next start (src/pipeline/inbound-handover.ts).
 */
import type { DocumentMetadata, Tx } from '../store/documents.js';
import type { ValidationReport } from '../validation/types.js';

/** A received document of the batch, stored, locked until the transaction ends, and validated. */
export interface StoredDocument {
  id: string;
  report: ValidationReport;
  /** The validator's reading of the document; null when it could not read one. */
  metadata: DocumentMetadata | null;
  /** The effective invoice number and issue date (the validator's reading, else the stored one). */
  invoiceNumber: string | null;
  issueDate: string | null;
  /** The document already in the recipient's inbox with the same supplier, buyer, number and date. */
  duplicateOf: string | null;
  /** The bytes, where the caller holds them (a local delivery, whose payload is not committed yet). */
  payload?: Buffer;
}

export interface AfterStoredHandler {
  /** For logs. */
  readonly name: string;
  handle(documents: readonly StoredDocument[], tx: Tx): Promise<void>;
  /** After the batch's transaction committed (e.g. to wake the runner for jobs the handler queued). */
  committed?(): void;
}
