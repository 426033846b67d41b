/**
 * The support desk's use cases, for the console: the failures queue, the search by support keys, the
 * actions on a document (re-validate with the rules in force, resend, mark handled) and the dashboard's
 * figures. Each action is a move the state machine checked or a timeline entry, never a silent edit, and
 * each is answered as if the document did not exist when the caller may not see it.
 */
import type { Principal } from '../auth/principal.js';
import { checkTransition } from '../core/state-machine.js';
import { ApError } from '../errors.js';
import type { ValidationRunner } from '../pipeline/inbound-validation.js';
import type { OutboundQueue } from '../pipeline/submit.js';
import type { DocumentPage, DocumentRecord, DocumentScope, DocumentStore } from '../store/documents.js';
import { FAILURE_STATUSES, type DashboardFigures, type FailureFilter, type PostgresSupportQueries, type SupportKeys } from '../store/support-queries.js';
import type { ValidationReport } from '../validation/types.js';

export { FAILURE_STATUSES };
export type { DashboardFigures, FailureFilter, SupportKeys };

export interface SupportServiceDeps {
  documents: DocumentStore;
  queries: PostgresSupportQueries;
  validation: ValidationRunner;
  outbound: OutboundQueue;
}

/** Findings kept on a re-validation's timeline entry, at most (the whole report is one click away: run it again). */
const KEPT_FINDINGS = 200;
const MAX_NOTE = 2000;

/** Days the public page and the dashboard show. */
export const DASHBOARD_DAYS = 30;

function scopeOf(by: Principal): DocumentScope {
  return { outbound: by.tenantsFor('send'), inbound: by.tenantsFor('inbox') };
}

export class SupportService {
  constructor(private readonly deps: SupportServiceDeps) {}

  /** Rejected and failed documents, newest first, with the fatal rules they broke counted per rule. */
  async failures(by: Principal, filter: FailureFilter): Promise<{ page: DocumentPage; rules: Array<{ ruleId: string; count: number }> }> {
    const scope = scopeOf(by);
    if (filter.status && !(FAILURE_STATUSES as readonly string[]).includes(filter.status)) throw new ApError('api.bad-request', `status must be one of ${FAILURE_STATUSES.join(', ')}`);
    const { before: _b, limit: _l, ...counted } = filter;
    const [page, rules] = await Promise.all([this.deps.queries.failurePage(scope, filter), this.deps.queries.ruleCounts(scope, counted)]);
    return { page, rules };
  }

  search(by: Principal, keys: SupportKeys): Promise<DocumentRecord[]> {
    if (keys.enterpriseNumber !== undefined && !/^\d{10}$/.test(keys.enterpriseNumber)) throw new ApError('api.bad-request', 'An enterprise number is ten digits, e.g. 0123456749');
    return this.deps.queries.search(scopeOf(by), keys);
  }

  /** The document when the caller may see it (`send` outbound, `inbox` inbound), else 404. */
  private async visible(by: Principal, id: string): Promise<DocumentRecord> {
    const doc = await this.deps.documents.get(id);
    if (!doc || !by.can(doc.direction === 'outbound' ? 'send' : 'inbox', doc.tenantId)) throw new ApError('api.not-found', `Document ${id} not found`);
    return doc;
  }

  /** Validates the stored payload again with the rules in force today; the result goes on the timeline. */
  async revalidate(by: Principal, id: string): Promise<ValidationReport> {
    const doc = await this.visible(by, id);
    const payload = await this.deps.documents.payload(id);
    if (!payload) throw new ApError('api.conflict', `Document ${id} has no stored payload to validate (it was past the day's quota of rejected payloads)`);
    const { report } = await this.deps.validation.validate(payload);
    const fatal = report.issues.filter((i) => i.flag === 'fatal').length;
    await this.deps.queries.appendEvent(id, {
      type: 'revalidated',
      actor: by.actorFor(doc.tenantId),
      reason: `validated again: ${report.valid ? 'valid' : `${fatal} fatal findings`}${report.ruleSet ? ` under ${report.ruleSet.documentType} ${report.ruleSet.release}` : ''}`,
      details: { valid: report.valid, ruleSet: report.ruleSet, issues: report.issues.slice(0, KEPT_FINDINGS) },
    });
    return report;
  }

  /**
   * Sends a failed or undeliverable outbound document again, once its cause is fixed (a participant's
   * registration, an endpoint): the checked move to `queued` and its job queued again, in one statement,
   * then the runner is woken for the new attempt.
   */
  async resend(by: Principal, id: string): Promise<void> {
    const doc = await this.visible(by, id);
    if (doc.direction !== 'outbound' || (doc.status !== 'failed' && doc.status !== 'undeliverable')) {
      throw new ApError('state.invalid-transition', `Only a failed or undeliverable outbound document is sent again; this one is ${doc.direction} and ${doc.status}`);
    }
    const move = checkTransition(id, 'outbound', doc.status, 'queued');
    const moved = await this.deps.outbound.deliveries.requeue(id, move, { actor: by.actorFor(doc.tenantId), reason: 'sent again by an operator' }, this.deps.outbound.maxAttempts);
    if (!moved) throw new ApError('api.conflict', `Document ${id} changed meanwhile, its delivery is still running, or another copy of this invoice was sent since; reload it`);
    this.deps.outbound.wake();
  }

  /** Marks a failure handled, with what was done: it leaves the queue until its status changes again. */
  async markHandled(by: Principal, id: string, note: string): Promise<void> {
    const doc = await this.visible(by, id);
    const text = note.trim();
    if (!text || text.length > MAX_NOTE) throw new ApError('api.bad-request', `A note of 1 to ${MAX_NOTE} characters says what was done`);
    await this.deps.queries.appendEvent(id, { type: 'handled', actor: by.actorFor(doc.tenantId), reason: text, details: { status: doc.status } });
  }

  /** The caller's dashboard over the last `days`. */
  dashboard(by: Principal, days = DASHBOARD_DAYS): Promise<DashboardFigures> {
    return this.deps.queries.dashboard(scopeOf(by), days, true);
  }

  /** Figures for everyone: counts, delivery times and rule ids only, no tenant, party or invoice. */
  publicFigures(days = DASHBOARD_DAYS): Promise<DashboardFigures> {
    return this.deps.queries.dashboard({ outbound: 'all', inbound: 'all' }, days, false);
  }
}
