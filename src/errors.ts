/**
 * The project's one error taxonomy. Every failure that crosses a layer boundary is an ApError whose
 * kind names an entry of ERROR_KINDS: that entry fixes the ebMS error code an AS4 peer sees, the HTTP
 * status an API client sees, and whether retrying can help. The message is for people.
 *
 * Layers add kinds here rather than inventing their own error classes, so that the AS4 endpoint, the
 * REST API, the CLI and the job runner all map failures the same way.
 */

/** ebMS 3 / Peppol AS4 error codes (peppol-reference §4.5). */
export type EbmsErrorCode =
  | 'EBMS:0001' // ValueNotRecognized
  | 'EBMS:0003' // ValueInconsistent
  | 'EBMS:0004' // Other (also PEPPOL:NOT_SERVICED with ErrorDetail)
  | 'EBMS:0005' // ConnectionFailure (sender side)
  | 'EBMS:0007' // MimeInconsistency
  | 'EBMS:0009' // InvalidHeader
  | 'EBMS:0010' // ProcessingModeMismatch
  | 'EBMS:0101' // FailedAuthentication
  | 'EBMS:0102' // FailedDecryption
  | 'EBMS:0103' // PolicyNoncompliance
  | 'EBMS:0202' // DeliveryFailure (sender side)
  | 'EBMS:0301' // MissingReceipt (sender side)
  | 'EBMS:0302' // InvalidReceipt (sender side)
  | 'EBMS:0303' // DecompressionFailure
  | 'EBMS:4001'; // DuplicateDetected (phase4-proprietary, seen in the network)

export type RetryClass = 'transient' | 'permanent' | 'internal';

export interface ErrorSpec {
  /** ebMS code used when this failure is answered to an AS4 peer; null when it never reaches one. */
  ebms: EbmsErrorCode | null;
  /** HTTP status for the REST API and the AS4 endpoint. */
  http: number;
  /**
   * What trying again can do, for the job runner and outbound delivery: `transient` (network, DNS, 5xx: a
   * later attempt can succeed), `permanent` (the same input fails the same way) or `internal` (a programming
   * error, or something unexpected that toApError wrapped, such as a dropped database connection: retried a
   * few times only, see src/core/retry.ts).
   */
  retry: RetryClass;
  /** A short title for people; the ApError message carries the specifics. */
  title: string;
}

const k = (ebms: EbmsErrorCode | null, http: number, title: string, retry: RetryClass = 'permanent'): ErrorSpec => ({
  ebms,
  http,
  retry,
  title,
});

