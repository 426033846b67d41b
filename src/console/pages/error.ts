/** A failed page or action, in the page's language; the service's own message (English) as a detail. */
import type { ErrorKind } from '../../errors.js';
import { html, type Html } from '../html.js';
import type { Translate } from '../i18n.js';
import type { MessageKey } from '../messages/en.js';
import { CONSOLE_PATH } from '../session.js';

export function errorKey(kind: ErrorKind | 'csrf'): MessageKey {
  if (kind === 'csrf') return 'error.csrf';
  if (kind === 'api.not-found') return 'error.notFound';
  if (kind === 'api.conflict' || kind === 'state.invalid-transition') return 'error.conflict';
  if (kind === 'internal') return 'error.internal';
  return 'error.badRequest';
}

export function errorBody(t: Translate, key: MessageKey, detail: string | null, signedIn: boolean): Html {
  return html`<p class="problem" role="alert">${t(key)}</p>
${detail ? html`<details><summary>${t('error.detail')}</summary><p lang="en">${detail}</p></details>` : ''}
${signedIn ? html`<p><a href="${CONSOLE_PATH}/failures">${t('error.back')}</a></p>` : ''}`;
}
