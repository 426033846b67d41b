/** The dashboard (signed in, the caller's tenants) and the public page (every tenant, aggregates only). */
import type { DashboardFigures } from '../../services/support.js';
import { dayChart, ruleChart } from '../charts.js';
import { html, type Html } from '../html.js';
import type { Translate } from '../i18n.js';
import { directionLabel, statusLabel } from './common.js';

function lastDays(n: number): string[] {
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  return Array.from({ length: n }, (_, i) => new Date(today - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

const seconds = (t: Translate, v: number | null) => (v === null ? '—' : t('dashboard.seconds', { value: v < 10 ? v.toFixed(2) : v.toFixed(0) }));

export function dashboardBody(t: Translate, f: DashboardFigures, publicPage: boolean): Html {
  const days = lastDays(f.days);
  const statuses = [...new Set(f.perDay.map((r) => r.status))].sort();
  const perDay = new Map<string, Map<string, number>>();
  for (const r of f.perDay) perDay.set(r.day, (perDay.get(r.day) ?? new Map()).set(r.status, r.count));
  const total = f.perDay.reduce((a, r) => a + r.count, 0);
  const shownDays = days.filter((d) => perDay.has(d));
  return html`<p>${t(publicPage ? 'public.intro' : 'dashboard.intro', { days: f.days })}</p>
<div class="figures">
<div class="figure">${t('dashboard.total')}<strong>${total}</strong></div>
<div class="figure">${t('dashboard.deliveredCount', { count: f.deliverySeconds.count })}</div>
<div class="figure">${t('dashboard.p50')}<strong>${seconds(t, f.deliverySeconds.p50)}</strong></div>
<div class="figure">${t('dashboard.p90')}<strong>${seconds(t, f.deliverySeconds.p90)}</strong></div>
<div class="figure">${t('dashboard.p99')}<strong>${seconds(t, f.deliverySeconds.p99)}</strong></div>
</div>
<h2 id="per-day">${t('dashboard.perDay')}</h2>
${total === 0
    ? html`<p>${t('dashboard.noData')}</p>`
    : html`<figure>${dayChart(f.perDay, days, (s) => statusLabel(t, s), t('dashboard.chartPerDay'))}<figcaption>${t('dashboard.chartPerDay')}</figcaption></figure>
<table aria-labelledby="per-day"><thead><tr><th scope="col">${t('dashboard.day')}</th>${statuses.map((s) => html`<th scope="col" class="num">${statusLabel(t, s)}</th>`)}</tr></thead>
<tbody>${shownDays.map((d) => html`<tr><th scope="row">${d}</th>${statuses.map((s) => html`<td class="num">${perDay.get(d)?.get(s) ?? 0}</td>`)}</tr>`)}</tbody></table>`}
<h2 id="per-direction">${t('dashboard.perDirection')}</h2>
<table aria-labelledby="per-direction"><thead><tr><th scope="col">${t('table.direction')}</th>${publicPage ? '' : html`<th scope="col">${t('table.tenant')}</th>`}<th scope="col" class="num">${t('table.count')}</th></tr></thead>
<tbody>${f.perDirectionTenant.map(
    (r) => html`<tr><td>${directionLabel(t, r.direction)}</td>${publicPage ? '' : html`<td>${r.tenantName ?? t('dashboard.noTenant')}</td>`}<td class="num">${r.count}</td></tr>`,
  )}</tbody></table>
<h2 id="delivery">${t('dashboard.delivery')}</h2>
<p>${t('dashboard.deliveredCount', { count: f.deliverySeconds.count })}: ${t('dashboard.p50')} ${seconds(t, f.deliverySeconds.p50)}, ${t('dashboard.p90')} ${seconds(t, f.deliverySeconds.p90)}, ${t('dashboard.p99')} ${seconds(t, f.deliverySeconds.p99)}.</p>
<h2 id="rules">${t('dashboard.topRules')}</h2>
${f.topRules.length
    ? html`<figure>${ruleChart(f.topRules, t('dashboard.chartRules'))}<figcaption>${t('dashboard.chartRules')}</figcaption></figure>
<table aria-labelledby="rules"><thead><tr><th scope="col">${t('table.rule')}</th><th scope="col" class="num">${t('table.count')}</th></tr></thead><tbody>${f.topRules.map((r) => html`<tr><td class="mono">${r.ruleId}</td><td class="num">${r.count}</td></tr>`)}</tbody></table>`
    : html`<p>${t('dashboard.noData')}</p>`}`;
}
