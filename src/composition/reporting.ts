/**
 * Peppol Reporting assembled: the flow (src/pipeline/peppol-reporting.ts), its use cases, and the
 * `peppol-reports` job kind that sends the TSR and EUSR of a month on REPORTING_DAY of the next. Each
 * period has one job (its unique key), enqueued at start-up (the month before, due at once when its day
 * has passed, and the current month) and by the job itself (the next month), so a restart neither loses
 * nor repeats one; the flow's own check makes a second run of a sent period send nothing.
 */
import type { ReportingConfig } from '../config/index.js';
import { ApError } from '../errors.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Logger } from '../log.js';
import type { ValidationRunner } from '../pipeline/inbound-validation.js';
import { PeppolReporting } from '../pipeline/peppol-reporting.js';
import type { OutboundQueue } from '../pipeline/submit.js';
import { REPORT_KINDS } from '../reporting/index.js';
import { ReportsService } from '../services/reports.js';
import type { PostgresDocumentStore } from '../store/documents.js';
import type { PostgresReportingStore } from '../store/reporting.js';

export const PEPPOL_REPORTS_JOB = 'peppol-reports';
const ACTOR = 'job:peppol-reports';

/** `YYYY-MM` of a date, in UTC, shifted by `months`. */
export function monthOf(d: Date, months = 0): string {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1)).toISOString().slice(0, 7);
}

/** When the reports of `period` are due: `day` of the month after it, 00:00 UTC. */
export function dueAt(period: string, day: number): Date {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, day));
}

export interface Reporting {
  service: ReportsService;
  /** Enqueues the jobs of the month before `now` and of its month (idempotent); only where reports are sent. */
  schedule(): Promise<void>;
}

/** Whether this access point sends its reports: REPORTING=on, or auto on the production network. */
export function sendsReports(config: ReportingConfig, environment: string | null | undefined): boolean {
  return config.mode === 'on' || (config.mode === 'auto' && environment === 'production');
}

export function buildReporting(
  config: ReportingConfig,
  parts: {
    store: PostgresReportingStore;
    documents: PostgresDocumentStore;
    validation: ValidationRunner;
    seatId: string;
    /** The outbound path reports leave by; null where this process does not send (no AS4, REPORTING=off). */
    queue: OutboundQueue | null;
    /** The runner the monthly job runs on; null in a command (which sends only when told). */
    runner: JobRunner | null;
    logger?: Logger;
    /** The clock the schedule reads (tests). */
    now?: () => Date;
  },
): Reporting {
  const now = parts.now ?? (() => new Date());
  const flow = new PeppolReporting({
    store: parts.store,
    documents: parts.documents,
    validation: parts.validation,
    seatId: parts.seatId,
    queue: parts.queue,
    ...(parts.logger ? { logger: parts.logger } : {}),
  });
  const runner = parts.queue ? parts.runner : null;
  const enqueue = (period: string) => runner!.enqueue(PEPPOL_REPORTS_JOB, { period }, { uniqueKey: period, runAt: dueAt(period, config.day) });
  if (runner) {
    runner.register<{ period: string }>({
      kind: PEPPOL_REPORTS_JOB,
      // A failure to build or queue (database, validation pool) is retried for about a day; sending itself
      // is the outbound job's, with its own retries.
      retry: { maxAttempts: 20, initialDelayMs: 60_000, maxDelayMs: 3_600_000, multiplier: 2 },
      concurrency: 1,
      leaseMs: 10 * 60_000,
      async handle(run) {
        const { period } = run.job.payload;
        const invalid: string[] = [];
        for (const kind of REPORT_KINDS) {
          const outcome = await flow.send(kind, period, { actor: ACTOR, resend: false });
          if ('invalid' in outcome) invalid.push(kind.toUpperCase());
        }
        await enqueue(monthOf(dueAt(period, 1)));
        if (invalid.length) throw new ApError('validation.invalid', `The ${invalid.join(' and ')} for ${period} fail validation and were not sent (peppol-ap report … --month ${period})`);
      },
    });
  }
  return {
    service: new ReportsService({ store: parts.store, reporting: flow }),
    async schedule() {
      if (!runner) return;
      const t = now();
      await enqueue(monthOf(t, -1));
      await enqueue(monthOf(t));
      runner.wake();
    },
  };
}
