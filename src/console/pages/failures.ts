/** The failures queue: filters (a GET form), the counts per rule and the documents, newest first. */
import type { DocumentPage } from '../../services/documents.js';
import { FAILURE_STATUSES } from '../../services/support.js';
import { html, type Html } from '../html.js';
import type { Translate } from '../i18n.js';
import { CONSOLE_PATH } from '../session.js';
import { directionLabel, documentsTable, select, statusLabel } from './common.js';

export interface FailureQuery {
  tenant?: string;
  direction?: string;
  sender?: string;
  receiver?: string;
  rule?: string;
  status?: string;
  from?: string;
  to?: string;
  handled?: string;
}

const link = (q: FailureQuery, extra: Record<string, string>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...extra })) if (v) params.set(k, v);
  return `${CONSOLE_PATH}/failures?${params}`;
};

export function failuresBody(t: Translate, q: FailureQuery, result: { page: DocumentPage; rules: Array<{ ruleId: string; count: number }> }, operator: boolean): Html {
  const field = (name: keyof FailureQuery, label: Parameters<Translate>[0], type = 'text') =>
    html`<p><label for="f-${name}">${t(label)}</label><input id="f-${name}" name="${name}" type="${type}" value="${q[name] ?? ''}"></p>`;
  const next = result.page.next;
  return html`<p>${t('failures.intro')}</p>
<form class="filters" method="get" action="${CONSOLE_PATH}/failures" aria-label="${t('filter.title')}">
${operator ? field('tenant', 'filter.tenant') : ''}
<p><label for="f-direction">${t('filter.direction')}</label>${select('direction', 'f-direction', [['outbound', directionLabel(t, 'outbound')], ['inbound', directionLabel(t, 'inbound')]], q.direction, t('filter.any'))}</p>
${field('sender', 'filter.sender')}${field('receiver', 'filter.receiver')}${field('rule', 'filter.rule')}
<p><label for="f-status">${t('filter.status')}</label>${select('status', 'f-status', FAILURE_STATUSES.map((s) => [s, statusLabel(t, s)]), q.status, t('filter.any'))}</p>
${field('from', 'filter.from', 'date')}${field('to', 'filter.to', 'date')}
<p><input id="f-handled" name="handled" type="checkbox" value="1"${q.handled ? html` checked` : ''}> <label for="f-handled" style="display:inline">${t('filter.handled')}</label></p>
<p><button class="primary" type="submit">${t('filter.apply')}</button></p>
</form>
<h2 id="rules">${t('failures.rules')}</h2>
${result.rules.length
    ? html`<table aria-labelledby="rules"><thead><tr><th scope="col">${t('table.rule')}</th><th scope="col" class="num">${t('table.count')}</th></tr></thead><tbody>${result.rules.map(
        (r) => html`<tr><td><a class="mono" href="${link(q, { rule: r.ruleId })}">${r.ruleId}</a></td><td class="num">${r.count}</td></tr>`,
      )}</tbody></table>`
    : html`<p>${t('failures.none')}</p>`}
<h2 id="documents">${t('nav.failures')}</h2>
${result.page.documents.length ? documentsTable(t, result.page.documents, t('failures.title')) : html`<p>${t('failures.none')}</p>`}
${next ? html`<p><a href="${link(q, { before: `${next.createdAt}|${next.id}` })}">${t('failures.older')}</a></p>` : ''}`;
}
