/**
 * Lexer and recursive-descent parser for the XPath 2.0 subset the official schematron files use,
 * producing a small AST. Anything outside the subset is a parse error naming the construct, so a rule
 * the engine cannot evaluate fails at load time instead of being skipped.
 */
import { Dec } from './decimal.js';

export type Axis =
  | 'child'
  | 'attribute'
  | 'self'
  | 'parent'
  | 'descendant'
  | 'descendant-or-self'
  | 'ancestor'
  | 'ancestor-or-self'
  | 'following-sibling'
  | 'preceding-sibling'
  | 'following'
  | 'preceding';

/** Name test: ns null = any namespace (*:x), local null = any name; kind tests use `kind`. */
export interface NodeTest {
  kind: 'name' | 'text' | 'node' | 'element' | 'attribute' | 'comment';
  ns: string | null;
  local: string | null;
}

export type Ast =
  | { t: 'lit'; v: string | number | bigint | Dec }
  | { t: 'var'; name: string }
  | { t: 'ctx' }
  | { t: 'root' }
  | { t: 'step'; axis: Axis; test: NodeTest; preds: Ast[] }
  | { t: 'filter'; base: Ast; preds: Ast[] }
  | { t: 'path'; l: Ast; r: Ast }
  | { t: 'bin'; op: string; l: Ast; r: Ast }
  | { t: 'neg'; e: Ast }
  | { t: 'if'; c: Ast; a: Ast; b: Ast }
  | { t: 'quant'; every: boolean; binds: { name: string; e: Ast }[]; sat: Ast }
  | { t: 'for'; binds: { name: string; e: Ast }[]; ret: Ast }
  | { t: 'call'; name: string; args: Ast[] }
  | { t: 'cast'; e: Ast; type: string; optional: boolean; test: boolean }
  | { t: 'instance'; e: Ast; type: string; occ: string }
  | { t: 'seq'; items: Ast[] };

export class XPathSyntaxError extends Error {
  constructor(message: string, readonly expr: string) {
    super(`${message} in XPath: ${expr.replace(/\s+/g, ' ').trim().slice(0, 200)}`);
    this.name = 'XPathSyntaxError';
  }
}

interface Tok {
  k: 'name' | 'num' | 'str' | 'var' | 'sym' | 'axis' | 'eof';
  v: string;
}

const FN_NS = 'http://www.w3.org/2005/xpath-functions';
export const XS_NS = 'http://www.w3.org/2001/XMLSchema';

function isNameStart(c: string): boolean {
  return /[A-Za-z_\u00C0-\uFFFF]/.test(c);
}
function isNameChar(c: string): boolean {
  return /[A-Za-z0-9_.\-\u00B7\u00C0-\uFFFF]/.test(c);
}

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = src.length;
  const err = (m: string): never => {
    throw new XPathSyntaxError(m, src);
  };
  const readName = (): string => {
    const s = i;
    while (i < n && isNameChar(src[i])) i++;
    return src.slice(s, i);
  };
  while (i < n) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' && src[i + 1] === ':') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (src[i] === '(' && src[i + 1] === ':') (depth++, (i += 2));
        else if (src[i] === ':' && src[i + 1] === ')') (depth--, (i += 2));
        else i++;
      }
      continue;
    }
    if (c === "'" || c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= n) err('Unterminated string literal');
        if (src[i] === c) {
          if (src[i + 1] === c) {
            s += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ k: 'str', v: s });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      out.push({ k: 'num', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (c === '$') {
      i++;
      let name = readName();
      if (src[i] === ':' && isNameStart(src[i + 1] ?? '')) {
        i++;
        name += ':' + readName();
      }
      if (!name) err('Variable name expected');
      out.push({ k: 'var', v: name });
      continue;
    }
    if (c === '*' && src[i + 1] === ':' && isNameStart(src[i + 2] ?? '')) {
      i += 2;
      out.push({ k: 'name', v: '*:' + readName() });
      continue;
    }
    if (isNameStart(c)) {
      let name = readName();
      if (src[i] === ':' && src[i + 1] === '*') {
        i += 2;
        name += ':*';
      } else if (src[i] === ':' && isNameStart(src[i + 1] ?? '')) {
        i++;
        name += ':' + readName();
      }
      // axis::
      let j = i;
      while (j < n && /\s/.test(src[j])) j++;
      if (src[j] === ':' && src[j + 1] === ':') {
        out.push({ k: 'axis', v: name });
        i = j + 2;
        continue;
      }
      out.push({ k: 'name', v: name });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['//', '!=', '<=', '>=', '..', '<<', '>>', '::'].includes(two)) {
      out.push({ k: 'sym', v: two });
      i += 2;
      continue;
    }
    if ('()[],/@.|+-*=<>?'.includes(c)) {
      out.push({ k: 'sym', v: c });
      i++;
      continue;
    }
    err(`Unexpected character '${c}'`);
  }
  out.push({ k: 'eof', v: '' });
  return out;
}

