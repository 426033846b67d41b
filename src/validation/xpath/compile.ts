/**
 * Compiles XPath ASTs into JavaScript closures over the document model. Variables are resolved to
 * slots at compile time (globals per document, rule lets in the rule's frame, for/some/every and
 * function locals in the current frame), so evaluation does no name lookups. Paths starting with
 * `//name` use the document's element index instead of walking the tree.
 */
import { DOC, ELEM, XNode, nameKey } from '../dom.js';
import {
  CONTEXT_FNS,
  canon,
  children,
  constant,
  focusFree,
  freeVars,
  hasPath,
  isRootDescendants,
  localOf,
  nameOnly,
  nonPositional,
  nsOf,
  staticKind,
  unionSteps,
  usesPosition,
} from './analysis.js';
import { REVERSE, axisNodes, contextNode, sortUnique, testFn } from './axes.js';
import type { BFn, CompileEnv, Ctx, Dyn, Fn, Frame, Scope, XslKey } from './context.js';
import { Dec } from './decimal.js';
import { BUILTINS, type SFn } from './functions.js';
import { WIDE, attributeIndex, chainAny, chainCollect, childChain, childIndex } from './indexes.js';
import { type Ast, XS_NS, XPathSyntaxError } from './parser.js';
import { callUser } from './user-functions.js';
import {
  type ArithOp,
  type CmpOp,
  EMPTY,
  FALSE,
  type Item,
  type Seq,
  TRUE,
  Untyped,
  XPathError,
  arith,
  stringOf,
  castAtomic,
  castable,
  ebv,
  generalCompare,
  generalPair,
  isNumeric,
  negate,
  valuePair,
} from './values.js';

// What an idle reusable focus (see predicate()) points at instead of a document's frame and dynamic
// context; never read, as a focus taken for use gets the caller's frame and context first.
const IDLE_FRAME: Frame = { v: [], lets: null, home: null };
const IDLE_DYN = undefined as unknown as Dyn;

/** Wraps a context-independent evaluation so that it runs once per document (memo slot in the dynamic context). */
function memoized<T>(slot: number, f: (c: Ctx) => T): (c: Ctx) => T {
  return (c) => {
    const m = c.dyn.memo;
    const v = m[slot];
    if (v !== undefined) return v as T;
    const r = f(c);
    m[slot] = r;
    return r;
  };
}

/** A constant expression (see constant()), evaluated at first use and then shared by every document. */
function once(f: Fn): Fn {
  let v: Seq | undefined;
  return (c) => (v ??= f(c));
}

const NAME_CACHE_MAX = 10_000;

/**
 * A test that reads the focus only through its name (see nameOnly()), answered once per element name
 * and namespace: wildcard rule contexts such as `//*[ends-with(name(), 'Amount')]` run on every element.
 * Bounded, so that documents full of distinct names cannot grow it without limit.
 */
function byName(f: BFn): BFn {
  const seen = new Map<string, Map<string, boolean>>();
  let size = 0;
  return (c) => {
    const n = c.item;
    if (!(n instanceof XNode) || n.kind !== ELEM) return f(c);
    let m = seen.get(n.ns);
    let r = m?.get(n.qname);
    if (r !== undefined) return r;
    r = f(c);
    if (size < NAME_CACHE_MAX) {
      if (!m) seen.set(n.ns, (m = new Map()));
      m.set(n.qname, r);
      size++;
    }
    return r;
  };
}

export class Compiler {
  /** Number of memo slots the compiled expressions use per document. */
  memoCount = 0;
  private memoSlots = new Map<string, number>();

  constructor(readonly env: CompileEnv) {}

  /** A per-document memo slot of its own (an xsl:key's index). */
  allocMemo(): number {
    return this.memoCount++;
  }

  private onlyGlobals(a: Ast, scope: Scope): boolean {
    const vars = new Set<string>();
    freeVars(a, new Set(), vars);
    for (const v of vars) if (scope.lookup(v)?.kind !== 'global') return false;
    return true;
  }

  /** Whether `a` evaluates to the same value anywhere in one document. */
  private contextFree(a: Ast, scope: Scope): boolean {
    switch (a.t) {
      case 'lit':
      case 'root':
        return true;
      case 'var':
        return scope.lookup(a.name)?.kind === 'global';
      case 'ctx':
      case 'step':
      case 'quant':
      case 'for':
        return false;
      case 'path':
        return this.contextFree(a.l, scope) && this.onlyGlobals(a.r, scope);
      case 'filter':
        return this.contextFree(a.base, scope) && a.preds.every((p) => this.onlyGlobals(p, scope));
      case 'call':
        if (a.args.length === 0 && nsOf(a.name) === 'http://www.w3.org/2005/xpath-functions' && CONTEXT_FNS.has(localOf(a.name))) return false;
        return a.args.every((x) => this.contextFree(x, scope));
      default:
        return children(a).every((x) => this.contextFree(x, scope));
    }
  }