export const ERROR_KINDS = {
  // --- input and XML (any layer) ---
  'input.empty': k('EBMS:0004', 400, 'The request body is empty'),
  'input.unsupported-media-type': k('EBMS:0007', 415, 'Unsupported content type'),
  'input.too-large': k('EBMS:0004', 413, 'Payload exceeds the configured size limit'),
  // The shared in-flight budget is used up for now (not the sender's fault): 503 with Retry-After.
  'input.busy': k('EBMS:0004', 503, 'Too many request bodies in flight; retry later', 'transient'),
  'xml.malformed': k('EBMS:0004', 400, 'The XML is not well-formed'),
  'xml.dtd-forbidden': k('EBMS:0004', 400, 'DTDs and entity declarations are not accepted'),
  'xml.encoding-unsupported': k('EBMS:0004', 400, 'Only UTF-8 is accepted'),
  'xml.too-deep': k('EBMS:0004', 400, 'The XML nests deeper than allowed'),
  'json.malformed': k(null, 400, 'The JSON is not well-formed'),

  // --- validation ---
  'validation.invalid': k(null, 422, 'The document fails validation'),
  'validation.artifacts-missing': k(null, 503, 'Validation artifacts are not installed'),
  'validation.unsupported-construct': k(null, 500, 'A validation rule uses a construct the engine does not support'),

  // --- MIME / ebMS structure ---
  'mime.malformed': k('EBMS:0004', 400, 'Malformed MIME message'),
  'mime.limit-exceeded': k('EBMS:0004', 413, 'MIME message exceeds a configured limit'),
  'ebms.invalid-header': k('EBMS:0009', 400, 'Invalid ebMS header'),
  'ebms.profile-violation': k('EBMS:0004', 400, 'Message violates the Peppol AS4 profile'),

  // --- WS-Security and PKI ---
  'security.failed-authentication': k('EBMS:0101', 400, 'Signature or signer certificate check failed'),
  'security.failed-decryption': k('EBMS:0102', 400, 'The payload is not encrypted or cannot be decrypted'),
  'security.policy-noncompliance': k('EBMS:0103', 400, 'Security header does not follow the Peppol policy'),
  'pki.untrusted': k('EBMS:0101', 400, 'Certificate does not chain to a trusted Peppol CA'),
  'pki.expired': k('EBMS:0101', 400, 'Certificate is outside its validity period'),
  'pki.revoked': k('EBMS:0101', 400, 'Certificate is revoked'),
  'pki.revocation-unknown': k('EBMS:0101', 400, 'Certificate revocation status could not be determined', 'transient'),
  'pki.bad-certificate': k('EBMS:0101', 400, 'Certificate is unusable (key usage, subject, encoding)'),

  // --- compression and payload ---
  'as4.decompression-failed': k('EBMS:0303', 400, 'Payload could not be decompressed'),
  'as4.duplicate': k('EBMS:4001', 200, 'Duplicate message'),
  'as4.not-serviced': k('EBMS:0004', 400, 'Recipient, document type or process is not serviced here'),
  // A lost or garbled answer: the receiver may well give a good receipt to the next attempt (same MessageId).
  'as4.receipt-missing': k('EBMS:0301', 502, 'No receipt in the response', 'transient'),
  'as4.receipt-invalid': k('EBMS:0302', 502, 'The receipt is invalid', 'transient'),
  'as4.remote-error': k(null, 502, 'The receiving access point answered with an ebMS error'),
  'as4.remote-failure': k(null, 502, 'The receiving access point reports a temporary failure (ebMS error)', 'transient'),
  'as4.transport-failed': k('EBMS:0005', 502, 'Could not reach the receiving access point', 'transient'),

  // --- SBDH and identifiers ---
  'sbdh.invalid': k('EBMS:0004', 400, 'Invalid Standard Business Document Header'),
  'identifier.invalid': k('EBMS:0004', 400, 'Invalid Peppol identifier'),

  // --- discovery ---
  'sml.dns-failure': k(null, 503, 'DNS lookup failed', 'transient'),
  'sml.not-registered': k(null, 404, 'Participant is not registered in the SML'),
  'sml.no-smp-record': k(null, 502, 'Participant has NAPTR records but no usable Meta:SMP record'),
  'smp.unreachable': k(null, 503, 'The SMP could not be reached', 'transient'),
  'smp.not-found': k(null, 404, 'The SMP does not know the participant'),
  'smp.document-type-unsupported': k(null, 404, 'The participant does not accept this document type'),
  'smp.bad-signature': k(null, 502, 'The SMP response signature is invalid'),
  'smp.invalid-response': k(null, 502, 'The SMP response is invalid'),
  'smp.no-endpoint': k(null, 404, 'No usable AS4 endpoint for this participant and document type'),

  // --- the database ---
  // It dropped the connection, refused it or did not answer in time (a restart, a failover): 503 with
  // Retry-After. A receipt is only ever sent after a commit, so the sender's retry is answered correctly
  // even when the commit went through and only its answer was lost (a duplicate, answered with a receipt).
  'store.unavailable': k('EBMS:0004', 503, 'The database is unavailable; retry later', 'transient'),

  // --- API and storage ---
  'api.not-found': k(null, 404, 'Not found'),
  'api.bad-request': k(null, 400, 'Bad request'),
  'api.unauthorized': k(null, 401, 'Authentication required'),
  'api.forbidden': k(null, 403, 'Not allowed for this API key'),
  'api.rate-limited': k(null, 429, 'Too many requests for this API key', 'transient'),
  'api.business-duplicate': k(null, 409, 'A document with the same supplier, buyer, number and issue date was already sent'),
  'api.conflict': k(null, 409, 'Conflict'),
  'api.idempotency-key-reused': k(null, 422, 'The Idempotency-Key was used with a different request body'),
  // The first request with the key has not answered yet: 409 with Retry-After, then the replay.
  'api.request-in-progress': k(null, 409, 'A request with this Idempotency-Key is in progress', 'transient'),
  // An SSRF guard: webhooks call only https URLs of public addresses unless WEBHOOKS_ALLOW_PRIVATE_TARGETS.
  'webhook.target-refused': k(null, 422, 'The webhook URL is not allowed: not https, or not a public address'),
  // A business response (Invoice Response, MLS) that its own rules refuse; details carry the report.
  'response.invalid': k(null, 422, 'The business response is not valid'),
  // Mercurius' consistency check: a response must name the parties of the invoice it answers.
  'response.original-not-found': k(null, 422, 'Original document not found: no invoice with this number between these parties'),
  // --- e-mail channel (SMTP) ---
  // No answer, a 4xx, a dropped connection: the same message (same Message-ID) is sent again later.
  'email.smtp-unavailable': k(null, 503, 'The SMTP server could not be reached or deferred the message', 'transient'),
  'email.recipient-refused': k(null, 422, 'The SMTP server refused the recipient address'),
  'email.address-invalid': k(null, 422, 'The e-mail address is not valid'),
  'email.no-address': k(null, 422, 'No e-mail address to send to'),
  // The renderer knows UBL Invoice, CreditNote and the Invoice Response; anything else has no human-readable view.
  'rendering.unsupported-document': k(null, 422, 'The document cannot be rendered: only UBL Invoice, CreditNote and Invoice Response'),
  'state.invalid-transition': k(null, 409, 'Invalid status transition'),
  'config.invalid': k(null, 500, 'Invalid configuration'),
  'internal': k(null, 500, 'Internal error', 'internal'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorKind = keyof typeof ERROR_KINDS;

export class ApError extends Error {
  readonly spec: ErrorSpec;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApError';
    this.spec = ERROR_KINDS[kind];
  }

  get ebmsCode(): EbmsErrorCode | null {
    return this.spec.ebms;
  }

  get httpStatus(): number {
    return this.spec.http;
  }

  /** True when a later attempt can succeed (retry class `transient`). */
  get retryable(): boolean {
    return this.spec.retry === 'transient';
  }

  toJSON(): Record<string, unknown> {
    return {
      error: this.kind,
      title: this.spec.title,
      message: this.message,
      ...(this.spec.ebms ? { ebmsCode: this.spec.ebms } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Seconds a client is asked to wait (Retry-After) when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

// SQLSTATE of a lost or refused database connection: class 08 (connection exception), 57P01 to 57P03
// (admin shutdown, crash shutdown, cannot connect now: a restart), 53300 (too many connections).
const LOST_SQLSTATE = /^(08...|57P0[123]|53300)$/;
// node-postgres when its socket ends or its connect times out (connectionTimeoutMillis), and knex when no
// pooled connection comes in time.
const LOST_MESSAGE = /Connection terminated|is not queryable|Timeout acquiring a connection|^timeout expired$/;
// Errors of a socket we opened (they name the system call); an aborted client request has none.
const LOST_SYSCALL = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * True for a failure that says the database went away rather than refused a statement. Our other network
 * clients (AS4, SMP, SMTP, webhooks, S3) raise their own kinds, so an unclassified lost connection that
 * reaches toApError is the database's.
 */
function isDatabaseLoss(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 2) return false;
  const e = err as Error & { code?: unknown; syscall?: unknown; severity?: unknown };
  if (typeof e.code === 'string' && typeof e.severity === 'string' && LOST_SQLSTATE.test(e.code)) return true;
  if (typeof e.code === 'string' && typeof e.syscall === 'string' && LOST_SYSCALL.has(e.code)) return true;
  if (e.name === 'KnexTimeoutError' || LOST_MESSAGE.test(e.message)) return true;
  return isDatabaseLoss(e.cause, depth + 1);
}

/** Wraps anything thrown into an ApError, keeping ApErrors as they are; a lost database is `store.unavailable`. */
export function toApError(err: unknown): ApError {
  if (err instanceof ApError) return err;
  if (isDatabaseLoss(err)) {
    return new ApError('store.unavailable', 'The database cannot be reached just now; retry later', { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS }, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ApError('internal', message, undefined, { cause: err });
}
