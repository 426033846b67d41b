/** Compiles the parts of a schematron into closures: rules (lets, context, asserts, messages) and xsl:function bodies. */
import { XNode, nameKey } from '../dom.js';
import type { Flag } from '../types.js';
import type { Compiler } from '../xpath/compile.js';
import { type BFn, type Ctx, type Fn, Scope, type UserFunction } from '../xpath/context.js';
import { parseXPath } from '../xpath/parser.js';
import { parseSeqType } from '../xpath/user-functions.js';
import { type Item, type Seq, Untyped, castAtomic, stringOf } from '../xpath/values.js';
import { type ChainTrie, absenceChains, addChain } from './absence.js';
import { compileMatcher, patternBranches } from './match.js';
import type { CompiledAssert, CompiledRule, MessagePart } from './model.js';
import { SCH_NS, type SchEl, XSL_NS, attr, kids, letValue, unsupported, wrap } from './source.js';

interface RawRule {
  el: SchEl;
  context: string;
  lets: { name: string; value: string }[];
  asserts: SchEl[];
}

export interface LoadState {
  ns: Record<string, string>;
  compiler: Compiler;
  globalScope: Scope;
  globalFns: Fn[];
  functions: Map<string, UserFunction>;
}

export function compileExpr(st: LoadState, src: string, scope: Scope, where: string): Fn {
  return wrap(where, () => st.compiler.seq(parseXPath(src, st.ns), scope));
}

function compileBoolExpr(st: LoadState, src: string, scope: Scope, where: string): BFn {
  return wrap(where, () => st.compiler.bool(parseXPath(src, st.ns), scope));
}

export function compileFunction(f: SchEl, st: LoadState): void {
  const key = (f as SchEl & { fnKey?: string }).fnKey!;
  const uf = st.functions.get(key)!;
  const where = `function ${uf.name}`;
  const scope = new Scope(null, uf.slots);
  const params = kids(f).filter((p) => p.ns === XSL_NS && p.local === 'param');
  for (const p of params) scope.define(attr(p, 'name')!, { kind: 'local', idx: scope.alloc() });
  const body = compileSequenceConstructor(
    kids(f).filter((k) => !(k.ns === XSL_NS && k.local === 'param')),
    st,
    scope,
    where,
  );
  uf.body = body;
}

/** xsl:variable / xsl:sequence / xsl:choose bodies, evaluated in order and concatenated. */
function compileSequenceConstructor(children: SchEl[], st: LoadState, scope: Scope, where: string): Fn {
  const parts: ({ kind: 'out'; f: Fn } | { kind: 'set'; slot: number; f: Fn })[] = [];
  let sc = scope;
  for (const k of children) {
    if (k.ns !== XSL_NS) unsupported(`Literal result element <${k.qname}> in a function`, where);
    switch (k.local) {
      case 'variable': {
        const sel = attr(k, 'select');
        const as = attr(k, 'as');
        let f: Fn;
        if (sel !== null) f = compileExpr(st, sel, sc, `${where} variable $${attr(k, 'name')}`);
        else if (k.elems.length) f = compileSequenceConstructor(k.elems, st, sc, `${where} variable $${attr(k, 'name')}`);
        else {
          const text = k.text;
          const v = [text];
          f = () => v;
        }
        if (as) {
          const t = parseSeqType(as, st.ns);
          const inner = f;
          f = (c) => convertTo(inner(c), t.atomic);
        }
        sc = sc.child();
        const slot = sc.alloc();
        sc.define(attr(k, 'name')!, { kind: 'local', idx: slot });
        parts.push({ kind: 'set', slot, f });
        break;
      }
      case 'sequence':
        parts.push({ kind: 'out', f: compileExpr(st, attr(k, 'select')!, sc, where) });
        break;
      // A text node's string: the functions that use these declare a string result, which atomizes it.
      case 'value-of': {
        if (attr(k, 'select') === null || k.elems.length) unsupported('xsl:value-of without a select, or with content', where);
        const sel = compileExpr(st, attr(k, 'select')!, sc, where);
        const sep = attr(k, 'separator') ?? ' ';
        parts.push({ kind: 'out', f: (c) => [sel(c).map(stringOf).join(sep)] });
        break;
      }
      case 'text': {
        const v = [k.text];
        parts.push({ kind: 'out', f: () => v });
        break;
      }
      case 'choose': {
        const branches: { test: BFn | null; body: Fn }[] = [];
        for (const w of k.elems) {
          if (w.local === 'when') branches.push({ test: compileBoolExpr(st, attr(w, 'test')!, sc, where), body: compileSequenceConstructor(w.elems, st, sc, where) });
          else if (w.local === 'otherwise') branches.push({ test: null, body: compileSequenceConstructor(w.elems, st, sc, where) });
          else unsupported(`xsl:${w.local} in xsl:choose`, where);
        }
        parts.push({
          kind: 'out',
          f: (c) => {
            for (const b of branches) if (!b.test || b.test(c)) return b.body(c);
            return [];
          },
        });
        break;
      }
      case 'if': {
        const test = compileBoolExpr(st, attr(k, 'test')!, sc, where);
        const body = compileSequenceConstructor(k.elems, st, sc, where);
        parts.push({ kind: 'out', f: (c) => (test(c) ? body(c) : []) });
        break;
      }
      default:
        unsupported(`xsl:${k.local} in a function body`, where);
    }
  }
  if (parts.length === 1 && parts[0].kind === 'out') return parts[0].f;
  return (c) => {
    const out: Item[] = [];
    for (const p of parts) {
      if (p.kind === 'set') c.frame.v[p.slot] = p.f(c);
      else for (const x of p.f(c)) out.push(x);
    }
    return out;
  };
}