  private memoSlot(a: Ast, scope: Scope, kind: string): number | null {
    if (a.t === 'lit' || a.t === 'var' || a.t === 'root' || !hasPath(a) || !this.contextFree(a, scope)) return null;
    const key = kind + canon(a);
    let slot = this.memoSlots.get(key);
    if (slot === undefined) this.memoSlots.set(key, (slot = this.memoCount++));
    return slot;
  }

  /** The clauses of for/some/every: each sequence compiled in the scope of the variables bound before it. */
  private bindings(binds: { name: string; e: Ast }[], scope: Scope): { sc: Scope; slots: number[]; srcs: Fn[] } {
    const sc = scope.child();
    const slots: number[] = [];
    const srcs: Fn[] = [];
    for (const b of binds) {
      srcs.push(this.seq(b.e, sc));
      const slot = sc.alloc();
      sc.define(b.name, { kind: 'local', idx: slot });
      slots.push(slot);
    }
    return { sc, slots, srcs };
  }

  fail(msg: string): never {
    throw new XPathSyntaxError(msg, '');
  }

  // ---- predicates ----

  /** Compiles a list of predicates into a filter over an array in axis order. */
  private predicates(preds: Ast[], scope: Scope): ((items: Seq, c: Ctx) => Seq) | null {
    if (preds.length === 0) return null;
    const fs = preds.map((p) => this.predicate(p, scope));
    return (items, c) => {
      let cur = items;
      for (const f of fs) {
        if (cur.length === 0) return cur;
        cur = f(cur, c);
      }
      return cur;
    };
  }

  private predicate(p: Ast, scope: Scope): (items: Seq, c: Ctx) => Seq {
    if (p.t === 'lit' && typeof p.v === 'bigint') {
      const i = Number(p.v) - 1;
      return (items) => (i >= 0 && i < items.length ? [items[i]] : EMPTY);
    }
    if (p.t === 'call' && localOf(p.name) === 'last' && p.args.length === 0) {
      return (items) => (items.length ? [items[items.length - 1]] : EMPTY);
    }
    const kind = staticKind(p);
    if (kind === 'bool' || kind === 'nodes' || kind === 'str') {
      const b = this.bool(p, scope);
      // One focus object per predicate, reused unless the predicate is re-entered (recursion).
      let spare: Ctx | null = null;
      return (items, c) => {
        let c2 = spare;
        spare = null;
        if (c2 === null) c2 = { item: undefined, pos: 0, size: 0, frame: c.frame, dyn: c.dyn };
        else {
          c2.frame = c.frame;
          c2.dyn = c.dyn;
        }
        c2.size = items.length;
        let out: Item[] | null = null;
        for (let i = 0; i < items.length; i++) {
          c2.item = items[i];
          c2.pos = i + 1;
          if (b(c2)) {
            if (out !== null) out.push(items[i]);
          } else if (out === null) out = items.slice(0, i);
        }
        // The idle focus must not hold the document: this closure outlives every document it runs on.
        c2.item = undefined;
        c2.frame = IDLE_FRAME;
        c2.dyn = IDLE_DYN;
        spare = c2;
        return out === null ? items : out;
      };
    }
    const f = this.seq(p, scope);
    if (focusFree(p)) {
      // The same value for every item: a position selects one item (exactly as the loop below compares
      // it), any other value keeps all items or none by its effective boolean value.
      return (items, c) => {
        const v = f(c);
        if (v.length === 1 && isNumeric(v[0])) {
          const n = v[0];
          if (typeof n === 'bigint') return n >= 1n && n <= BigInt(items.length) ? [items[Number(n) - 1]] : EMPTY;
          if (typeof n === 'number') return Number.isInteger(n) && n >= 1 && n <= items.length ? [items[n - 1]] : EMPTY;
          const out: Item[] = [];
          for (let i = 0; i < items.length; i++) if ((n as Dec).cmp(Dec.fromBigInt(BigInt(i + 1))) === 0) out.push(items[i]);
          return out;
        }
        return ebv(v) ? items : EMPTY;
      };
    }
    return (items, c) => {
      const c2: Ctx = { item: undefined, pos: 0, size: items.length, frame: c.frame, dyn: c.dyn };
      const out: Item[] = [];
      for (let i = 0; i < items.length; i++) {
        c2.item = items[i];
        c2.pos = i + 1;
        const v = f(c2);
        if (v.length === 1 && isNumeric(v[0])) {
          const n = v[0];
          const eq = typeof n === 'bigint' ? n === BigInt(i + 1) : typeof n === 'number' ? n === i + 1 : (n as Dec).cmp(Dec.fromBigInt(BigInt(i + 1))) === 0;
          if (eq) out.push(items[i]);
        } else if (ebv(v)) out.push(items[i]);
      }
      return out;
    };
  }

  // ---- steps and paths ----

