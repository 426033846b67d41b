/**
 * The console's three languages. The language of a request is `?lang=` when given (then remembered in a
 * cookie), else the cookie, else the browser's Accept-Language, else English.
 */
import { en, type MessageKey } from './messages/en.js';
import { fr } from './messages/fr.js';
import { nl } from './messages/nl.js';

export const CONSOLE_LANGUAGES = ['nl', 'fr', 'en'] as const;
export type ConsoleLanguage = (typeof CONSOLE_LANGUAGES)[number];
export type { MessageKey };

export const CATALOGUES: Readonly<Record<ConsoleLanguage, Readonly<Record<MessageKey, string>>>> = { en, nl, fr };

/** The language's own name, as the language control shows it. */
export const LANGUAGE_NAMES: Readonly<Record<ConsoleLanguage, string>> = { nl: 'Nederlands', fr: 'Français', en: 'English' };

export function isLanguage(s: unknown): s is ConsoleLanguage {
  return typeof s === 'string' && (CONSOLE_LANGUAGES as readonly string[]).includes(s);
}

/** The first of the Accept-Language header's languages that the console speaks. */
export function fromAcceptLanguage(header: string | undefined): ConsoleLanguage | null {
  if (!header) return null;
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { lang: (tag ?? '').toLowerCase().split('-')[0], q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return (ranked.find((x) => isLanguage(x.lang))?.lang as ConsoleLanguage | undefined) ?? null;
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(lang: ConsoleLanguage): Translate {
  const catalogue = CATALOGUES[lang];
  return (key, params) => catalogue[key].replace(/\{(\w+)\}/g, (m, name: string) => (params && name in params ? String(params[name]) : m));
}
