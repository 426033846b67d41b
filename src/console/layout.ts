/**
 * The frame of every console page: landmarks (banner, navigation, main, contentinfo), a skip link, the
 * language control (plain links, so it works without JavaScript), the signed-in user and sign-out.
 */
import { html, type Html } from './html.js';
import { CONSOLE_LANGUAGES, LANGUAGE_NAMES, type Translate } from './i18n.js';
import type { MessageKey } from './messages/en.js';
import { CONSOLE_PATH, type ConsoleContext } from './session.js';

export type Section = 'failures' | 'search' | 'dashboard' | 'public' | 'sign-in' | 'document' | 'error';

const NAV: Array<{ section: Section; path: string; key: MessageKey; signedIn: boolean }> = [
  { section: 'failures', path: '/failures', key: 'nav.failures', signedIn: true },
  { section: 'search', path: '/search', key: 'nav.search', signedIn: true },
  { section: 'dashboard', path: '/dashboard', key: 'nav.dashboard', signedIn: true },
  { section: 'public', path: '/public', key: 'nav.public', signedIn: false },
];

/** `here` with `lang` set to `lang`. */
function withLang(here: string, lang: string): string {
  const url = new URL(here, 'http://x');
  url.searchParams.set('lang', lang);
  return `${url.pathname}${url.search}`;
}

export function page(ctx: ConsoleContext, t: Translate, p: { title: string; section: Section; body: Html }): Html {
  const signedIn = ctx.session !== null;
  const links = NAV.filter((n) => signedIn || !n.signedIn);
  const user = ctx.session
    ? html`<div class="user"><span>${t('user.signedIn', { name: ctx.session.user.name, role: t(ctx.session.user.role === 'operator' ? 'role.operator' : 'role.tenant-admin') })}</span>
<form method="post" action="${CONSOLE_PATH}/sign-out"><input type="hidden" name="csrf" value="${ctx.session.csrfToken}"><button type="submit">${t('nav.signOut')}</button></form></div>`
    : p.section === 'sign-in'
      ? null
      : html`<div class="user"><a href="${CONSOLE_PATH}/sign-in">${t('nav.signIn')}</a></div>`;
  return html`<!DOCTYPE html>
<html lang="${ctx.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} · ${t('app.title')}</title>
<link rel="stylesheet" href="${CONSOLE_PATH}/assets/console.css">
</head>
<body>
<a class="skip" href="#content">${t('app.skip')}</a>
<header class="band">
<a class="brand" href="${CONSOLE_PATH}/">${t('app.title')}</a>
<nav aria-label="${t('nav.label')}"><ul>${links.map(
    (n) => html`<li><a href="${CONSOLE_PATH}${n.path}"${p.section === n.section ? html` aria-current="page"` : ''}>${t(n.key)}</a></li>`,
  )}</ul></nav>
<nav aria-label="${t('lang.label')}"><ul class="langs">${CONSOLE_LANGUAGES.map(
    (l) => html`<li><a href="${withLang(ctx.here, l)}" lang="${l}" hreflang="${l}"${l === ctx.lang ? html` aria-current="true"` : ''}>${LANGUAGE_NAMES[l]}</a></li>`,
  )}</ul></nav>
${user}
</header>
<main id="content" tabindex="-1">
<h1>${p.title}</h1>
${p.body}
</main>
<footer>${t('app.title')}</footer>
</body>
</html>`;
}