  /** A step applied to one context node. */
  private stepFn(a: Extract<Ast, { t: 'step' }>, scope: Scope): (n: XNode, c: Ctx) => Seq {
    const t = testFn(a.test, a.axis);
    const axis = a.axis;
    const preds = this.predicates(a.preds, scope);
    const reverse = REVERSE.has(axis);
    // Fast path: child::* is the node's element list itself (results are never mutated).
    if (axis === 'child' && !preds && a.test.kind === 'name' && a.test.ns === null && a.test.local === null) return (n) => n.elems;
    // Fast path: child::name, its predicates applied to the children of that name only.
    if (axis === 'child' && a.test.kind === 'name' && a.test.ns !== null && a.test.local !== null) {
      const key = nameKey(a.test.ns, a.test.local);
      if (preds) {
        const named = this.stepFn({ ...a, preds: [] }, scope);
        return (n, c) => preds(named(n, c), c);
      }
      return (n, c) => {
        const el = n.elems;
        if (el.length > WIDE) return childIndex(c.dyn.xdoc, n).get(key) ?? EMPTY;
        // Count first: most steps find none or one child, and an exact-size array is a third of a pushed one.
        let first = -1;
        let count = 0;
        for (let i = 0; i < el.length; i++) if (el[i].key === key && count++ === 0) first = i;
        if (count === 0) return EMPTY;
        if (count === 1) return [el[first]];
        const out = new Array<XNode>(count);
        for (let i = first, k = 0; k < count; i++) if (el[i].key === key) out[k++] = el[i];
        return out;
      };
    }
    if (axis === 'attribute' && !preds && a.test.kind === 'name' && a.test.ns === '' && a.test.local !== null) {
      const local = a.test.local;
      return (n) => {
        const at = n.attrs;
        for (let i = 0; i < at.length; i++) if (at[i].local === local && at[i].ns === '') return [at[i]];
        return EMPTY;
      };
    }
    if ((axis === 'preceding' || axis === 'following') && a.test.kind === 'name') {
      // Element name tests: scan the document's element index instead of walking the tree.
      const key = a.test.ns !== null && a.test.local !== null ? nameKey(a.test.ns, a.test.local) : null;
      return (n, c) => {
        const x = c.dyn.xdoc;
        const list = key !== null ? (x.byKey.get(key) ?? EMPTY) : x.elements;
        const out: XNode[] = [];
        if (axis === 'preceding') {
          for (let j = list.length - 1; j >= 0; j--) {
            const e = list[j] as XNode;
            if (e.order >= n.order || !t(e)) continue;
            let anc = false;
            for (let p = n.parent; p; p = p.parent) if (p === e) anc = true;
            if (!anc) out.push(e);
          }
        } else {
          let last = n;
          while (last.kind === ELEM && last.children.length) last = last.children[last.children.length - 1];
          for (let j = 0; j < list.length; j++) {
            const e = list[j] as XNode;
            if (e.order > last.order && t(e)) out.push(e);
          }
        }
        if (!preds) return reverse ? out.reverse() : out;
        const r = preds(out, c) as XNode[];
        return reverse ? r.slice().reverse() : r;
      };
    }
    return (n, c) => {
      const out: XNode[] = [];
      axisNodes(n, axis, t, out);
      if (!preds) return reverse ? out.reverse() : out;
      const r = preds(out, c) as XNode[];
      return reverse ? r.slice().reverse() : r;
    };
  }

  private flat(a: Ast): boolean {
    if (a.t === 'root' || a.t === 'ctx') return true;
    if (a.t === 'step') return a.axis === 'child' || a.axis === 'attribute' || a.axis === 'self' || a.axis === 'parent';
    if (a.t === 'path') return a.r.t === 'step' && (a.r.axis === 'child' || a.r.axis === 'attribute' || a.r.axis === 'self') && this.flat(a.l);
    return false;
  }

