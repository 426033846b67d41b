/**
 * The monthly Peppol reports as use cases (API, CLI): the periods and their reports with their state,
 * the receivers whose country is unknown (an operator fixes their tenant), a preview, and a send.
 * Operators only: the reports are the access point's, not a tenant's.
 */
import type { Principal } from '../auth/principal.js';
import { ApError } from '../errors.js';
import { type BuiltReport, monthBounds, type PeppolReporting, type SendOutcome } from '../pipeline/peppol-reporting.js';
import type { ReportKind } from '../reporting/index.js';
import type { PeppolReportRecord, PostgresReportingStore, UnknownReceiverCountry } from '../store/reporting.js';

export interface ReportsOverview {
  reports: PeppolReportRecord[];
  /** Receivers of incoming exchanges in `month` whose country our data does not give (listed in the TSR as ZZ, left out of the EUSR's country subsets). */
  unknownReceiverCountries: UnknownReceiverCountry[];
  month: string;
}

export class ReportsService {
  constructor(private readonly deps: { store: PostgresReportingStore; reporting: PeppolReporting }) {}

  private static operator(by: Principal | null): void {
    if (by && !by.operator) throw new ApError('api.forbidden', 'The Peppol reports are for operator keys');
  }

  /** `by` null: the command line, which runs as the operator of the machine. */
  async overview(by: Principal | null, month: string): Promise<ReportsOverview> {
    ReportsService.operator(by);
    const b = monthBounds(month);
    return { month, reports: await this.deps.store.list(), unknownReceiverCountries: await this.deps.store.unknownReceiverCountries(b.from, b.to) };
  }

  async preview(by: Principal | null, kind: ReportKind, month: string): Promise<BuiltReport> {
    ReportsService.operator(by);
    return this.deps.reporting.build(kind, month);
  }

  async send(by: Principal | null, kind: ReportKind, month: string, opts: { actor: string; resend: boolean }): Promise<SendOutcome> {
    ReportsService.operator(by);
    return this.deps.reporting.send(kind, month, opts);
  }
}
