/**
 * Static analysis of XPath ASTs, done once at compile time: the kind of value an expression yields,
 * whether it reads the focus or position, its free variables, and whether it is constant, so the
 * compiler can pick fast paths and memoise what is the same throughout a document.
 */
import { Dec } from './decimal.js';
import { BUILTINS } from './functions.js';
import { type Ast, XS_NS } from './parser.js';

type StaticKind = 'bool' | 'nodes' | 'num' | 'str' | 'any';

const BOOL_FNS = new Set(['not', 'exists', 'empty', 'boolean', 'true', 'false', 'matches', 'contains', 'starts-with', 'ends-with']);
const NUM_FNS = new Set(['count', 'sum', 'number', 'round', 'abs', 'string-length', 'position', 'last', 'floor', 'ceiling']);
const STR_FNS = new Set(['string', 'normalize-space', 'upper-case', 'lower-case', 'substring', 'concat', 'translate', 'name', 'local-name', 'substring-after', 'substring-before', 'replace', 'string-join']);

export function localOf(fname: string): string {
  return fname.slice(fname.indexOf(' ') + 1);
}
export function nsOf(fname: string): string {
  return fname.slice(0, fname.indexOf(' '));
}

export function staticKind(a: Ast): StaticKind {
  switch (a.t) {
    case 'bin':
      if (['and', 'or', '=', '!=', '<', '<=', '>', '>=', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(a.op)) return 'bool';
      if (a.op === '|') return 'nodes';
      return a.op === 'to' ? 'any' : 'num';
    case 'quant':
      return 'bool';
    case 'cast':
      return a.test ? 'bool' : a.type === 'string' ? 'str' : 'any';
    case 'instance':
      return 'bool';
    case 'step':
    case 'root':
      return 'nodes';
    case 'path':
      return staticKind(a.r) === 'nodes' ? 'nodes' : 'any';
    case 'lit':
      return typeof a.v === 'string' ? 'str' : 'num';
    case 'call': {
      const l = localOf(a.name);
      if (nsOf(a.name).startsWith('http://www.w3.org/2005/xpath-functions')) {
        if (BOOL_FNS.has(l)) return 'bool';
        if (NUM_FNS.has(l)) return 'num';
        if (STR_FNS.has(l)) return 'str';
      }
      return 'any';
    }
    case 'neg':
      return 'num';
    default:
      return 'any';
  }
}

export function usesPosition(a: Ast): boolean {
  if (a.t === 'call' && (localOf(a.name) === 'position' || localOf(a.name) === 'last') && a.args.length === 0) return true;
  // Nested predicates/steps have their own focus; only the top-level focus matters here.
  switch (a.t) {
    case 'bin':
      return usesPosition(a.l) || usesPosition(a.r);
    case 'neg':
      return usesPosition(a.e);
    case 'if':
      return usesPosition(a.c) || usesPosition(a.a) || usesPosition(a.b);
    case 'call':
      return a.args.some(usesPosition);
    case 'seq':
      return a.items.some(usesPosition);
    case 'cast':
    case 'instance':
      return usesPosition(a.e);
    case 'quant':
      return a.binds.some((b) => usesPosition(b.e)) || usesPosition(a.sat);
    case 'for':
      return a.binds.some((b) => usesPosition(b.e)) || usesPosition(a.ret);
    case 'path':
      return usesPosition(a.l);
    case 'filter':
      return usesPosition(a.base);
    default:
      return false;
  }
}

export const CONTEXT_FNS = new Set(['position', 'last', 'string', 'normalize-space', 'string-length', 'number', 'name', 'local-name', 'namespace-uri']);

/** Canonical text of an AST, as the memo key of context-free subexpressions. */
export function canon(a: Ast): string {
  return JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Dec ? `${v.toString()}d` : v));
}

/** Variables referenced but not bound inside `a`. */
export function freeVars(a: Ast, bound: Set<string>, out: Set<string>): void {
  switch (a.t) {
    case 'var':
      if (!bound.has(a.name)) out.add(a.name);
      return;
    case 'quant':
    case 'for': {
      const b = new Set(bound);
      for (const x of a.binds) {
        freeVars(x.e, b, out);
        b.add(x.name);
      }
      freeVars(a.t === 'quant' ? a.sat : a.ret, b, out);
      return;
    }
    default:
      for (const k of children(a)) freeVars(k, bound, out);
  }
}