  private path(a: Extract<Ast, { t: 'path' }>, scope: Scope): Fn {
    const chain = childChain(a);
    if (chain) {
      return (c) => {
        const out: XNode[] = [];
        chainCollect(c.dyn.xdoc, contextNode(c), chain, 0, out);
        return out.length ? out : EMPTY;
      };
    }
    // E//(A | B) with non-positional child steps → E//A | E//B, so each branch can use the element index.
    if (a.l.t === 'path' && a.l.r.t === 'step' && a.l.r.axis === 'descendant-or-self' && a.l.r.test.kind === 'node' && a.l.r.preds.length === 0) {
      const branches = unionSteps(a.r);
      if (branches && branches.length > 1) {
        const l = a.l;
        const parts = branches.map((b): Ast => ({ t: 'path', l, r: b }));
        return this.seq(parts.reduce((x, y): Ast => ({ t: 'bin', op: '|', l: x, r: y })), scope);
      }
    }
    // //name (no positional predicates) → the document's element index.
    if (
      isRootDescendants(a.l) &&
      a.r.t === 'step' &&
      a.r.axis === 'child' &&
      a.r.test.kind === 'name' &&
      !a.r.preds.some((p) => staticKind(p) === 'num' || staticKind(p) === 'any' || usesPosition(p))
    ) {
      const test = a.r.test;
      const preds = this.predicates(a.r.preds, scope);
      const t = testFn(test, 'child');
      const key = test.ns !== null && test.local !== null ? nameKey(test.ns, test.local) : null;
      return (c) => {
        const x = c.dyn.xdoc;
        let nodes: Seq;
        if (key !== null) nodes = x.byKey.get(key) ?? EMPTY;
        else nodes = x.elements.filter(t);
        return preds ? preds(nodes, c) : nodes;
      };
    }
    // //@name → attributes of the indexed elements.
    if (
      isRootDescendants(a.l) &&
      a.r.t === 'step' &&
      a.r.axis === 'attribute' &&
      a.r.preds.every(nonPositional)
    ) {
      const t = testFn(a.r.test, 'attribute');
      const preds = this.predicates(a.r.preds, scope);
      const key = a.r.test.kind === 'name' && a.r.test.ns !== null && a.r.test.local !== null ? nameKey(a.r.test.ns, a.r.test.local) : null;
      return (c) => {
        let out: Seq;
        if (key !== null) out = attributeIndex(c.dyn.xdoc).get(key) ?? EMPTY;
        else {
          const all: XNode[] = [];
          for (const e of c.dyn.xdoc.elements) for (const at of e.attrs) if (t(at)) all.push(at);
          out = all;
        }
        return preds ? preds(out, c) : out;
      };
    }
    // E//name (non-positional) → descendant::name
    if (
      a.l.t === 'path' &&
      a.l.r.t === 'step' &&
      a.l.r.axis === 'descendant-or-self' &&
      a.l.r.test.kind === 'node' &&
      a.l.r.preds.length === 0 &&
      a.r.t === 'step' &&
      a.r.axis === 'child' &&
      !a.r.preds.some((p) => staticKind(p) === 'num' || staticKind(p) === 'any' || usesPosition(p))
    ) {
      return this.path({ t: 'path', l: a.l.l, r: { ...a.r, axis: 'descendant' } }, scope);
    }
    const left = this.seq(a.l, scope);
    const needSort = !(this.flat(a.l) && a.r.t === 'step' && (a.r.axis === 'child' || a.r.axis === 'attribute' || a.r.axis === 'self'));
    if (a.r.t === 'step') {
      const st = this.stepFn(a.r, scope);
      return (c) => {
        const l = left(c);
        if (l.length === 0) return EMPTY;
        if (l.length === 1) {
          const n = l[0];
          if (!(n instanceof XNode)) throw new XPathError('XPTY0019', 'A path step applied to an atomic value');
          return st(n, c);
        }
        const out: Item[] = [];
        for (let i = 0; i < l.length; i++) {
          const n = l[i];
          if (!(n instanceof XNode)) throw new XPathError('XPTY0019', 'A path step applied to an atomic value');
          const r = st(n, c);
          for (let j = 0; j < r.length; j++) out.push(r[j]);
        }
        return needSort ? sortUnique(out) : out;
      };
    }
    const right = this.seq(a.r, scope);
    return (c) => {
      const l = left(c);
      if (l.length === 0) return EMPTY;
      const c2: Ctx = { item: undefined, pos: 0, size: l.length, frame: c.frame, dyn: c.dyn };
      const out: Item[] = [];
      let nodes = 0;
      for (let i = 0; i < l.length; i++) {
        const n = l[i];
        if (!(n instanceof XNode)) throw new XPathError('XPTY0019', 'A path step applied to an atomic value');
        c2.item = n;
        c2.pos = i + 1;
        const r = right(c2);
        for (let j = 0; j < r.length; j++) if (r[j] instanceof XNode) nodes++;
        for (let j = 0; j < r.length; j++) out.push(r[j]);
      }
      if (nodes === 0) return out;
      if (nodes !== out.length) throw new XPathError('XPTY0018', 'A path mixes nodes and atomic values');
      return sortUnique(out);
    };
  }

  // ---- variables ----

  private variable(name: string, scope: Scope): Fn {
    const ref = scope.lookup(name);
    if (!ref) this.fail(`Unknown variable $${name}`);
    const idx = ref.idx;
    switch (ref.kind) {
      case 'global':
        return (c) => {
          const d = c.dyn;
          const v = d.globals[idx];
          if (v !== undefined) return v;
          if (d.globalBusy[idx]) throw new XPathError('XTDE0640', `Circular definition of global variable $${name}`);
          d.globalBusy[idx] = true;
          try {
            const r = d.globalFns[idx](d.rootCtx);
            d.globals[idx] = r;
            return r;
          } finally {
            d.globalBusy[idx] = false;
          }
        };
      case 'let':
        return (c) => {
          const f = c.frame;
          const v = f.v[idx];
          if (v !== undefined) return v;
          const r = f.lets![idx]!(f.home!);
          f.v[idx] = r;
          return r;
        };
      case 'local':
        return (c) => c.frame.v[idx]!;
    }
  }

  // ---- main entry points ----

  bool(a: Ast, scope: Scope): BFn {
    const slot = this.memoSlot(a, scope, 'b');
    const f = this.boolRaw(a, scope);
    if (slot !== null) return memoized(slot, f);
    return a.t !== 'lit' && nameOnly(a) && !constant(a) ? byName(f) : f;
  }

