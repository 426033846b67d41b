/** Pieces several console pages share: times, statuses, the documents table. */
import type { DocumentRecord } from '../../services/documents.js';
import { html, type Html } from '../html.js';
import { en, type MessageKey } from '../messages/en.js';
import type { Translate } from '../i18n.js';
import { CONSOLE_PATH } from '../session.js';

/** `2026-12-03 11:55:15` (UTC, as every page says). */
export function utc(d: Date | string | null | undefined): string {
  if (!d) return '';
  const date = typeof d === 'string' ? new Date(d) : d;
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().replace('T', ' ').slice(0, 19);
}

/** `key` when the catalogue has it (every catalogue has the English keys: test/console/catalogues.test.ts). */
const known = (key: string): key is MessageKey => key in en;

/** A status in the page's language (one the catalogue does not know, as stored). */
export function statusLabel(t: Translate, status: string): string {
  const key = `status.${status}`;
  return known(key) ? t(key) : status;
}

/** A timeline entry's type in the page's language (one the catalogue does not know, as stored). */
export function eventTypeLabel(t: Translate, type: string): string {
  const key = `eventType.${type}`;
  return known(key) ? t(key) : type;
}

export function directionLabel(t: Translate, direction: string): string {
  return t(direction === 'outbound' ? 'direction.outbound' : 'direction.inbound');
}

/** The fatal rule ids of a document's stored report, each once. */
export function fatalRules(doc: DocumentRecord): string[] {
  return [...new Set((doc.validationReport?.issues ?? []).filter((i) => i.flag === 'fatal').map((i) => i.id))];
}

export function documentsTable(t: Translate, docs: DocumentRecord[], caption: string): Html {
  return html`<table>
<caption class="hint">${caption}</caption>
<thead><tr><th scope="col">${t('table.created')}</th><th scope="col">${t('table.invoice')}</th><th scope="col">${t('table.direction')}</th><th scope="col">${t('table.status')}</th><th scope="col">${t('table.sender')}</th><th scope="col">${t('table.receiver')}</th><th scope="col">${t('table.rules')}</th></tr></thead>
<tbody>${docs.map(
    (d) => html`<tr><td>${utc(d.createdAt)}</td><td><a href="${CONSOLE_PATH}/documents/${d.id}">${d.invoiceNumber ?? d.id}</a></td><td>${directionLabel(t, d.direction)}</td><td>${statusLabel(t, d.status)}</td><td class="mono">${d.senderId ?? ''}</td><td class="mono">${d.receiverId ?? ''}</td><td class="mono">${fatalRules(d).slice(0, 5).join(' ')}</td></tr>`,
  )}</tbody>
</table>`;
}

/** A select of `options` (value, label) with `selected`, and an empty "any" choice. */
export function select(name: string, id: string, options: Array<[string, string]>, selected: string | undefined, any: string): Html {
  return html`<select name="${name}" id="${id}"><option value="">${any}</option>${options.map(([v, l]) => html`<option value="${v}"${v === selected ? html` selected` : ''}>${l}</option>`)}</select>`;
}
