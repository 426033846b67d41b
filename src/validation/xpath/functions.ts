/**
 * The XPath 2.0 function library the rules use (fn: namespace), with XPath's exact semantics:
 * whitespace is only space/tab/CR/LF, string positions count code points, sums keep xs:integer /
 * xs:decimal exact and only untyped or double operands go through doubles.
 */
import { XNode } from '../dom.js';
import type { Ast } from './parser.js';
import type { Ctx, Fn } from './context.js';
import { Dec } from './decimal.js';
import { xpathRegex, xpathReplacement } from './regex.js';
import {
  type Atomic,
  EMPTY,
  FALSE,
  type Item,
  type Seq,
  TRUE,
  Untyped,
  XPathError,
  arith,
  castAtomic,
  ebv,
  isNumeric,
  parseDouble,
  stringOf,
  toNumberLoose,
  valuePair,
} from './values.js';

/** A compiled argument as xs:string? : null for the empty sequence. */
export type SFn = (c: Ctx) => string | null;

export interface BuiltinDef {
  min: number;
  max: number;
  compile: (args: Fn[], asts: Ast[]) => Fn;
  /** For functions that always return one xs:string: the same, without a sequence around it. */
  str?: (sargs: SFn[], args: Fn[]) => (c: Ctx) => string;
}

/** A string-valued builtin: its sequence form wraps the direct one. */
const sdef = (min: number, max: number, str: (sargs: SFn[], args: Fn[]) => (c: Ctx) => string): BuiltinDef => ({
  min,
  max,
  str,
  compile: () => {
    throw new Error('string builtins are compiled through str()');
  },
});

const HAS_SURROGATE = /[\uD800-\uDFFF]/;

function cps(s: string): string[] {
  return Array.from(s);
}

