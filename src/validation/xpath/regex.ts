/**
 * XPath 2.0 (XML Schema flavoured) regular expressions translated to JavaScript RegExp, compiled once
 * per distinct pattern. The differences that matter: \s is only space/tab/CR/LF, \d and \w are Unicode
 * classes, no back-references or lookaround exist in XPath, flags are s/m/i/x, and a pattern that
 * matches the empty string is an error for tokenize/replace.
 */
import { XPathError } from './values.js';

const cache = new Map<string, RegExp>();

const CLASS_ESC: Record<string, string> = {
  s: ' \\t\\n\\r',
  d: '\\p{Nd}',
  w: '\\p{L}\\p{M}\\p{N}\\p{S}',
  i: 'A-Za-z_:\\u00C0-\\u02FF\\u0370-\\uFFFD',
  c: 'A-Za-z0-9_:.\\-\\u00B7\\u00C0-\\u02FF\\u0370-\\uFFFD',
};

function translate(pattern: string, flags: string): string {
  let out = '';
  let inClass = false;
  const x = flags.includes('x');
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (x && !inClass && (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r')) continue;
    if (ch === '\\') {
      const n = pattern[++i];
      if (n === undefined) throw new XPathError('FORX0002', `Invalid regular expression '${pattern}'`);
      const lower = n.toLowerCase();
      if (CLASS_ESC[lower] !== undefined) {
        const body = CLASS_ESC[lower];
        if (n === lower) out += inClass ? body : `[${body}]`;
        else {
          if (inClass) throw new XPathError('FORX0002', `Negated class escape \\${n} inside a character class is not supported: '${pattern}'`);
          out += `[^${body}]`;
        }
        continue;
      }
      if (n === 'p' || n === 'P') {
        const m = /^\{([A-Za-z0-9-]+)\}/.exec(pattern.slice(i + 1));
        if (!m || m[1].startsWith('Is')) throw new XPathError('FORX0002', `Unsupported property escape in '${pattern}'`);
        out += `\\${n}{${m[1]}}`;
        i += m[0].length;
        continue;
      }
      if (/[0-9]/.test(n)) throw new XPathError('FORX0002', `Back-references are not allowed in XPath 2.0 regular expressions: '${pattern}'`);
      if ('nrt\\|.?*+(){}[]^$-'.includes(n)) {
        out += n === '-' && !inClass ? '-' : '\\' + n;
        continue;
      }
      throw new XPathError('FORX0002', `Invalid escape \\${n} in '${pattern}'`);
    }
    if (inClass) {
      if (ch === '[') throw new XPathError('FORX0002', `Character class subtraction is not supported: '${pattern}'`);
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += '\\' + pattern[++i];
      continue;
    }
    if (ch === '(' && pattern[i + 1] === '?') throw new XPathError('FORX0002', `'(?' is not allowed in XPath regular expressions: '${pattern}'`);
    if (ch === '.') {
      out += flags.includes('s') ? '[^]' : '[^\\n\\r]';
      continue;
    }
    out += ch;
  }
  return out;
}

/** Compiles an XPath regex; `global` for tokenize/replace. */
export function xpathRegex(pattern: string, flags = '', global = false): RegExp {
  const key = `${global ? 'g' : '-'}${flags}\u0000${pattern}`;
  let re = cache.get(key);
  if (re) return re;
  if (/[^smix]/.test(flags)) throw new XPathError('FORX0001', `Invalid regular expression flags '${flags}'`);
  let js = 'u';
  if (flags.includes('m')) js += 'm';
  if (flags.includes('i')) js += 'i';
  if (global) js += 'g';
  try {
    re = new RegExp(translate(pattern, flags), js);
  } catch (e) {
    if (e instanceof XPathError) throw e;
    throw new XPathError('FORX0002', `Invalid regular expression '${pattern}': ${(e as Error).message}`);
  }
  cache.set(key, re);
  return re;
}

/** Translates an XPath replacement string ($n groups, \$ and \\ escapes) to JavaScript's. */
export function xpathReplacement(rep: string): string {
  let out = '';
  for (let i = 0; i < rep.length; i++) {
    const ch = rep[i];
    if (ch === '\\') {
      const n = rep[++i];
      if (n !== '\\' && n !== '$') throw new XPathError('FORX0004', `Invalid replacement string '${rep}'`);
      out += n === '$' ? '$$' : '\\';
    } else if (ch === '$') {
      if (!/[0-9]/.test(rep[i + 1] ?? '')) throw new XPathError('FORX0004', `Invalid replacement string '${rep}'`);
      out += '$';
    } else out += ch;
  }
  return out;
}
