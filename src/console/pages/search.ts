/** The search by support keys: a GET form, every field given must match. */
import type { DocumentRecord } from '../../services/documents.js';
import { html, type Html } from '../html.js';
import type { Translate } from '../i18n.js';
import type { MessageKey } from '../messages/en.js';
import { CONSOLE_PATH } from '../session.js';
import { documentsTable } from './common.js';

export const SEARCH_FIELDS: Array<[string, MessageKey, string]> = [
  ['invoiceNumber', 'search.invoiceNumber', 'text'],
  ['enterpriseNumber', 'search.enterpriseNumber', 'text'],
  ['messageId', 'search.messageId', 'text'],
  ['conversationId', 'search.conversationId', 'text'],
  ['instanceId', 'search.instanceId', 'text'],
  ['seatId', 'search.seatId', 'text'],
  ['from', 'search.from', 'datetime-local'],
  ['to', 'search.to', 'datetime-local'],
];

export function searchBody(t: Translate, q: Record<string, string>, results: DocumentRecord[] | null, problem: MessageKey | null): Html {
  return html`<p>${t('search.intro')}</p>
${problem ? html`<p class="problem" role="alert">${t(problem)}</p>` : ''}
<form class="filters" method="get" action="${CONSOLE_PATH}/search" role="search">
${SEARCH_FIELDS.map(([name, label, type]) => html`<p><label for="s-${name}">${t(label)}</label><input id="s-${name}" name="${name}" type="${type}" value="${q[name] ?? ''}"></p>`)}
<p><button class="primary" type="submit">${t('search.submit')}</button></p>
</form>
${results === null ? '' : results.length === 0 ? html`<p role="status">${t('search.none')}</p>` : html`<p role="status">${t('search.results', { count: results.length })}</p>${documentsTable(t, results, t('search.title'))}`}`;
}
