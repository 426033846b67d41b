/**
 * XPath 2.0 values over the document model, without a schema (all nodes untyped):
 *   node → XNode; xs:string → string; xs:double → number; xs:integer → bigint; xs:decimal → Dec;
 *   xs:boolean → boolean; xs:untypedAtomic → Untyped; xs:date → XDate.
 * Nodes stand for their own atomized (untyped) value, so atomization allocates nothing.
 * A sequence is an array of items; compiled code never mutates an array it did not create.
 */
import { XNode } from '../dom.js';
import { Dec } from './decimal.js';

export class Untyped {
  constructor(readonly s: string) {}
}

export class XDate {
  /** Days since 1970-01-01 (proleptic Gregorian) and timezone offset in minutes (null when absent). */
  constructor(
    readonly days: number,
    readonly tz: number | null,
    readonly text: string,
  ) {}

  /** Comparable instant in minutes; an absent timezone takes the implicit one (UTC here, as in the reference). */
  instant(): number {
    return this.days * 1440 - (this.tz ?? 0);
  }

  static parse(text: string): XDate | null {
    const m = /^\s*(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?\s*$/.exec(text);
    if (!m) return null;
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    if (mo < 1 || mo > 12 || d < 1) return null;
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const dim = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
    if (d > dim) return null;
    let tz: number | null = null;
    if (m[4]) {
      if (m[4] === 'Z') tz = 0;
      else {
        const h = Number(m[4].slice(1, 3));
        const mi = Number(m[4].slice(4, 6));
        if (h > 14 || mi > 59 || (h === 14 && mi > 0)) return null;
        tz = (m[4][0] === '-' ? -1 : 1) * (h * 60 + mi);
      }
    }
    const days = Math.floor(Date.UTC(y, mo - 1, d) / 86400000);
    return new XDate(days, tz, text.trim());
  }
}

export type Atomic = string | number | bigint | boolean | Dec | Untyped | XDate;
export type Item = XNode | Atomic;
export type Seq = Item[];

export class XPathError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'XPathError';
  }
}

export const EMPTY: Seq = [];
export const TRUE: Seq = [true];
export const FALSE: Seq = [false];

export function isNumeric(a: unknown): a is number | bigint | Dec {
  return typeof a === 'number' || typeof a === 'bigint' || a instanceof Dec;
}

/** Atomizes one item (nodes become xs:untypedAtomic). */
export function atomize(i: Item): Atomic {
  return i instanceof XNode ? new Untyped(i.stringValue()) : i;
}

/** The string value of an item (fn:string). */
export function stringOf(i: Item): string {
  switch (typeof i) {
    case 'string':
      return i;
    case 'number':
      return formatDouble(i);
    case 'bigint':
      return i.toString();
    case 'boolean':
      return i ? 'true' : 'false';
    default:
      if (i instanceof XNode) return i.stringValue();
      if (i instanceof Untyped) return i.s;
      if (i instanceof Dec) return i.toString();
      if (i instanceof XDate) return i.text;
      return String(i);
  }
}

/** xs:double canonical lexical form (XPath 2.0 casting rules). */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'INF';
  if (d === -Infinity) return '-INF';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const a = Math.abs(d);
  if (a >= 1e-6 && a < 1e6) {
    // Plain notation without trailing zeros.
    const s = String(d);
    if (!s.includes('e')) return s;
    return Dec.fromNumber(d)!.toString();
  }
  // Scientific: mantissa with at least one fractional digit, exponent without '+'.
  const [mant, exp] = d.toExponential().split('e');
  const m = mant.includes('.') ? mant : mant + '.0';
  return `${m}E${Number(exp)}`;
}

