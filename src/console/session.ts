/**
 * The console's cookies and request context: the session cookie (HttpOnly, SameSite=Strict, Secure over
 * HTTPS or always by CONSOLE_SECURE_COOKIE, path /console), the remembered language, and the CSRF
 * checks: a signed-in form carries its session's token; the sign-in form, before any session, a token
 * that must equal its own cookie (double submit). A form posted from another origin is refused too.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { ConsoleSession } from '../services/console-users.js';
import { fromAcceptLanguage, isLanguage, type ConsoleLanguage } from './i18n.js';

export const SESSION_COOKIE = 'pap_console';
export const LANG_COOKIE = 'pap_console_lang';
export const SIGN_IN_CSRF_COOKIE = 'pap_console_csrf';
export const CONSOLE_PATH = '/console';

export function cookies(req: Request): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    try {
      out.set(name, decodeURIComponent(part.slice(i + 1).trim()));
    } catch {
      // A cookie that is not ours and not URI-encoded: ignored.
    }
  }
  return out;
}

export interface CookiePolicy {
  /** Mark cookies Secure: always, or when the request came over HTTPS. */
  secure: 'auto' | 'always';
}

export function setCookie(req: Request, res: Response, policy: CookiePolicy, name: string, value: string, maxAgeSeconds: number | null): void {
  const secure = policy.secure === 'always' || req.secure;
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${CONSOLE_PATH}`, 'HttpOnly', 'SameSite=Strict'];
  if (maxAgeSeconds !== null) parts.push(`Max-Age=${maxAgeSeconds}`);
  if (secure) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

export function clearCookie(req: Request, res: Response, policy: CookiePolicy, name: string): void {
  setCookie(req, res, policy, name, '', 0);
}

/** The language of this request; a `?lang=` given is remembered for a year. */
export function languageOf(req: Request, res: Response, policy: CookiePolicy): ConsoleLanguage {
  const asked = req.query['lang'];
  if (isLanguage(asked)) {
    setCookie(req, res, policy, LANG_COOKIE, asked, 365 * 86_400);
    return asked;
  }
  const remembered = cookies(req).get(LANG_COOKIE);
  if (isLanguage(remembered)) return remembered;
  return fromAcceptLanguage(req.headers['accept-language']) ?? 'en';
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** A browser names the page's origin on every POST; one from elsewhere is refused whatever its token. */
export function sameOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return origin === undefined;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** What every console page knows about its request. */
export interface ConsoleContext {
  lang: ConsoleLanguage;
  session: ConsoleSession | null;
  /** The path and query of this page without `lang`, for the language links. */
  here: string;
}