function codepointLength(s: string): number {
  if (!HAS_SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const isXmlSpace = (ch: number): boolean => ch === 32 || ch === 9 || ch === 10 || ch === 13;

export function normalizeSpace(s: string): string {
  // XPath whitespace only: #x20 #x9 #xD #xA (not NBSP or other Unicode spaces).
  let start = 0;
  let end = s.length;
  while (start < end && isXmlSpace(s.charCodeAt(start))) start++;
  while (end > start && isXmlSpace(s.charCodeAt(end - 1))) end--;
  // Most values are already normal inside (single spaces only): then a slice, or the string itself.
  let normal = true;
  for (let i = start; i < end; i++) {
    const ch = s.charCodeAt(i);
    if (isXmlSpace(ch) && (ch !== 32 || isXmlSpace(s.charCodeAt(i + 1)))) {
      normal = false;
      break;
    }
  }
  if (normal) return start === 0 && end === s.length ? s : s.slice(start, end);
  const words: string[] = [];
  for (let i = start; i < end; ) {
    let j = i;
    while (j < end && !isXmlSpace(s.charCodeAt(j))) j++;
    words.push(s.slice(i, j));
    while (j < end && isXmlSpace(s.charCodeAt(j))) j++;
    i = j;
  }
  return words.join(' ');
}

/** normalize-space() of a node, cached on it: the rules normalize the same elements many times. */
function normalizedNode(n: XNode): string {
  if (typeof n.cache === 'string') return n.cache;
  const r = normalizeSpace(n.stringValue());
  if (n.cache === undefined) n.cache = r;
  return r;
}

function one(s: Seq, what: string): Item | null {
  if (s.length === 0) return null;
  if (s.length > 1) throw new XPathError('XPTY0004', `${what} expects at most one item, got ${s.length}`);
  return s[0];
}

/** An xs:string? argument ('' when empty). */
function str(f: Fn, c: Ctx, what: string): string {
  const i = one(f(c), what);
  return i === null ? '' : stringOf(i);
}

/** An xs:double argument. */
function dbl(f: Fn, c: Ctx, what: string): number {
  const i = one(f(c), what);
  if (i === null) throw new XPathError('XPTY0004', `${what}: empty sequence where a number is required`);
  if (typeof i === 'number') return i;
  if (typeof i === 'bigint') return Number(i);
  if (i instanceof Dec) return i.toNumber();
  return castAtomic(i, 'double') as number;
}

/** A numeric argument keeping its type; untyped values become doubles. */
function numeric(i: Item): number | bigint | Dec {
  if (isNumeric(i)) return i;
  if (i instanceof XNode || i instanceof Untyped) return castAtomic(i, 'double') as number;
  throw new XPathError('XPTY0004', `A number is required, got '${stringOf(i)}'`);
}

function ctxItem(c: Ctx): Item {
  if (c.item === undefined) throw new XPathError('XPDY0002', 'The context item is absent');
  return c.item;
}

const b = (v: boolean): Seq => (v ? TRUE : FALSE);

const def = (min: number, max: number, compile: (a: Fn[], asts: Ast[]) => Fn): BuiltinDef => ({ min, max, compile });

function substring(s: string, start: number, len?: number): string {
  // XPath: characters at positions p with round(start) <= p < round(start) + round(len).
  const rs = Math.round(start);
  if (Number.isNaN(rs)) return '';
  const end = len === undefined ? Infinity : rs + Math.round(len);
  if (Number.isNaN(end)) return '';
  const from = Math.max(rs, 1);
  if (end <= from) return '';
  if (!HAS_SURROGATE.test(s)) return s.slice(from - 1, end === Infinity ? undefined : end - 1);
  const arr = cps(s);
  return arr.slice(from - 1, end === Infinity ? undefined : end - 1).join('');
}

function translate(s: string, from: string, to: string): string {
  const f = cps(from);
  const t = cps(to);
  const map = new Map<string, string | null>();
  for (let i = 0; i < f.length; i++) if (!map.has(f[i])) map.set(f[i], i < t.length ? t[i] : null);
  let out = '';
  for (const ch of s) {
    const m = map.get(ch);
    if (m === undefined) out += ch;
    else if (m !== null) out += m;
  }
  return out;
}

function roundNum(i: Item, digits: number): Atomic {
  const n = numeric(i);
  if (typeof n === 'bigint') {
    if (digits >= 0) return n;
    return Dec.fromBigInt(n).round(digits).trunc() * 10n ** BigInt(-digits);
  }
  if (n instanceof Dec) {
    if (digits >= 0) return n.round(digits);
    return new Dec(n.round(0).trunc(), 0); // negative precision is not used by the rules
  }
  if (!Number.isFinite(n) || n === 0) return n;
  if (digits === 0) return Math.floor(n + 0.5);
  const f = 10 ** digits;
  return Math.floor(n * f + 0.5) / f;
}

function sum(items: Seq, zero: Seq): Seq {
  if (items.length === 0) return zero;
  let acc: number | bigint | Dec = numeric(items[0]);
  for (let i = 1; i < items.length; i++) acc = arith('+', acc, numeric(items[i])) as number | bigint | Dec;
  return [acc];
}

function tokenize(input: string, re: RegExp): Seq {
  if (input === '') return EMPTY;
  re.lastIndex = 0;
  if (re.test('')) throw new XPathError('FORX0003', 'The tokenize pattern matches the empty string');
  re.lastIndex = 0;
  const out: string[] = [];
  let last = 0;
  for (let m = re.exec(input); m; m = re.exec(input)) {
    out.push(input.slice(last, m.index));
    last = m.index + m[0].length;
  }
  out.push(input.slice(last));
  return out;
}

function atomizeSeq(s: Seq): Atomic[] {
  return s.map((i) => (i instanceof XNode ? new Untyped(i.stringValue()) : i));
}

export const BUILTINS: Record<string, BuiltinDef> = {
  not: def(1, 1, ([a]) => (c) => b(!ebv(a(c)))),
  true: def(0, 0, () => () => TRUE),
  false: def(0, 0, () => () => FALSE),
  boolean: def(1, 1, ([a]) => (c) => b(ebv(a(c)))),
  exists: def(1, 1, ([a]) => (c) => b(a(c).length > 0)),
  empty: def(1, 1, ([a]) => (c) => b(a(c).length === 0)),
  count: def(1, 1, ([a]) => (c) => [BigInt(a(c).length)]),
  position: def(0, 0, () => (c) => [BigInt(c.pos)]),
  last: def(0, 0, () => (c) => [BigInt(c.size)]),
  string: sdef(0, 1, (sa) => (sa.length ? (c) => sa[0](c) ?? '' : (c) => stringOf(ctxItem(c)))),
  data: def(1, 1, ([a]) => (c) => atomizeSeq(a(c))),
  'normalize-space': sdef(0, 1, (_sa, a) =>
    a.length
      ? (c) => {
          const i = one(a[0](c), 'normalize-space()');
          if (i === null) return '';
          if (i instanceof XNode) return normalizedNode(i);
          return normalizeSpace(stringOf(i));
        }
      : (c) => {
          const i = ctxItem(c);
          return i instanceof XNode ? normalizedNode(i) : normalizeSpace(stringOf(i));
        },
  ),
  'upper-case': sdef(1, 1, ([a]) => (c) => (a(c) ?? '').toUpperCase()),
  'lower-case': sdef(1, 1, ([a]) => (c) => (a(c) ?? '').toLowerCase()),
  'string-length': def(0, 1, (a) =>
    a.length ? (c) => [BigInt(codepointLength(str(a[0], c, 'string-length()')))] : (c) => [BigInt(codepointLength(stringOf(ctxItem(c))))],
  ),
  substring: sdef(2, 3, (sa, a) => (c) => {
    const s = sa[0](c) ?? '';
    const start = dbl(a[1], c, 'substring()');
    return a.length > 2 ? substring(s, start, dbl(a[2], c, 'substring()')) : substring(s, start);
  }),
  'substring-before': def(2, 2, ([x, y]) => (c) => {
    const s = str(x, c, 'substring-before()');
    const t = str(y, c, 'substring-before()');
    const i = s.indexOf(t);
    return [i < 0 ? '' : s.slice(0, i)];
  }),
  'substring-after': def(2, 2, ([x, y]) => (c) => {
    const s = str(x, c, 'substring-after()');
    const t = str(y, c, 'substring-after()');
    if (t === '') return [s];
    const i = s.indexOf(t);
    return [i < 0 ? '' : s.slice(i + t.length)];
  }),
  contains: def(2, 2, ([x, y]) => (c) => b(str(x, c, 'contains()').includes(str(y, c, 'contains()')))),
  'starts-with': def(2, 2, ([x, y]) => (c) => b(str(x, c, 'starts-with()').startsWith(str(y, c, 'starts-with()')))),
  'ends-with': def(2, 2, ([x, y]) => (c) => b(str(x, c, 'ends-with()').endsWith(str(y, c, 'ends-with()')))),
  concat: sdef(2, Infinity, (a) => (c) => {
    let s = '';
    for (const f of a) s += f(c) ?? '';
    return s;
  }),
  'string-join': def(1, 2, (a) => (c) => {
    const items = a[0](c);
    const sep = a.length > 1 ? str(a[1], c, 'string-join()') : '';
    return [items.map(stringOf).join(sep)];
  }),
  translate: sdef(3, 3, ([s, f, t]) => (c) => translate(s(c) ?? '', f(c) ?? '', t(c) ?? '')),
  matches: def(2, 3, (a) => (c) => {
    const s = str(a[0], c, 'matches()');
    const re = xpathRegex(str(a[1], c, 'matches()'), a.length > 2 ? str(a[2], c, 'matches()') : '');
    return b(re.test(s));
  }),
  replace: def(3, 4, (a) => (c) => {
    const s = str(a[0], c, 'replace()');
    const re = xpathRegex(str(a[1], c, 'replace()'), a.length > 3 ? str(a[3], c, 'replace()') : '', true);
    re.lastIndex = 0;
    if (re.test('')) throw new XPathError('FORX0003', 'The replace pattern matches the empty string');
    re.lastIndex = 0;
    return [s.replace(re, xpathReplacement(str(a[2], c, 'replace()')))];
  }),
  tokenize: def(2, 3, (a) => (c) => {
    const s = str(a[0], c, 'tokenize()');
    return tokenize(s, xpathRegex(str(a[1], c, 'tokenize()'), a.length > 2 ? str(a[2], c, 'tokenize()') : '', true));
  }),
  'string-to-codepoints': def(1, 1, ([a]) => (c) => {
    const s = str(a, c, 'string-to-codepoints()');
    const out: Item[] = [];
    for (const ch of s) out.push(BigInt(ch.codePointAt(0)!));
    return out;
  }),
  'codepoints-to-string': def(1, 1, ([a]) => (c) => {
    let s = '';
    for (const i of a(c)) s += String.fromCodePoint(Number(castAtomic(i, 'integer')));
    return [s];
  }),
  reverse: def(1, 1, ([a]) => (c) => a(c).slice().reverse()),
  'distinct-values': def(1, 1, ([a]) => (c) => {
    const out: Atomic[] = [];
    for (const x of atomizeSeq(a(c))) {
      const v = x instanceof Untyped ? x.s : x;
      if (!out.some((y) => sameValue(y, v))) out.push(v);
    }
    return out;
  }),
  sum: def(1, 2, (a) => (c) => sum(a[0](c), a.length > 1 ? a[1](c) : [0n])),
  avg: def(1, 1, ([a]) => (c) => {
    const items = a(c);
    if (!items.length) return EMPTY;
    return [arith('div', sum(items, [0n])[0], BigInt(items.length))];
  }),
  min: def(1, 1, ([a]) => (c) => minmax(a(c), '<')),
  max: def(1, 1, ([a]) => (c) => minmax(a(c), '>')),
  round: def(1, 2, (a) => (c) => {
    const i = one(a[0](c), 'round()');
    if (i === null) return EMPTY;
    const digits = a.length > 1 ? Number(castAtomic(one(a[1](c), 'round()') ?? 0n, 'integer')) : 0;
    return [roundNum(i, digits)];
  }),
  'round-half-to-even': def(1, 2, (a) => (c) => {
    const i = one(a[0](c), 'round-half-to-even()');
    if (i === null) return EMPTY;
    const digits = a.length > 1 ? Number(castAtomic(one(a[1](c), 'round-half-to-even()') ?? 0n, 'integer')) : 0;
    const n = numeric(i);
    if (typeof n === 'bigint') return [n];
    if (n instanceof Dec) return [n.roundHalfEven(digits)];
    const d = Dec.fromNumber(n);
    return [d ? d.roundHalfEven(digits).toNumber() : n];
  }),
  abs: def(1, 1, ([a]) => (c) => {
    const i = one(a(c), 'abs()');
    if (i === null) return EMPTY;
    const n = numeric(i);
    return [typeof n === 'number' ? Math.abs(n) : typeof n === 'bigint' ? (n < 0n ? -n : n) : n.abs()];
  }),
  floor: def(1, 1, ([a]) => (c) => {
    const i = one(a(c), 'floor()');
    if (i === null) return EMPTY;
    const n = numeric(i);
    return [typeof n === 'number' ? Math.floor(n) : typeof n === 'bigint' ? n : n.floor()];
  }),
  ceiling: def(1, 1, ([a]) => (c) => {
    const i = one(a(c), 'ceiling()');
    if (i === null) return EMPTY;
    const n = numeric(i);
    return [typeof n === 'number' ? Math.ceil(n) : typeof n === 'bigint' ? n : n.ceiling()];
  }),
  number: def(0, 1, (a) =>
    a.length
      ? (c) => {
          const i = one(a[0](c), 'number()');
          return [i === null ? NaN : toNumberLoose(i)];
        }
      : (c) => [toNumberLoose(ctxItem(c))],
  ),
  name: def(0, 1, (a) => (c) => {
    const i = a.length ? one(a[0](c), 'name()') : ctxItem(c);
    if (i === null) return [''];
    if (!(i instanceof XNode)) throw new XPathError('XPTY0004', 'name() of a non-node');
    return [i.qname];
  }),
  'local-name': def(0, 1, (a) => (c) => {
    const i = a.length ? one(a[0](c), 'local-name()') : ctxItem(c);
    if (i === null) return [''];
    if (!(i instanceof XNode)) throw new XPathError('XPTY0004', 'local-name() of a non-node');
    return [i.local];
  }),
  'namespace-uri': def(0, 1, (a) => (c) => {
    const i = a.length ? one(a[0](c), 'namespace-uri()') : ctxItem(c);
    if (i === null) return [''];
    if (!(i instanceof XNode)) throw new XPathError('XPTY0004', 'namespace-uri() of a non-node');
    return [i.ns];
  }),
};

function sameValue(a: Atomic, b: Atomic): boolean {
  try {
    if (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b)) return true;
    return valuePair(a, b, '=');
  } catch {
    return false;
  }
}

function minmax(items: Seq, op: '<' | '>'): Seq {
  if (!items.length) return EMPTY;
  const vals = atomizeSeq(items).map((v) => (v instanceof Untyped ? (parseDouble(v.s) ?? NaN) : v));
  let best = vals[0];
  for (let i = 1; i < vals.length; i++) if (valuePair(vals[i], best, op)) best = vals[i];
  return [best];
}