  private boolRaw(a: Ast, scope: Scope): BFn {
    switch (a.t) {
      case 'bin': {
        if (a.op === 'and') {
          const l = this.bool(a.l, scope);
          const r = this.bool(a.r, scope);
          return (c) => l(c) && r(c);
        }
        if (a.op === 'or') {
          const l = this.bool(a.l, scope);
          const r = this.bool(a.r, scope);
          return (c) => l(c) || r(c);
        }
        const cmp = this.comparison(a, scope);
        if (cmp) return cmp;
        break;
      }
      case 'call': {
        const l = localOf(a.name);
        if (nsOf(a.name) === 'http://www.w3.org/2005/xpath-functions') {
          if (l === 'not' && a.args.length === 1) {
            const b = this.bool(a.args[0], scope);
            return (c) => !b(c);
          }
          if (l === 'true' && a.args.length === 0) return () => true;
          if (l === 'false' && a.args.length === 0) return () => false;
          if ((l === 'exists' || l === 'boolean') && a.args.length === 1 && staticKind(a.args[0]) === 'nodes') {
            const lazy = this.lazyExists(a.args[0], scope);
            if (lazy) return lazy;
            const f = this.seq(a.args[0], scope);
            return (c) => f(c).length > 0;
          }
          if (l === 'empty' && a.args.length === 1) {
            const lazy = this.lazyExists(a.args[0], scope);
            if (lazy) return (c) => !lazy(c);
            const f = this.seq(a.args[0], scope);
            return (c) => f(c).length === 0;
          }
          if (l === 'exists' && a.args.length === 1) {
            const f = this.seq(a.args[0], scope);
            return (c) => f(c).length > 0;
          }
        }
        break;
      }
      case 'quant': {
        const { sc, slots, srcs } = this.bindings(a.binds, scope);
        const sat = this.bool(a.sat, sc);
        const every = a.every;
        const loop = (c: Ctx, k: number): boolean => {
          const items = srcs[k](c);
          for (let i = 0; i < items.length; i++) {
            c.frame.v[slots[k]] = [items[i]];
            const r = k + 1 < srcs.length ? loop(c, k + 1) : sat(c);
            if (every ? !r : r) return !every;
          }
          return every;
        };
        const probe = every || a.binds.length !== 1 ? null : this.codeListProbe(a.binds[0].name, a.sat, sc);
        if (probe) return this.codeListTest(srcs[0], probe, slots[0], sat);
        return (c) => loop(c, 0);
      }
    }
    if (a.t === 'path' || a.t === 'step') {
      const chain = childChain(a);
      if (chain) return (c) => chainAny(c.dyn.xdoc, contextNode(c), chain, 0);
    }
    if (staticKind(a) === 'nodes') {
      const lazy = this.lazyExists(a, scope);
      if (lazy) return lazy;
      const f = this.seq(a, scope);
      return (c) => f(c).length > 0;
    }
    const f = this.seq(a, scope);
    return (c) => ebv(f(c));
  }

  /**
   * Whether a child step with one non-numeric predicate (alone or ending a path) selects anything,
   * trying the candidates in order and stopping at the first that passes. The reference (Saxon)
   * evaluates exists(), empty() and boolean tests lazily, so a predicate that would raise a dynamic
   * error on a later candidate (normalize-space of two nodes, say) raises none there; neither does this.
   * Null for any other expression.
   */
  private lazyExists(a: Ast, scope: Scope): BFn | null {
    const step = a.t === 'step' ? a : a.t === 'path' && a.r.t === 'step' ? a.r : null;
    if (!step || step.axis !== 'child' || step.preds.length !== 1) return null;
    const p = step.preds[0];
    const kind = staticKind(p);
    if (kind !== 'bool' && kind !== 'nodes' && kind !== 'str') return null;
    const candidates = this.stepFn({ ...step, preds: [] }, scope);
    const test = this.bool(p, scope);
    const left = a.t === 'path' ? this.seq(a.l, scope) : null;
    return (c) => {
      const from = left ? left(c) : [contextNode(c)];
      const c2: Ctx = { item: undefined, pos: 0, size: 0, frame: c.frame, dyn: c.dyn };
      for (const n of from) {
        if (!(n instanceof XNode)) throw new XPathError('XPTY0019', 'A path step applied to an atomic value');
        const items = candidates(n, c);
        c2.size = items.length;
        for (let i = 0; i < items.length; i++) {
          c2.item = items[i];
          c2.pos = i + 1;
          if (test(c2)) return true;
        }
      }
      return false;
    };
  }