function convertTo(seq: Seq, atomic: string | null): Seq {
  if (!atomic) return seq;
  return seq.map((i) => (i instanceof XNode || i instanceof Untyped ? castAtomic(i, atomic) : i));
}

export function rawRule(
  r: SchEl,
  abstractRules: Map<string, SchEl>,
  params: Map<string, string>,
  substitute: (s: string, p: Map<string, string>) => string,
  pid: string,
): RawRule {
  const context = attr(r, 'context');
  const where = `pattern ${pid}, rule ${context ?? attr(r, 'id') ?? '?'}`;
  if (context === null) unsupported('A rule without a context', where);
  const lets: { name: string; value: string }[] = [];
  const asserts: SchEl[] = [];
  const collect = (el: SchEl, depth: number): void => {
    for (const k of kids(el)) {
      if (k.ns !== SCH_NS) unsupported(`Element <${k.qname}> in a rule`, where);
      if (k.local === 'let') lets.push({ name: attr(k, 'name')!, value: substitute(letValue(k, where), params) });
      else if (k.local === 'assert' || k.local === 'report') asserts.push(k);
      else if (k.local === 'extends') {
        const base = abstractRules.get(attr(k, 'rule') ?? '');
        if (!base || depth > 10) unsupported(`<extends rule="${attr(k, 'rule')}"> refers to no abstract rule`, where);
        collect(base, depth + 1);
      } else if (k.local !== 'title' && k.local !== 'p') unsupported(`Element <${k.local}> in a rule`, where);
    }
  };
  collect(r, 0);
  return { el: r, context: substitute(context, params), lets, asserts };
}

export function compileRule(
  raw: RawRule,
  st: LoadState,
  params: Map<string, string>,
  substitute: (s: string, p: Map<string, string>) => string,
  el: SchEl,
): CompiledRule {
  const where = `rule context="${raw.context.replace(/\s+/g, ' ').trim().slice(0, 120)}"`;
  const slots = { n: 0 };
  const scope = new Scope(st.globalScope, slots);
  // Rule lets live in the rule's frame and are evaluated lazily, in the rule context.
  const lets: (Fn | undefined)[] = [];
  let letScope = scope;
  for (const l of raw.lets) {
    const f = compileExpr(st, l.value, letScope, `${where}, let $${l.name}`);
    letScope = letScope.child();
    const slot = letScope.alloc();
    letScope.define(l.name, { kind: 'let', idx: slot });
    lets[slot] = f;
  }
  // Context pattern: compiled against the global scope (rule lets are not visible there).
  const ctxAst = wrap(where, () => parseXPath(raw.context, st.ns));
  const branches = patternBranches(ctxAst, where);
  const matchers: ((n: XNode, c: Ctx) => boolean)[] = [];
  const keys: (string | null)[] = [];
  for (const br of branches) {
    const last = br.steps[br.steps.length - 1];
    if (last.axis !== 'child' || last.test.kind !== 'name') unsupported('A rule context that matches non-element nodes', where);
    keys.push(last.test.ns !== null && last.test.local !== null ? nameKey(last.test.ns, last.test.local) : null);
    matchers.push(compileMatcher(br, st, where));
  }
  let absence: ChainTrie | null = null;
  let absenceCount = 0;
  const asserts: CompiledAssert[] = raw.asserts.map((a) => {
    const id = substitute(attr(a, 'id') ?? '', params);
    const aw = `${where}, assert ${id}`;
    const src = substitute(attr(a, 'test') ?? unsupported('assert without test', aw), params);
    const test = compileBoolExpr(st, src, letScope, aw);
    let absent = -1;
    const chains = absenceChains(parseXPath(src, st.ns));
    if (chains) {
      absence ??= { next: new Map(), ends: [], attrs: new Map() };
      absent = absenceCount++;
      for (const ch of chains) addChain(absence, ch, absent);
    }
    const flagAttr = substitute(attr(a, 'flag') ?? attr(el, 'flag') ?? '', params);
    const flag: Flag = flagAttr === 'warning' || flagAttr === 'information' ? 'warning' : 'fatal';
    return { id, flag, report: a.local === 'report', test, absent, message: compileMessage(a, st, letScope, aw) };
  });
  return { context: raw.context, matchers, keys, slots, lets, asserts, absence, absenceCount };
}

function compileMessage(a: SchEl, st: LoadState, scope: Scope, where: string): MessagePart[] {
  const parts: MessagePart[] = [];
  for (const ch of a.children) {
    if (typeof ch === 'string') parts.push(ch);
    else if (ch.ns === SCH_NS && ch.local === 'value-of') parts.push({ select: compileExpr(st, attr(ch, 'select')!, scope, where) });
    else if (ch.ns === SCH_NS && ch.local === 'name') {
      const p = attr(ch, 'path');
      parts.push({ name: p ? compileExpr(st, p, scope, where) : null });
    } else if (ch.ns === SCH_NS && (ch.local === 'emph' || ch.local === 'dir' || ch.local === 'span')) parts.push(ch.text);
    else unsupported(`Element <${ch.qname}> in an assert message`, where);
  }
  return parts;
}