const DOUBLE_RE = /^\s*(?:([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)|(-?INF)|(NaN))\s*$/;

/** Cast of a string to xs:double; null when not castable. */
export function parseDouble(s: string): number | null {
  const m = DOUBLE_RE.exec(s);
  if (!m) return null;
  if (m[1] !== undefined) return Number(m[1]);
  if (m[2] !== undefined) return m[2] === 'INF' ? Infinity : -Infinity;
  return NaN;
}

/** fn:number semantics on one atomic value: NaN when not convertible. */
export function toNumberLoose(a: Atomic | XNode): number {
  if (typeof a === 'number') return a;
  if (typeof a === 'bigint') return Number(a);
  if (a instanceof Dec) return a.toNumber();
  if (typeof a === 'boolean') return a ? 1 : 0;
  const s = stringOf(a);
  const d = parseDouble(s);
  return d === null ? NaN : d;
}

const INT_RE = /^\s*[+-]?\d+\s*$/;

export function parseInteger(s: string): bigint | null {
  return INT_RE.test(s) ? BigInt(s.trim()) : null;
}

function castErr(v: string, type: string): never {
  throw new XPathError('FORG0001', `Cannot convert '${v}' to ${type}`);
}

/** Cast of one atomic value (or node, as untyped) to a named atomic type. */
export function castAtomic(i: Item, type: string): Atomic {
  switch (type) {
    case 'string':
      return stringOf(i);
    case 'untypedAtomic':
      return new Untyped(stringOf(i));
    case 'boolean': {
      if (typeof i === 'boolean') return i;
      if (isNumeric(i)) return typeof i === 'number' ? !(i === 0 || Number.isNaN(i)) : typeof i === 'bigint' ? i !== 0n : !i.isZero();
      const s = stringOf(i).trim();
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
      return castErr(s, 'xs:boolean');
    }
    case 'decimal': {
      if (i instanceof Dec) return i;
      if (typeof i === 'bigint') return Dec.fromBigInt(i);
      if (typeof i === 'number') return Dec.fromNumber(i) ?? castErr(String(i), 'xs:decimal');
      if (typeof i === 'boolean') return Dec.fromBigInt(i ? 1n : 0n);
      if (i instanceof XNode) {
        if (i.cache instanceof Dec) return i.cache;
        const d = Dec.parse(i.stringValue()) ?? castErr(i.stringValue(), 'xs:decimal');
        i.cache = d;
        return d;
      }
      const s = stringOf(i);
      return Dec.parse(s) ?? castErr(s, 'xs:decimal');
    }
    case 'integer': {
      if (typeof i === 'bigint') return i;
      if (i instanceof Dec) return i.trunc();
      if (typeof i === 'number') {
        if (!Number.isFinite(i)) castErr(String(i), 'xs:integer');
        return BigInt(Math.trunc(i));
      }
      if (typeof i === 'boolean') return i ? 1n : 0n;
      const s = stringOf(i);
      return parseInteger(s) ?? castErr(s, 'xs:integer');
    }
    case 'double':
    case 'float': {
      if (typeof i === 'number') return i;
      if (typeof i === 'bigint') return Number(i);
      if (i instanceof Dec) return i.toNumber();
      if (typeof i === 'boolean') return i ? 1 : 0;
      const s = stringOf(i);
      const d = parseDouble(s);
      return d ?? castErr(s, 'xs:double');
    }
    case 'date': {
      if (i instanceof XDate) return i;
      const s = stringOf(i);
      return XDate.parse(s) ?? castErr(s, 'xs:date');
    }
    default:
      throw new XPathError('XPST0051', `Unsupported cast target xs:${type}`);
  }
}

export function castable(i: Item, type: string): boolean {
  try {
    castAtomic(i, type);
    return true;
  } catch (e) {
    if (e instanceof XPathError) return false;
    throw e;
  }
}

/** Effective boolean value. */
export function ebv(s: Seq): boolean {
  if (s.length === 0) return false;
  const f = s[0];
  if (f instanceof XNode) return true;
  if (s.length > 1) throw new XPathError('FORG0006', 'Effective boolean value of a sequence of several atomic values');
  switch (typeof f) {
    case 'boolean':
      return f;
    case 'string':
      return f.length > 0;
    case 'number':
      return !(f === 0 || Number.isNaN(f));
    case 'bigint':
      return f !== 0n;
    default:
      if (f instanceof Untyped) return f.s.length > 0;
      if (f instanceof Dec) return !f.isZero();
      throw new XPathError('FORG0006', 'Effective boolean value of a date');
  }
}

// ---- arithmetic ----

type Num = number | bigint | Dec;

function numOperand(i: Item): Num {
  if (typeof i === 'number' || typeof i === 'bigint' || i instanceof Dec) return i;
  if (i instanceof XNode || i instanceof Untyped) {
    const s = stringOf(i);
    const d = parseDouble(s);
    if (d === null) castErr(s, 'xs:double');
    return d;
  }
  throw new XPathError('XPTY0004', `Arithmetic on a non-numeric value '${stringOf(i)}'`);
}

function toDec(n: bigint | Dec): Dec {
  return typeof n === 'bigint' ? Dec.fromBigInt(n) : n;
}

export type ArithOp = '+' | '-' | '*' | 'div' | 'idiv' | 'mod';

export function arith(op: ArithOp, l: Item, r: Item): Atomic {
  const a = numOperand(l);
  const b = numOperand(r);
  if (typeof a === 'number' || typeof b === 'number') {
    const x = typeof a === 'number' ? a : typeof a === 'bigint' ? Number(a) : a.toNumber();
    const y = typeof b === 'number' ? b : typeof b === 'bigint' ? Number(b) : b.toNumber();
    switch (op) {
      case '+':
        return x + y;
      case '-':
        return x - y;
      case '*':
        return x * y;
      case 'div':
        return x / y;
      case 'mod':
        return x % y;
      case 'idiv':
        if (y === 0 || !Number.isFinite(x) || Number.isNaN(y)) throw new XPathError('FOAR0001', 'Integer division by zero or of a non-finite value');
        return BigInt(Math.trunc(x / y));
    }
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case 'div':
        if (b === 0n) throw new XPathError('FOAR0001', 'Division by zero');
        return Dec.fromBigInt(a).div(Dec.fromBigInt(b));
      case 'idiv':
        if (b === 0n) throw new XPathError('FOAR0001', 'Division by zero');
        return a / b;
      case 'mod':
        if (b === 0n) throw new XPathError('FOAR0001', 'Division by zero');
        return a % b;
    }
  }
  const x = toDec(a as bigint | Dec);
  const y = toDec(b as bigint | Dec);
  switch (op) {
    case '+':
      return x.add(y);
    case '-':
      return x.sub(y);
    case '*':
      return x.mul(y);
    case 'div':
      if (y.isZero()) throw new XPathError('FOAR0001', 'Division by zero');
      return x.div(y);
    case 'idiv':
      if (y.isZero()) throw new XPathError('FOAR0001', 'Division by zero');
      return x.idiv(y);
    case 'mod':
      if (y.isZero()) throw new XPathError('FOAR0001', 'Division by zero');
      return x.mod(y);
  }
}