  /**
   * For `some $v in S satisfies E = $v` (or `$v = E`) with E free of $v, the rules' code-list checks
   * (`some $code in $ISO4217 satisfies @currencyID = $code`): E compiled on its own, else null.
   */
  private codeListProbe(v: string, sat: Ast, scope: Scope): Fn | null {
    if (sat.t !== 'bin' || sat.op !== '=') return null;
    const isV = (x: Ast): boolean => x.t === 'var' && x.name === v;
    const e = isV(sat.r) ? sat.l : isV(sat.l) ? sat.r : null;
    if (!e) return null;
    const free = new Set<string>();
    freeVars(e, new Set(), free);
    return free.has(v) ? null : this.seq(e, scope);
  }

  /**
   * The code-list quantifier: when S holds only strings and E only nodes or strings, every pair compares
   * as strings, so the answer is whether a string value of E is in S, evaluating E once instead of once
   * per code. Other item types take the general loop, whose comparisons may raise type errors in the
   * reference's order. S is evaluated first and E only when S is not empty, as the loop does.
   */
  private codeListTest(src: Fn, probe: Fn, slot: number, sat: BFn): BFn {
    // The last string-only S and its set: a constant list (see once()) is the same array in every document.
    let lastList: Seq | null = null;
    let lastSet: Set<string> | null = null;
    return (c) => {
      const list = src(c);
      if (list.length === 0) return false;
      let set: Set<string> | null = list === lastList ? lastSet : null;
      if (set === null && list.every((x) => typeof x === 'string')) {
        set = new Set(list as string[]);
        lastList = list;
        lastSet = set;
      }
      const values = set === null ? null : probe(c);
      if (set === null || values === null || !values.every((x) => typeof x === 'string' || x instanceof XNode || x instanceof Untyped)) {
        for (let i = 0; i < list.length; i++) {
          c.frame.v[slot] = [list[i]];
          if (sat(c)) return true;
        }
        return false;
      }
      for (let i = 0; i < values.length; i++) if (set.has(stringOf(values[i]))) return true;
      return false;
    };
  }

  private comparison(a: Extract<Ast, { t: 'bin' }>, scope: Scope): BFn | null {
    const general: Record<string, CmpOp> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
    const value: Record<string, CmpOp> = { eq: '=', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };
    const l = this.seq(a.l, scope);
    const r = this.seq(a.r, scope);
    if (general[a.op]) {
      const op = general[a.op];
      // string-function(...) = 'literal': compare the strings directly.
      if ((op === '=' || op === '!=') && a.r.t === 'lit' && typeof a.r.v === 'string') {
        const ls = this.str(a.l, scope);
        if (ls) {
          const lit = a.r.v;
          return op === '=' ? (c) => ls(c) === lit : (c) => ls(c) !== lit;
        }
      }
      // @name = 'literal': look the attribute up directly.
      if (
        (op === '=' || op === '!=') &&
        a.r.t === 'lit' &&
        typeof a.r.v === 'string' &&
        a.l.t === 'step' &&
        a.l.axis === 'attribute' &&
        a.l.preds.length === 0 &&
        a.l.test.kind === 'name' &&
        a.l.test.ns === '' &&
        a.l.test.local !== null
      ) {
        const lit = a.r.v;
        const local = a.l.test.local;
        const eq = op === '=';
        return (c) => {
          const at = contextNode(c).attrs;
          for (let i = 0; i < at.length; i++) if (at[i].local === local && at[i].ns === '') return (at[i].value === lit) === eq;
          return false;
        };
      }
      // node(s) = 'literal' / node(s) != 'literal': string comparison of each node's value.
      if ((op === '=' || op === '!=') && a.r.t === 'lit' && typeof a.r.v === 'string' && staticKind(a.l) === 'nodes') {
        const lit = a.r.v;
        const eq = op === '=';
        return (c) => {
          const x = l(c);
          for (let i = 0; i < x.length; i++) {
            const it = x[i];
            if (it instanceof XNode ? (it.stringValue() === lit) === eq : generalPair(it, lit, op)) return true;
          }
          return false;
        };
      }
      return (c) => generalCompare(l(c), r(c), op);
    }
    if (value[a.op]) {
      const op = value[a.op];
      return (c) => {
        const x = l(c);
        if (x.length === 0) return false;
        const y = r(c);
        if (y.length === 0) return false;
        if (x.length > 1 || y.length > 1) throw new XPathError('XPTY0004', 'Value comparison of a sequence of more than one item');
        return valuePair(x[0], y[0], op);
      };
    }
    return null;
  }

  seq(a: Ast, scope: Scope): Fn {
    const slot = this.memoSlot(a, scope, 's');
    const f = this.seqRaw(a, scope);
    if (slot !== null) return memoized(slot, f);
    return a.t !== 'lit' && constant(a) ? once(f) : f;
  }