export function children(a: Ast): Ast[] {
  switch (a.t) {
    case 'step':
      return a.preds;
    case 'filter':
      return [a.base, ...a.preds];
    case 'path':
    case 'bin':
      return [a.l, a.r];
    case 'neg':
    case 'cast':
    case 'instance':
      return [a.e];
    case 'if':
      return [a.c, a.a, a.b];
    case 'quant':
      return [...a.binds.map((b) => b.e), a.sat];
    case 'for':
      return [...a.binds.map((b) => b.e), a.ret];
    case 'call':
      return a.args;
    case 'seq':
      return a.items;
    default:
      return [];
  }
}

export function hasPath(a: Ast): boolean {
  return a.t === 'path' || children(a).some(hasPath);
}

export function nonPositional(p: Ast): boolean {
  const k = staticKind(p);
  return (k === 'bool' || k === 'nodes' || k === 'str') && !usesPosition(p);
}

/** The child steps of a union of non-positional child steps, or null. */
export function unionSteps(a: Ast): Ast[] | null {
  if (a.t === 'bin' && a.op === '|') {
    const l = unionSteps(a.l);
    const r = unionSteps(a.r);
    return l && r ? [...l, ...r] : null;
  }
  if (a.t === 'step' && a.axis === 'child' && a.preds.every(nonPositional)) return [a];
  return null;
}

/**
 * Whether `a` is made of literals and the pure builtins (or xs constructors) over them, with no path or
 * variable, and reads the focus at most through the zero-argument builtins in `focusReads`.
 */
function pureOver(a: Ast, focusReads: ReadonlySet<string>): boolean {
  switch (a.t) {
    case 'lit':
      return true;
    case 'call': {
      const ns = nsOf(a.name);
      const l = localOf(a.name);
      if (ns === XS_NS) return a.args.length === 1 && pureOver(a.args[0], focusReads);
      if (ns !== 'http://www.w3.org/2005/xpath-functions' || !BUILTINS[l]) return false;
      // Without arguments a builtin reads the focus (context item, position...), except true() and false().
      return a.args.length === 0 ? l === 'true' || l === 'false' || focusReads.has(l) : a.args.every((x) => pureOver(x, focusReads));
    }
    case 'seq':
    case 'bin':
    case 'neg':
    case 'if':
    case 'cast':
      return children(a).every((x) => pureOver(x, focusReads));
    default:
      return false;
  }
}

const NO_FOCUS = new Set<string>();
const NAME_FOCUS = new Set(['name', 'local-name', 'namespace-uri']);

/**
 * Whether `a` has the same value in every document and focus. The code lists of the rules
 * (`tokenize('AED AFN …', '\\s')`) are such values.
 */
export const constant = (a: Ast): boolean => pureOver(a, NO_FOCUS);

/** Whether `a` reads the focus at most through name(), local-name() and namespace-uri(). */
export const nameOnly = (a: Ast): boolean => pureOver(a, NAME_FOCUS);

/** `/descendant-or-self::node()`, the left side of a `//x` path from the root. */
export function isRootDescendants(a: Ast): boolean {
  return a.t === 'path' && a.l.t === 'root' && a.r.t === 'step' && a.r.axis === 'descendant-or-self' && a.r.test.kind === 'node';
}

/**
 * Whether `a` has the same value for every focus (it may still read variables): a numeric predicate
 * such as `$digits[$i + 1]` is then evaluated once, not once per item. Nested predicates and the right
 * side of a path have their own focus.
 */
export function focusFree(a: Ast): boolean {
  switch (a.t) {
    case 'lit':
    case 'var':
      return true;
    case 'ctx':
    case 'root':
    case 'step':
      return false;
    case 'path':
      return focusFree(a.l);
    case 'filter':
      return focusFree(a.base);
    case 'call':
      if (a.args.length === 0) {
        const l = localOf(a.name);
        return nsOf(a.name) === 'http://www.w3.org/2005/xpath-functions' && (l === 'true' || l === 'false');
      }
      return a.args.every(focusFree);
    default:
      return children(a).every(focusFree);
  }
}