export function negate(i: Item): Atomic {
  const a = numOperand(i);
  if (typeof a === 'number') return -a;
  if (typeof a === 'bigint') return -a;
  return a.neg();
}

// ---- comparison ----

export type CmpOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

function numCmp(a: Num, b: Num): number {
  if (typeof a === 'number' || typeof b === 'number') {
    const x = typeof a === 'number' ? a : typeof a === 'bigint' ? Number(a) : a.toNumber();
    const y = typeof b === 'number' ? b : typeof b === 'bigint' ? Number(b) : b.toNumber();
    if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  return toDec(a as bigint | Dec).cmp(toDec(b as bigint | Dec));
}

function result(c: number, op: CmpOp): boolean {
  if (Number.isNaN(c)) return op === '!=';
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

function strCmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const isUntyped = (i: Item): boolean => i instanceof XNode || i instanceof Untyped;

/** One pair of a general comparison (untyped values take the other operand's type). */
export function generalPair(l: Item, r: Item, op: CmpOp): boolean {
  const lu = isUntyped(l);
  const ru = isUntyped(r);
  if (lu && ru) return result(strCmp(stringOf(l), stringOf(r)), op);
  if (lu || ru) {
    const other = lu ? r : l;
    const u = lu ? l : r;
    let conv: Item;
    if (typeof other === 'string') conv = stringOf(u);
    else if (isNumeric(other)) conv = castAtomic(u, 'double');
    else if (typeof other === 'boolean') conv = castAtomic(u, 'boolean');
    else if (other instanceof XDate) conv = castAtomic(u, 'date');
    else conv = stringOf(u);
    return lu ? valuePair(conv, r, op) : valuePair(l, conv, op);
  }
  return valuePair(l, r, op);
}

/** Value comparison of two atomic values (untyped compares as string). */
export function valuePair(l: Item, r: Item, op: CmpOp): boolean {
  if (isUntyped(l)) l = stringOf(l);
  if (isUntyped(r)) r = stringOf(r);
  if (typeof l === 'string' && typeof r === 'string') return result(strCmp(l, r), op);
  if (isNumeric(l) && isNumeric(r)) return result(numCmp(l, r), op);
  if (typeof l === 'boolean' && typeof r === 'boolean') return result(Number(l) - Number(r), op);
  if (l instanceof XDate && r instanceof XDate) return result(Math.sign(l.instant() - r.instant()), op);
  throw new XPathError('XPTY0004', `Cannot compare ${typeName(l)} with ${typeName(r)}`);
}

export function typeName(i: Item): string {
  if (i instanceof XNode) return 'node()';
  if (i instanceof Untyped) return 'xs:untypedAtomic';
  if (i instanceof Dec) return 'xs:decimal';
  if (i instanceof XDate) return 'xs:date';
  switch (typeof i) {
    case 'string':
      return 'xs:string';
    case 'number':
      return 'xs:double';
    case 'bigint':
      return 'xs:integer';
    case 'boolean':
      return 'xs:boolean';
  }
  return 'item()';
}

export function generalCompare(a: Seq, b: Seq, op: CmpOp): boolean {
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) if (generalPair(a[i], b[j], op)) return true;
  return false;
}
