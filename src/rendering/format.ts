/**
 * Numbers and dates in the reader's language. Amounts and quantities are formatted from their decimal
 * text, digit by digit: never through a float, so what is shown is exactly what the document says
 * (EN 16931 amounts carry at most two decimals, quantities and prices more). Text that is not a decimal
 * number or an ISO date is shown as written.
 */
import type { Amount } from './model.js';

export type RenderLanguage = 'nl' | 'fr' | 'en';

export const RENDER_LANGUAGES: readonly RenderLanguage[] = ['nl', 'fr', 'en'];

/** CLDR separators of nl-BE, fr-BE and en-GB (fr groups with U+202F, the narrow no-break space, and keeps % apart with U+00A0). */
const SEPARATORS: Record<RenderLanguage, { group: string; decimal: string; percent: string }> = {
  nl: { group: '.', decimal: ',', percent: '%' },
  fr: { group: '\u202f', decimal: ',', percent: '\u00a0%' },
  en: { group: ',', decimal: '.', percent: '%' },
};

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

export function formatDecimal(value: string | undefined, lang: RenderLanguage): string {
  if (value === undefined) return '';
  const m = DECIMAL.exec(value.trim());
  if (!m || (m[2] === '' && !m[3])) return value;
  const { group, decimal } = SEPARATORS[lang];
  const integer = m[2] === '' ? '0' : m[2]!;
  let grouped = '';
  for (let i = 0; i < integer.length; i++) {
    if (i > 0 && (integer.length - i) % 3 === 0) grouped += group;
    grouped += integer[i];
  }
  const sign = m[1] === '-' ? '-' : '';
  return m[3] ? `${sign}${grouped}${decimal}${m[3]}` : `${sign}${grouped}`;
}

export function formatPercent(value: string | undefined, lang: RenderLanguage): string {
  return value === undefined ? '' : `${formatDecimal(value, lang)}${SEPARATORS[lang].percent}`;
}

/** An amount with its currency code after it ("1.234,50 EUR"); currency omitted when absent. */
export function formatAmount(a: Amount | undefined, lang: RenderLanguage): string {
  if (!a) return '';
  const n = formatDecimal(a.value, lang);
  return a.currency ? `${n}\u00a0${a.currency}` : n;
}

const DATE_FORMATS: Record<RenderLanguage, Intl.DateTimeFormat> = {
  nl: new Intl.DateTimeFormat('nl-BE', { dateStyle: 'long', timeZone: 'UTC' }),
  fr: new Intl.DateTimeFormat('fr-BE', { dateStyle: 'long', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }),
};

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function formatDate(value: string | undefined, lang: RenderLanguage): string {
  if (value === undefined) return '';
  const m = ISO_DATE.exec(value);
  if (!m) return value;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  // Date.UTC rolls 2024-02-31 over into March: such a date is shown as written.
  if (date.getUTCDate() !== Number(m[3]) || date.getUTCMonth() !== Number(m[2]) - 1) return value;
  return DATE_FORMATS[lang].format(date);
}

/** An IBAN in groups of four, as printed on paper (ISO 13616); anything else as written. */
export function formatIban(value: string): string {
  const compact = value.replace(/\s+/g, '');
  return /^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(compact) ? compact.replace(/(.{4})(?=.)/g, '$1 ') : value;
}

/**
 * The Belgian structured communication (OGM/VCS): twelve digits whose last two are the first ten mod 97
 * (97 when that is 0), printed +++123/4567/89012+++. Null when the payment id is not one.
 */
export function structuredCommunication(paymentId: string): string | null {
  const digits = paymentId.replace(/[+/\s*]/g, '');
  if (!/^\d{12}$/.test(digits)) return null;
  const check = Number(BigInt(digits.slice(0, 10)) % 97n) || 97;
  if (check !== Number(digits.slice(10))) return null;
  return `+++${digits.slice(0, 3)}/${digits.slice(3, 7)}/${digits.slice(7)}+++`;
}
