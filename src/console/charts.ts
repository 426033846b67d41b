/**
 * Server-rendered SVG charts, read at a glance: stacked bars per day and status, horizontal bars per
 * rule. Each chart is an image with a text alternative, and its page gives the same figures as a table.
 * Colours have at least 3:1 contrast against white (WCAG 1.4.11) and each is named in the legend.
 */
import { escapeHtml, trusted, type Html } from './html.js';

const STATUS_COLOURS: Record<string, string> = {
  delivered: '#1e6b34',
  available: '#2f6f9f',
  acknowledged: '#155e75',
  received: '#4a5360',
  queued: '#6b4fa0',
  sending: '#5b3c8c',
  retrying: '#8a3ea0',
  rejected: '#a4161a',
  failed: '#b04a00',
  undeliverable: '#7a3e00',
  'response-undeliverable': '#8c5a00',
};
const colourOf = (status: string) => STATUS_COLOURS[status] ?? '#3d4650';

/** Stacked bars: one per day, split by status; `label` names each status in the page's language. */
export function dayChart(perDay: Array<{ day: string; status: string; count: number }>, days: string[], label: (status: string) => string, title: string): Html {
  const statuses = [...new Set(perDay.map((r) => r.status))].sort();
  const byDay = new Map<string, Map<string, number>>();
  for (const r of perDay) byDay.set(r.day, (byDay.get(r.day) ?? new Map()).set(r.status, r.count));
  const max = Math.max(1, ...days.map((d) => [...(byDay.get(d)?.values() ?? [])].reduce((a, b) => a + b, 0)));
  const w = 720, h = 220, left = 40, bottom = 30, top = 10;
  const bar = (w - left - 10) / Math.max(1, days.length);
  const y = (v: number) => top + (h - top - bottom) * (1 - v / max);
  let bars = '';
  days.forEach((d, i) => {
    let acc = 0;
    for (const s of statuses) {
      const v = byDay.get(d)?.get(s) ?? 0;
      if (!v) continue;
      bars += `<rect x="${(left + i * bar + 1).toFixed(1)}" y="${y(acc + v).toFixed(1)}" width="${Math.max(1, bar - 2).toFixed(1)}" height="${(y(acc) - y(acc + v)).toFixed(1)}" fill="${colourOf(s)}"><title>${escapeHtml(`${d} ${label(s)}: ${v}`)}</title></rect>`;
      acc += v;
    }
    if (i % Math.ceil(days.length / 8) === 0) bars += `<text x="${(left + i * bar).toFixed(1)}" y="${h - 10}">${escapeHtml(d.slice(5))}</text>`;
  });
  const axis = `<line x1="${left}" y1="${y(0)}" x2="${w - 10}" y2="${y(0)}" stroke="#3d4650"/><text x="2" y="${y(max) + 4}">${max}</text><text x="2" y="${y(0)}">0</text>`;
  const legend = statuses.map((s, i) => `<rect x="${left + i * 120}" y="${h + 4}" width="12" height="12" fill="${colourOf(s)}"/><text x="${left + i * 120 + 16}" y="${h + 14}">${escapeHtml(label(s))}</text>`).join('');
  return trusted(`<svg role="img" aria-labelledby="chart-days-title" viewBox="0 0 ${w} ${h + 24}" width="100%" style="max-width:${w}px"><title id="chart-days-title">${escapeHtml(title)}</title>${axis}${bars}${legend}</svg>`);
}

/** Horizontal bars: documents per rule, the longest first. */
export function ruleChart(rules: Array<{ ruleId: string; count: number }>, title: string): Html {
  const w = 720, row = 22, left = 220;
  const h = Math.max(1, rules.length) * row + 4;
  const max = Math.max(1, ...rules.map((r) => r.count));
  const bars = rules
    .map((r, i) => {
      const len = ((w - left - 50) * r.count) / max;
      return `<text x="0" y="${i * row + 15}">${escapeHtml(r.ruleId)}</text><rect x="${left}" y="${i * row + 3}" width="${Math.max(1, len).toFixed(1)}" height="${row - 6}" fill="#a4161a"/><text x="${(left + len + 6).toFixed(1)}" y="${i * row + 15}">${r.count}</text>`;
    })
    .join('');
  return trusted(`<svg role="img" aria-labelledby="chart-rules-title" viewBox="0 0 ${w} ${h}" width="100%" style="max-width:${w}px"><title id="chart-rules-title">${escapeHtml(title)}</title>${bars}</svg>`);
}