  private seqRaw(a: Ast, scope: Scope): Fn {
    switch (a.t) {
      case 'lit': {
        const v: Seq = [a.v];
        return () => v;
      }
      case 'var':
        return this.variable(a.name, scope);
      case 'ctx':
        return (c) => {
          if (c.item === undefined) throw new XPathError('XPDY0002', 'The context item is absent');
          return [c.item];
        };
      case 'root':
        return (c) => {
          const it = c.item;
          if (!(it instanceof XNode)) throw new XPathError('XPDY0050', 'The context item is not a node');
          const r = it.root;
          if (r.kind !== DOC) throw new XPathError('XPDY0050', 'The root is not a document node');
          return [r];
        };
      case 'step': {
        const st = this.stepFn(a, scope);
        return (c) => {
          const it = c.item;
          if (!(it instanceof XNode)) {
            if (it === undefined) throw new XPathError('XPDY0002', 'The context item is absent');
            throw new XPathError('XPTY0020', 'An axis step on an atomic value');
          }
          return st(it, c);
        };
      }
      case 'path':
        return this.path(a, scope);
      case 'filter': {
        const base = this.seq(a.base, scope);
        const preds = this.predicates(a.preds, scope)!;
        return (c) => preds(base(c), c);
      }
      case 'seq': {
        if (a.items.length === 0) return () => EMPTY;
        const fs = a.items.map((i) => this.seq(i, scope));
        return (c) => {
          const out: Item[] = [];
          for (const f of fs) for (const x of f(c)) out.push(x);
          return out;
        };
      }
      case 'bin': {
        if (a.op === 'and' || a.op === 'or' || a.op in { '=': 1, '!=': 1, '<': 1, '<=': 1, '>': 1, '>=': 1, eq: 1, ne: 1, lt: 1, le: 1, gt: 1, ge: 1 }) {
          const b = this.bool(a, scope);
          return (c) => (b(c) ? TRUE : FALSE);
        }
        const l = this.seq(a.l, scope);
        const r = this.seq(a.r, scope);
        if (a.op === '|') {
          return (c) => {
            const x = l(c);
            const y = r(c);
            for (const i of x) if (!(i instanceof XNode)) throw new XPathError('XPTY0004', 'Union of non-nodes');
            for (const i of y) if (!(i instanceof XNode)) throw new XPathError('XPTY0004', 'Union of non-nodes');
            if (!x.length) return y;
            if (!y.length) return x;
            return sortUnique(x.concat(y));
          };
        }
        if (a.op === 'to') {
          return (c) => {
            const x = this.single(l(c), 'integer');
            const y = this.single(r(c), 'integer');
            if (x === null || y === null) return EMPTY;
            const out: Item[] = [];
            for (let i = x as bigint; i <= (y as bigint); i++) out.push(i);
            return out;
          };
        }
        const op = a.op as ArithOp;
        if (!['+', '-', '*', 'div', 'idiv', 'mod'].includes(op)) this.fail(`Unsupported operator '${a.op}'`);
        return (c) => {
          const x = l(c);
          if (x.length === 0) return EMPTY;
          const y = r(c);
          if (y.length === 0) return EMPTY;
          if (x.length > 1 || y.length > 1) throw new XPathError('XPTY0004', `Arithmetic '${op}' on a sequence of more than one item`);
          return [arith(op, x[0], y[0])];
        };
      }
      case 'neg': {
        const e = this.seq(a.e, scope);
        return (c) => {
          const x = e(c);
          if (x.length === 0) return EMPTY;
          if (x.length > 1) throw new XPathError('XPTY0004', 'Negation of a sequence of more than one item');
          return [negate(x[0])];
        };
      }
      case 'if': {
        const cond = this.bool(a.c, scope);
        const th = this.seq(a.a, scope);
        const el = this.seq(a.b, scope);
        return (c) => (cond(c) ? th(c) : el(c));
      }
      case 'quant': {
        const b = this.bool(a, scope);
        return (c) => (b(c) ? TRUE : FALSE);
      }
      case 'for': {
        const { sc, slots, srcs } = this.bindings(a.binds, scope);
        const ret = this.seq(a.ret, sc);
        const loop = (c: Ctx, k: number, out: Item[]): void => {
          const items = srcs[k](c);
          for (let i = 0; i < items.length; i++) {
            c.frame.v[slots[k]] = [items[i]];
            if (k + 1 < srcs.length) loop(c, k + 1, out);
            else for (const x of ret(c)) out.push(x);
          }
        };
        return (c) => {
          const out: Item[] = [];
          loop(c, 0, out);
          return out;
        };
      }
      case 'cast': {
        const e = this.seq(a.e, scope);
        const type = a.type;
        const optional = a.optional;
        if (a.test) {
          return (c) => {
            const x = e(c);
            if (x.length === 0) return optional ? TRUE : FALSE;
            if (x.length > 1) return FALSE;
            return castable(x[0], type) ? TRUE : FALSE;
          };
        }
        return (c) => {
          const x = e(c);
          if (x.length === 0) {
            if (optional) return EMPTY;
            throw new XPathError('XPTY0004', `Cast of an empty sequence to xs:${type}`);
          }
          if (x.length > 1) throw new XPathError('XPTY0004', `Cast of a sequence of more than one item to xs:${type}`);
          return [castAtomic(x[0], type)];
        };
      }
      case 'instance':
        this.fail("'instance of' is not supported");
        break;
      case 'call': {
        // exists() and empty() as values: the boolean forms, which stop at the first item (lazyExists).
        const l = localOf(a.name);
        if (nsOf(a.name) === 'http://www.w3.org/2005/xpath-functions' && (l === 'exists' || l === 'empty') && a.args.length === 1) {
          const b = this.bool(a, scope);
          return (c) => (b(c) ? TRUE : FALSE);
        }
        return this.call(a, scope);
      }
    }
    return this.fail(`Unsupported expression '${(a as Ast).t}'`);
  }

