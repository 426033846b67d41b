/**
 * The kinds of value a variable can hold. Each parser gets the trimmed, non-blank text and the variable's
 * name, and says what is wrong in one line that starts with that name (`PORT="eighty": expected ...`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { readPemFile, type CertificateFile, type CertificatesFile, type KeyFile } from './pem.js';
import { PROJECT_ROOT } from './project-root.js';
import { bad, ok, type Parser } from './spec.js';

const expected = (name: string, text: string, what: string) => bad(`${name}=${JSON.stringify(text)}: expected ${what}`);

export const text: Parser<string> = (t) => ok(t);

/** A variable that is no longer read: set, it stops the start with what replaced it, not silently ignored. */
export const retired =
  (instead: string): Parser<never> =>
  (_t, name) =>
    bad(`${name} is no longer used: ${instead}`);

/** Text that must match `pattern`; `what` completes "expected ...". */
export const matching =
  (pattern: RegExp, what: string): Parser<string> =>
  (t, name) =>
    pattern.test(t) ? ok(t) : expected(name, t, what);

const number =
  (min: number, max: number, decimals: boolean): Parser<number> =>
  (t, name) =>
    (decimals ? /^\d+(\.\d+)?$/ : /^\d+$/).test(t) && Number(t) >= min && Number(t) <= max
      ? ok(Number(t))
      : expected(name, t, `a ${decimals ? 'number' : 'whole number'} from ${min} to ${max}`);

export const int = (min: number, max: number): Parser<number> => number(min, max, false);

/** A non-negative number, decimals allowed (e.g. a backoff multiplier). */
export const decimal = (min: number, max: number): Parser<number> => number(min, max, true);

/** A number in one unit read as another, e.g. days kept as milliseconds. */
export const times =
  (parse: Parser<number>, factor: number): Parser<number> =>
  (t, name) => {
    const r = parse(t, name);
    return r.ok ? ok(r.value * factor) : r;
  };

export const bool: Parser<boolean> = (t, name) => (t === 'true' || t === 'false' ? ok(t === 'true') : expected(name, t, 'true or false'));

export const oneOf =
  <T extends string>(allowed: readonly T[]): Parser<T> =>
  (t, name) =>
    (allowed as readonly string[]).includes(t) ? ok(t as T) : expected(name, t, `one of ${allowed.join(', ')}`);

/** An http(s) URL, kept without trailing slashes. */
export const httpUrl: Parser<string> = (t, name) => (/^https?:\/\/[^\s]+$/.test(t) ? ok(t.replace(/\/+$/, '')) : expected(name, t, 'an http(s) URL'));

export const hostName = matching(/^[A-Za-z0-9.:-]+$/, 'a host name or IP address');

/** A comma-separated list (blank items dropped), each item matching `item`: one line per bad item. */
export const list =
  (item: RegExp, what: string): Parser<string[]> =>
  (t, name) => {
    const items = t.split(',').map((s) => s.trim()).filter(Boolean);
    const wrong = items.filter((s) => !item.test(s));
    return wrong.length === 0 ? ok(items) : bad(...wrong.map((s) => `${name}: '${s}' is not ${what}`));
  };

/** A folder, relative ones resolved against the project root. */
export const folder: Parser<string> = (t) => ok(isAbsolute(t) ? t : resolve(PROJECT_ROOT, t));

export const existingFolder: Parser<string> = (t, name) => {
  const dir = isAbsolute(t) ? t : resolve(PROJECT_ROOT, t);
  return existsSync(dir) && statSync(dir).isDirectory() ? ok(dir) : bad(`${name}=${t}: ${dir} is not a folder`);
};

/** A PostgreSQL URL; the text is never repeated in a problem, as it may hold a password. */
export const postgresUrl: Parser<string> = (t, name) => {
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    return bad(`${name}: not a URL (expected postgres://user:password@host:5432/database)`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return bad(`${name}: scheme ${url.protocol} is not postgres: or postgresql:`);
  if (!url.hostname || url.pathname.length <= 1) return bad(`${name}: needs a host and a database name (postgres://user:password@host:5432/database)`);
  return ok(t);
};

/** ISO 3166-1 alpha-2, upper-cased. */
export const countryCode: Parser<string> = (t, name) => {
  const code = t.toUpperCase();
  return /^[A-Z]{2}$/.test(code) ? ok(code) : expected(name, code, 'an ISO 3166-1 alpha-2 code such as BE');
};

export const privateKeyFile: Parser<KeyFile> = (t, name) => readPemFile(name, t, 'private key');
export const certificateFile: Parser<CertificateFile> = (t, name) => readPemFile(name, t, 'certificate');
export const certificateBundleFile: Parser<CertificatesFile> = (t, name) => readPemFile(name, t, 'certificate bundle');

/** A file holding one secret token (a bearer token): printable ASCII without spaces, 16 to 4096 characters. */
export const tokenFile: Parser<{ file: string; token: string }> = (t, name) => {
  const file = isAbsolute(t) ? t : resolve(PROJECT_ROOT, t);
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    return bad(`${name}=${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return /^[\x21-\x7e]{16,4096}$/.test(token) ? ok({ file, token }) : bad(`${name}=${file}: expected one token of 16 to 4096 printable characters without spaces`);
};
