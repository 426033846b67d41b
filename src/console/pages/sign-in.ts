/** The sign-in page: name and password, with the pre-session CSRF token. */
import { html, type Html } from '../html.js';
import type { Translate } from '../i18n.js';
import type { MessageKey } from '../messages/en.js';
import { CONSOLE_PATH } from '../session.js';

export function signInBody(t: Translate, p: { csrf: string; notice: MessageKey | null; problem: MessageKey | null; name: string; next: string }): Html {
  return html`${p.notice ? html`<p class="notice" role="status">${t(p.notice)}</p>` : ''}${p.problem ? html`<p class="problem" role="alert">${t(p.problem)}</p>` : ''}
<p>${t('signIn.intro')}</p>
<form method="post" action="${CONSOLE_PATH}/sign-in" style="max-width:24rem">
<input type="hidden" name="csrf" value="${p.csrf}">
<input type="hidden" name="next" value="${p.next}">
<p><label for="name">${t('signIn.name')}</label><input id="name" name="name" autocomplete="username" required value="${p.name}"></p>
<p><label for="password">${t('signIn.password')}</label><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button class="primary" type="submit">${t('signIn.submit')}</button></p>
</form>`;
}