  private single(s: Seq, type: string): Item | null {
    if (s.length === 0) return null;
    if (s.length > 1) throw new XPathError('XPTY0004', `Expected one xs:${type}, got a sequence`);
    return castAtomic(s[0], type);
  }

  /** Direct string form of a call to a string-valued builtin; null when `a` is not one. */
  private str(a: Ast, scope: Scope): ((c: Ctx) => string) | null {
    if (a.t !== 'call' || nsOf(a.name) !== 'http://www.w3.org/2005/xpath-functions') return null;
    const def = BUILTINS[localOf(a.name)];
    if (!def?.str || a.args.length < def.min || a.args.length > def.max) return null;
    return def.str(
      a.args.map((x) => this.strArg(x, scope)),
      a.args.map((x) => this.seq(x, scope)),
    );
  }

  /** An argument as xs:string? (null when empty), without building sequences where possible. */
  private strArg(a: Ast, scope: Scope): SFn {
    if (a.t === 'lit' && typeof a.v === 'string') {
      const v = a.v;
      return () => v;
    }
    const direct = this.str(a, scope);
    if (direct) return direct;
    const f = this.seq(a, scope);
    return (c) => {
      const s = f(c);
      if (s.length === 0) return null;
      if (s.length > 1) throw new XPathError('XPTY0004', `A single string is required, got a sequence of ${s.length} items`);
      return stringOf(s[0]);
    };
  }

  private call(a: Extract<Ast, { t: 'call' }>, scope: Scope): Fn {
    const ns = nsOf(a.name);
    const local = localOf(a.name);
    if (ns === XS_NS) {
      if (a.args.length !== 1) this.fail(`xs:${local} takes one argument`);
      return this.seq({ t: 'cast', e: a.args[0], type: local, optional: true, test: false }, scope);
    }
    const user = this.env.functions.get(`${a.name}#${a.args.length}`);
    if (user) {
      const args = a.args.map((x) => this.seq(x, scope));
      return (c) => callUser(user, args.map((f) => f(c)), c.dyn);
    }
    if (ns === 'http://www.w3.org/2005/xpath-functions' && local === 'key' && a.args.length === 2) return this.keyCall(a, scope);
    if (ns === 'http://www.w3.org/2005/xpath-functions') {
      const def = BUILTINS[local];
      if (def && a.args.length >= def.min && a.args.length <= def.max && def.str) {
        const f = this.str(a, scope)!;
        return (c) => [f(c)];
      }
      if (def && a.args.length >= def.min && a.args.length <= def.max) {
        return def.compile(
          a.args.map((x) => this.seq(x, scope)),
          a.args,
        );
      }
      if (def) this.fail(`Function ${local}() does not take ${a.args.length} arguments`);
    }
    return this.fail(`Unknown function ${local}#${a.args.length} in namespace '${ns}'`);
  }

  /**
   * key('name', values) (XSLT 2.0 16.3.2): the nodes of the document the key's match pattern selects whose
   * use value equals one of the atomized values, in document order. The name must be a literal, as in
   * every rule file this engine loads; the third argument (another document) is not supported.
   */
  private keyCall(a: Extract<Ast, { t: 'call' }>, scope: Scope): Fn {
    const name = a.args[0]!;
    if (name.t !== 'lit' || typeof name.v !== 'string') return this.fail('key() with a name that is not a string literal');
    const key = this.env.keys?.get(name.v) ?? this.fail(`key('${name.v}') names no xsl:key`);
    const values = this.seq(a.args[1]!, scope);
    return (c) => {
      let index = c.dyn.memo[key.memo] as Map<string, XNode[]> | undefined;
      if (!index) c.dyn.memo[key.memo] = index = buildKeyIndex(key, c);
      const found = new Set<XNode>();
      for (const v of values(c)) for (const n of index.get(stringOf(v)) ?? []) found.add(n);
      return found.size <= 1 ? [...found] : [...found].sort((x, y) => x.order - y.order);
    };
  }
}

function buildKeyIndex(key: XslKey, c: Ctx): Map<string, XNode[]> {
  const index = new Map<string, XNode[]>();
  const frame: Frame = { v: new Array(key.slots.n), lets: null, home: null };
  for (const n of key.match!(c.dyn.rootCtx)) {
    if (!(n instanceof XNode)) continue;
    for (const v of key.use!({ item: n, pos: 1, size: 1, frame, dyn: c.dyn })) {
      const k = stringOf(v);
      const list = index.get(k);
      if (!list) index.set(k, [n]);
      else if (list[list.length - 1] !== n) list.push(n);
    }
  }
  return index;
}