const KIND_TESTS = new Set(['text', 'node', 'element', 'attribute', 'comment']);
const AXES = new Set<string>([
  'child',
  'attribute',
  'self',
  'parent',
  'descendant',
  'descendant-or-self',
  'ancestor',
  'ancestor-or-self',
  'following-sibling',
  'preceding-sibling',
  'following',
  'preceding',
]);

/** Parses `src`; prefixes resolve through `ns` (unprefixed element names are in no namespace). */
export function parseXPath(src: string, ns: Record<string, string>): Ast {
  const toks = lex(src);
  let p = 0;
  const peek = (o = 0): Tok => toks[Math.min(p + o, toks.length - 1)];
  const err = (m: string): never => {
    throw new XPathSyntaxError(m, src);
  };
  const isSym = (v: string, o = 0): boolean => peek(o).k === 'sym' && peek(o).v === v;
  const isKw = (v: string, o = 0): boolean => peek(o).k === 'name' && peek(o).v === v;
  const expectSym = (v: string): void => {
    if (!isSym(v)) err(`Expected '${v}' but found '${peek().v || 'end'}'`);
    p++;
  };
  const expectKw = (v: string): void => {
    if (!isKw(v)) err(`Expected '${v}' but found '${peek().v || 'end'}'`);
    p++;
  };
  const resolve = (prefix: string): string => {
    const uri = ns[prefix];
    if (uri === undefined) err(`Unknown namespace prefix '${prefix}'`);
    return uri;
  };
  /** Expanded function name: "uri local". */
  const fnName = (q: string): string => {
    const i = q.indexOf(':');
    if (i < 0) return FN_NS + ' ' + q;
    const prefix = q.slice(0, i);
    const uri = prefix === 'fn' ? FN_NS : prefix === 'xs' ? XS_NS : resolve(prefix);
    return uri + ' ' + q.slice(i + 1);
  };

  const expr = (): Ast => {
    const first = single();
    if (!isSym(',')) return first;
    const items = [first];
    while (isSym(',')) {
      p++;
      items.push(single());
    }
    return { t: 'seq', items };
  };

  const binds = (): { name: string; e: Ast }[] => {
    const out: { name: string; e: Ast }[] = [];
    for (;;) {
      const v = peek();
      if (v.k !== 'var') err('Variable expected in for/some/every');
      p++;
      expectKw('in');
      out.push({ name: v.v, e: single() });
      if (!isSym(',')) return out;
      p++;
    }
  };

  const single = (): Ast => {
    const t = peek();
    if (t.k === 'name' && peek(1).k === 'var' && (t.v === 'some' || t.v === 'every')) {
      p++;
      const b = binds();
      expectKw('satisfies');
      return { t: 'quant', every: t.v === 'every', binds: b, sat: single() };
    }
    if (t.k === 'name' && t.v === 'for' && peek(1).k === 'var') {
      p++;
      const b = binds();
      expectKw('return');
      return { t: 'for', binds: b, ret: single() };
    }
    if (t.k === 'name' && t.v === 'let' && peek(1).k === 'var') err('XPath 3 let expressions are not supported');
    if (t.k === 'name' && t.v === 'if' && isSym('(', 1)) {
      p += 2;
      const c = expr();
      expectSym(')');
      expectKw('then');
      const a = single();
      expectKw('else');
      return { t: 'if', c, a, b: single() };
    }
    return or();
  };

  const leftAssoc = (next: () => Ast, ops: string[], kw: boolean): Ast => {
    let l = next();
    for (;;) {
      const t = peek();
      const isOp = kw ? t.k === 'name' && ops.includes(t.v) : t.k === 'sym' && ops.includes(t.v);
      if (!isOp) return l;
      p++;
      l = { t: 'bin', op: t.v, l, r: next() };
    }
  };
  const or = (): Ast => leftAssoc(and, ['or'], true);
  const and = (): Ast => leftAssoc(comparison, ['and'], true);
  const comparison = (): Ast => {
    const l = range();
    const t = peek();
    if (t.k === 'sym' && ['=', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      p++;
      return { t: 'bin', op: t.v, l, r: range() };
    }
    if (t.k === 'name' && ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(t.v)) {
      p++;
      return { t: 'bin', op: t.v, l, r: range() };
    }
    if ((t.k === 'sym' && (t.v === '<<' || t.v === '>>')) || (t.k === 'name' && t.v === 'is')) err(`Node comparison '${t.v}' is not supported`);
    return l;
  };
  const range = (): Ast => {
    const l = additive();
    if (isKw('to')) {
      p++;
      return { t: 'bin', op: 'to', l, r: additive() };
    }
    return l;
  };
  const additive = (): Ast => leftAssoc(multiplicative, ['+', '-'], false);
  const multiplicative = (): Ast => {
    let l = union();
    for (;;) {
      const t = peek();
      let op: string | null = null;
      if (t.k === 'sym' && t.v === '*') op = '*';
      else if (t.k === 'name' && ['div', 'idiv', 'mod'].includes(t.v)) op = t.v;
      if (!op) return l;
      p++;
      l = { t: 'bin', op, l, r: union() };
    }
  };
  const union = (): Ast => {
    let l = intersect();
    for (;;) {
      if (isSym('|') || isKw('union')) {
        p++;
        l = { t: 'bin', op: '|', l, r: intersect() };
      } else return l;
    }
  };
  const intersect = (): Ast => {
    const l = instanceOf();
    if (isKw('intersect') || isKw('except')) err(`'${peek().v}' is not supported`);
    return l;
  };
  const seqType = (): { type: string; occ: string } => {
    const t = peek();
    if (t.k !== 'name') err('Type name expected');
    p++;
    let type = t.v;
    if (isSym('(')) {
      p++;
      expectSym(')');
      type += '()';
    }
    let occ = '';
    if (isSym('?') || isSym('*') || isSym('+')) occ = toks[p++].v;
    return { type, occ };
  };
  const atomicType = (name: string): string => {
    const i = name.indexOf(':');
    if (i < 0 || (name.slice(0, i) !== 'xs' && ns[name.slice(0, i)] !== XS_NS)) err(`Unsupported type '${name}'`);
    return name.slice(i + 1);
  };
  const instanceOf = (): Ast => {
    const e = treat();
    if (isKw('instance') && isKw('of', 1)) {
      p += 2;
      const { type, occ } = seqType();
      return { t: 'instance', e, type, occ };
    }
    return e;
  };
  const treat = (): Ast => {
    const e = castableExpr();
    if (isKw('treat') && isKw('as', 1)) err("'treat as' is not supported");
    return e;
  };
  const castableExpr = (): Ast => {
    const e = castExpr();
    if (isKw('castable') && isKw('as', 1)) {
      p += 2;
      const { type, occ } = seqType();
      return { t: 'cast', e, type: atomicType(type), optional: occ === '?', test: true };
    }
    return e;
  };
  const castExpr = (): Ast => {
    const e = unary();
    if (isKw('cast') && isKw('as', 1)) {
      p += 2;
      const { type, occ } = seqType();
      return { t: 'cast', e, type: atomicType(type), optional: occ === '?', test: false };
    }
    return e;
  };
  const unary = (): Ast => {
    let neg = false;
    let any = false;
    while (isSym('-') || isSym('+')) {
      if (toks[p].v === '-') neg = !neg;
      any = true;
      p++;
    }
    const e = pathExpr();
    if (neg) return { t: 'neg', e };
    return any ? { t: 'bin', op: '+', l: { t: 'lit', v: 0n }, r: e } : e;
  };

  const descOrSelf = (): Ast => ({ t: 'step', axis: 'descendant-or-self', test: { kind: 'node', ns: null, local: null }, preds: [] });

  const startsStep = (): boolean => {
    const t = peek();
    if (t.k === 'name' || t.k === 'axis' || t.k === 'var' || t.k === 'num' || t.k === 'str') return true;
    return t.k === 'sym' && ['@', '.', '..', '*', '('].includes(t.v);
  };

  const pathExpr = (): Ast => {
    if (isSym('/')) {
      p++;
      if (!startsStep()) return { t: 'root' };
      return relPath({ t: 'root' });
    }
    if (isSym('//')) {
      p++;
      return relPath({ t: 'path', l: { t: 'root' }, r: descOrSelf() });
    }
    return relPath(null);
  };

  const relPath = (start: Ast | null): Ast => {
    let cur: Ast = start ? { t: 'path', l: start, r: step() } : step();
    for (;;) {
      if (isSym('/')) {
        p++;
        cur = { t: 'path', l: cur, r: step() };
      } else if (isSym('//')) {
        p++;
        cur = { t: 'path', l: { t: 'path', l: cur, r: descOrSelf() }, r: step() };
      } else return cur;
    }
  };

  const preds = (): Ast[] => {
    const out: Ast[] = [];
    while (isSym('[')) {
      p++;
      out.push(expr());
      expectSym(']');
    }
    return out;
  };

  const nodeTest = (): NodeTest => {
    const t = peek();
    if (t.k === 'sym' && t.v === '*') {
      p++;
      return { kind: 'name', ns: null, local: null };
    }
    if (t.k !== 'name') err('Node test expected');
    p++;
    if (KIND_TESTS.has(t.v) && isSym('(')) {
      p++;
      if (!isSym(')')) err(`Arguments of ${t.v}() are not supported`);
      p++;
      return { kind: t.v as NodeTest['kind'], ns: null, local: null };
    }
    if (t.v.startsWith('*:')) return { kind: 'name', ns: null, local: t.v.slice(2) };
    const i = t.v.indexOf(':');
    if (i < 0) return { kind: 'name', ns: '', local: t.v };
    const uri = resolve(t.v.slice(0, i));
    const local = t.v.slice(i + 1);
    return { kind: 'name', ns: uri, local: local === '*' ? null : local };
  };

  const step = (): Ast => {
    const t = peek();
    if (t.k === 'sym' && t.v === '..') {
      p++;
      return { t: 'step', axis: 'parent', test: { kind: 'node', ns: null, local: null }, preds: preds() };
    }
    if (t.k === 'sym' && t.v === '@') {
      p++;
      const test = nodeTest();
      return { t: 'step', axis: 'attribute', test, preds: preds() };
    }
    if (t.k === 'axis') {
      if (!AXES.has(t.v)) err(`Unsupported axis '${t.v}'`);
      p++;
      const axis = t.v as Axis;
      const test = nodeTest();
      return { t: 'step', axis, test, preds: preds() };
    }
    // Primary expressions (filter expressions) or a child-axis name test.
    if (t.k === 'name' && isSym('(', 1) && !KIND_TESTS.has(t.v)) {
      const name = t.v;
      if (['if', 'some', 'every', 'for', 'let'].includes(name)) err(`Unexpected '${name}'`);
      p += 2;
      const args: Ast[] = [];
      if (!isSym(')')) {
        args.push(single());
        while (isSym(',')) {
          p++;
          args.push(single());
        }
      }
      expectSym(')');
      return filter({ t: 'call', name: fnName(name), args });
    }
    if (t.k === 'str') {
      p++;
      return filter({ t: 'lit', v: t.v });
    }
    if (t.k === 'num') {
      p++;
      const v = t.v;
      const lit = /[eE]/.test(v) ? Number(v) : v.includes('.') ? Dec.parse(v)! : BigInt(v);
      return filter({ t: 'lit', v: lit });
    }
    if (t.k === 'var') {
      p++;
      return filter({ t: 'var', name: t.v });
    }
    if (t.k === 'sym' && t.v === '(') {
      p++;
      if (isSym(')')) {
        p++;
        return filter({ t: 'seq', items: [] });
      }
      const e = expr();
      expectSym(')');
      return filter(e);
    }
    if (t.k === 'sym' && t.v === '.') {
      p++;
      return filter({ t: 'ctx' });
    }
    const test = nodeTest();
    return { t: 'step', axis: test.kind === 'attribute' ? 'attribute' : 'child', test, preds: preds() };
  };

  const filter = (base: Ast): Ast => {
    const ps = preds();
    return ps.length ? { t: 'filter', base, preds: ps } : base;
  };

  const ast = expr();
  if (peek().k !== 'eof') err(`Unexpected '${peek().v}'`);
  return ast;
}

export { FN_NS };
