/**
 * The monthly Peppol reports as a flow: the month's reporting items aggregated into the TSR or EUSR
 * (src/reporting), validated by the same engine as every document (XSD and schematron), stored, and sent
 * over Peppol through the outbound path (same delivery, retries, receipts and evidence as an invoice) from
 * our service provider participant (`0242:<seat digits>`) to OpenPeppol. A report that fails validation
 * is stored as `invalid`, not sent, and logged at error level for an operator. A period and kind is sent
 * once: the check and the queueing run under one lock in one transaction, so a second run, a restart or
 * another instance finds it sent; only an operator's resend sends it again (the next generation).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { newMessageId } from '../as4/index.js';
import { checkCreate } from '../core/state-machine.js';
import { ApError } from '../errors.js';
import {
  OPENPEPPOL_PARTICIPANT,
  REPORTING_PROCESS,
  REPORT_DOCUMENT_TYPES,
  type ReportKind,
  buildEusr,
  buildTsr,
  eusrFigures,
  monthPeriod,
  tsrFigures,
} from '../reporting/index.js';
import type { Tx } from '../store/documents.js';
import type { PeppolReportRecord, PostgresReportingStore } from '../store/reporting.js';
import type { ValidationReport } from '../validation/types.js';
import type { ValidationRunner } from './inbound-validation.js';
import { mlsParticipantOf } from './mls.js';
import type { OutboundQueue } from './submit.js';

const QUEUED = checkCreate('outbound', 'queued');
const ROOTS: Record<ReportKind, string> = { tsr: 'TransactionStatisticsReport', eusr: 'EndUserStatisticsReport' };

export interface BuiltReport {
  kind: ReportKind;
  period: string;
  xml: string;
  report: ValidationReport;
}

export type SendOutcome = { sent: PeppolReportRecord } | { alreadySent: PeppolReportRecord } | { invalid: PeppolReportRecord };

export interface PeppolReportingDeps {
  store: PostgresReportingStore;
  documents: { transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> };
  validation: ValidationRunner;
  /** Our seat id: the ReporterID, and the sender `0242:<digits>`. */
  seatId: string;
  /** The outbound path; null where this process cannot send (no AS4 identity). */
  queue: OutboundQueue | null;
  logger?: Logger;
}

/** [start, end) of a month `YYYY-MM` in UTC; throws api.bad-request for anything else. */
export function monthBounds(month: string): { from: Date; to: Date; start: string; end: string } {
  const p = monthPeriod(month);
  if (!p) throw new ApError('api.bad-request', `'${month}' is not a month (YYYY-MM)`);
  const from = new Date(`${p.start}T00:00:00Z`);
  const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  return { from, to, ...p };
}

export class PeppolReporting {
  constructor(private readonly deps: PeppolReportingDeps) {}

  /** Builds and validates the report of a month, storing nothing. */
  async build(kind: ReportKind, month: string): Promise<BuiltReport> {
    const b = monthBounds(month);
    const items = await this.deps.store.items(b.from, b.to);
    const header = { period: { start: b.start, end: b.end }, reporterSeat: this.deps.seatId };
    const xml = kind === 'tsr' ? buildTsr(header, tsrFigures(items)) : buildEusr(header, eusrFigures(items));
    const { report } = await this.deps.validation.validate(Buffer.from(xml));
    return { kind, period: month, xml, report };
  }

  /**
   * Builds, validates, stores and queues the report of a month for OpenPeppol, unless it was sent already
   * (`resend`: an operator sends it again on purpose).
   */
  async send(kind: ReportKind, month: string, opts: { actor: string; resend: boolean }): Promise<SendOutcome> {
    const q = this.deps.queue;
    if (!q) throw new ApError('api.forbidden', 'Reports are not sent from this access point (no AS4 identity)');
    const built = await this.build(kind, month);
    const outcome = await this.deps.documents.transaction(async (tx): Promise<SendOutcome> => {
      await this.deps.store.lock(month, kind, tx);
      const sent = await this.deps.store.sent(month, kind, tx);
      if (sent && !opts.resend) return { alreadySent: sent };
      const record = { period: month, kind, xml: built.xml, validationReport: built.report, actor: opts.actor };
      if (!built.report.valid) return { invalid: await this.deps.store.insert({ ...record, state: 'invalid', documentId: null }, tx) };
      const payload = Buffer.from(built.xml);
      const queued = await q.deliveries.createQueued(
        {
          senderId: mlsParticipantOf(this.deps.seatId),
          receiverId: OPENPEPPOL_PARTICIPANT,
          documentKind: ROOTS[kind],
          documentType: REPORT_DOCUMENT_TYPES[kind],
          process: REPORTING_PROCESS,
          invoiceNumber: null,
          issueDate: null,
          initial: QUEUED,
          tenantId: null,
          payloadSha256: createHash('sha256').update(payload).digest('hex'),
          validationReport: built.report,
        },
        payload,
        { actor: opts.actor, reason: `${kind.toUpperCase()} for ${month} queued for OpenPeppol${opts.resend ? ' (sent again by an operator)' : ''}`, details: { period: month, kind } },
        { as4MessageId: newMessageId(q.idDomain), conversationId: randomUUID(), sbdhInstanceId: randomUUID(), countryC1: null },
        { maxAttempts: q.maxAttempts, dueAt: new Date(), heldBy: null },
        { key: null, resend: false },
        tx,
      );
      if ('duplicateOf' in queued) throw new ApError('internal', 'A report has no business key'); // key null: never a duplicate
      return { sent: await this.deps.store.insert({ ...record, state: 'queued', documentId: queued.document.id }, tx) };
    });
    if ('sent' in outcome) q.wake();
    if ('invalid' in outcome) {
      const fatal = built.report.issues.filter((i) => i.flag === 'fatal');
      this.deps.logger?.error(
        { period: month, kind, report: outcome.invalid.id, issues: fatal.slice(0, 10).map((i) => `${i.id}: ${i.message}`) },
        `reporting: the ${kind.toUpperCase()} for ${month} fails validation (${fatal.length} fatal issues) and was not sent; an operator must look at it`,
      );
    }
    return outcome;
  }
}
