/**
 * Loads an ISO Schematron file (query binding xslt2) and compiles it: namespaces, global and pattern
 * lets, xsl:function definitions, abstract patterns instantiated through is-a/param, abstract rules
 * through extends, and every rule context (as an XSLT match pattern) and assert/report test into
 * closures. Evaluation follows the ISO skeleton the reference runs: per pattern, nodes in document
 * order, the first matching rule wins, asserts in order; the SVRL location of the context node.
 *
 * Anything the compiler cannot handle throws ApError('validation.unsupported-construct') naming the
 * construct and rule, at load time.
 */
import { readFileSync } from 'node:fs';
import { ApError } from '../errors.js';
import { ELEM, XNode, keyId, lineColumn, nameKey, svrlLocation, type XDocument } from './dom.js';
import { type SchEl, readSchematronTree } from './sch-source.js';
import { staticKind } from './xpath/analysis.js';
import { Compiler } from './xpath/compile.js';
import { type BFn, type Ctx, type Dyn, type Fn, type Frame, Scope, type UserFunction } from './xpath/context.js';
import { type Ast, type NodeTest, parseXPath } from './xpath/parser.js';
import { callUser, parseSeqType } from './xpath/user-functions.js';
import { type Item, type Seq, Untyped, XPathError, castAtomic, ebv, isNumeric, stringOf } from './xpath/values.js';
import { FindingCap, type Flag, type ValidationIssue, type ValidationLayer } from './types.js';

const SCH_NS = 'http://purl.oclc.org/dsdl/schematron';
const XSL_NS = 'http://www.w3.org/1999/XSL/Transform';

type MessagePart = string | { select: Fn } | { name: Fn | null };

interface CompiledAssert {
  id: string;
  flag: Flag;
  report: boolean;
  test: BFn;
  /** Index of the assert's `not(child path)` in its rule's absence trie (see ChainTrie), or -1. */
  absent: number;
  message: MessagePart[];
}

/**
 * The tests `not(a/b/c)` and `not((a|b)/c/@x)` of a rule (pure child name paths, without predicates,
 * possibly ending in an attribute): the root rule of EN 16931 has 700 of them, the UBL-CR restrictions.
 * One walk over the context node's matching descendants finds which paths exist, instead of one path
 * evaluation per test.
 */
interface ChainTrie {
  next: Map<string, ChainTrie>;
  /** Tests satisfied when an element reaches this node. */
  ends: number[];
  /** Tests satisfied when an element reaching this node has the attribute (no namespace) of that name. */
  attrs: Map<string, number[]>;
}

interface Chain {
  keys: string[];
  attr: string | null;
}

/** The child name paths a relative path expression is the union of; null if it is not of that form. */
function childChains(a: Ast): Chain[] | null {
  if (a.t === 'bin' && a.op === '|') {
    const l = childChains(a.l);
    const r = childChains(a.r);
    return l && r ? [...l, ...r] : null;
  }
  if (a.t === 'step') {
    if (a.preds.length || a.axis !== 'child' || a.test.kind !== 'name' || a.test.ns === null || a.test.local === null) return null;
    return [{ keys: [nameKey(a.test.ns, a.test.local)], attr: null }];
  }
  if (a.t !== 'path') return null;
  const l = childChains(a.l);
  if (!l || l.some((x) => x.attr !== null)) return null;
  const r = a.r;
  if (r.t === 'step' && r.axis === 'attribute') {
    if (r.preds.length || r.test.kind !== 'name' || r.test.ns !== '' || r.test.local === null) return null;
    const attr = r.test.local;
    return l.map((x) => ({ keys: x.keys, attr }));
  }
  const rs = childChains(r);
  return rs && l.flatMap((x) => rs.map((y) => ({ keys: [...x.keys, ...y.keys], attr: y.attr })));
}

function absenceChains(test: Ast): Chain[] | null {
  return test.t === 'call' && test.name === 'http://www.w3.org/2005/xpath-functions not' && test.args.length === 1 ? childChains(test.args[0]) : null;
}

function addChain(trie: ChainTrie, ch: Chain, id: number): void {
  let t = trie;
  for (const k of ch.keys) {
    let n = t.next.get(k);
    if (!n) t.next.set(k, (n = { next: new Map(), ends: [], attrs: new Map() }));
    t = n;
  }
  if (ch.attr === null) t.ends.push(id);
  else {
    const l = t.attrs.get(ch.attr);
    if (l) l.push(id);
    else t.attrs.set(ch.attr, [id]);
  }
}

/** Marks in `found` the tests of `trie` whose path exists below `n`. */
function walkChains(n: XNode, trie: ChainTrie, found: Uint8Array): void {
  const el = n.elems;
  for (let i = 0; i < el.length; i++) {
    const t = trie.next.get(el[i].key);
    if (t === undefined) continue;
    for (const id of t.ends) found[id] = 1;
    if (t.attrs.size) for (const at of el[i].attrs) if (at.ns === '') for (const id of t.attrs.get(at.local) ?? []) found[id] = 1;
    if (t.next.size) walkChains(el[i], t, found);
  }
}

interface CompiledRule {
  context: string;
  matchers: ((n: XNode, c: Ctx) => boolean)[];
  /** Keys of the final step of each union branch; null when a branch ends in a wildcard. */
  keys: (string | null)[];
  slots: { n: number };
  lets: (Fn | undefined)[];
  asserts: CompiledAssert[];
  /** The `not(child path)` tests of the asserts (see ChainTrie), and how many there are. */
  absence: ChainTrie | null;
  absenceCount: number;
}

/**
 * A rule as a candidate for one element name: only the union branches whose final step can match that
 * name (its own key or a wildcard), so a context like `A | B | C` tries one branch, not three.
 */
interface Candidate {
  rule: CompiledRule;
  matchers: ((n: XNode, c: Ctx) => boolean)[];
}

function candidates(rules: CompiledRule[], key: string | null): Candidate[] {
  return rules.map((rule) => ({ rule, matchers: rule.matchers.filter((_, i) => rule.keys[i] === null || rule.keys[i] === key) }));
}

interface CompiledPattern {
  id: string;
  rules: CompiledRule[];
  dispatch: Map<string, CompiledRule[]>;
  wildcard: CompiledRule[];
}

export interface CompiledSchema {
  layer: ValidationLayer;
  title: string;
  patterns: CompiledPattern[];
  globalFns: Fn[];
  /** Slots for for/some/every variables in global lets and rule-context predicates. */
  globalSlots: { n: number };
  /** Memo slots of context-free subexpressions, per document. */
  memoCount: number;
  ruleCount: number;
  assertCount: number;
  /** Per element key id: the patterns with candidate rules for it, as [pattern index, rules in order]. */
  dispatchByKid: ([number, Candidate[]][] | undefined)[];
  /** For element names no rule names: the patterns with wildcard rules. */
  dispatchOther: [number, Candidate[]][];
  /** Functions the schematron defines (xsl:function), by "uri local#arity". */
  functions: Map<string, UserFunction>;
  ns: Record<string, string>;
}

function unsupported(msg: string, where: string): never {
  throw new ApError('validation.unsupported-construct', `${msg} (${where})`, { where });
}

function attr(e: SchEl, name: string): string | null {
  return e.attrs[name] ?? null;
}

function kids(e: SchEl): SchEl[] {
  return e.elems;
}

// ---- match patterns (rule contexts) ----

interface PatStep {
  /** Separator before this step towards its left neighbour: '/' parent, '//' any ancestor. */
  sep: '/' | '//' | null;
  test: NodeTest;
  axis: 'child' | 'attribute';
  preds: Ast[];
}

/** Splits an XSLT pattern AST into union branches of steps, right to left. */
function patternBranches(a: Ast, where: string): { anchor: 'root' | 'none'; steps: PatStep[] }[] {
  if (a.t === 'bin' && a.op === '|') return [...patternBranches(a.l, where), ...patternBranches(a.r, where)];
  if (a.t === 'filter') {
    // XSLT 3 pattern (A | B)[p]: the predicate applies to the node each branch matches.
    return patternBranches(a.base, where).map((b) => {
      const steps = b.steps.slice();
      const last = steps[steps.length - 1];
      steps[steps.length - 1] = { ...last, preds: [...last.preds, ...a.preds] };
      return { anchor: b.anchor, steps };
    });
  }
  const steps: PatStep[] = [];
  let anchor = 'none' as 'root' | 'none';
  let pendingSep: '/' | '//' = '/';
  const walk = (x: Ast): void => {
    if (x.t === 'path') {
      walk(x.l);
      // descendant-or-self::node() marks '//'
      if (x.r.t === 'step' && x.r.axis === 'descendant-or-self' && x.r.test.kind === 'node' && x.r.preds.length === 0) {
        pendingSep = '//';
        return;
      }
      walk(x.r);
      return;
    }
    if (x.t === 'root') {
      anchor = 'root';
      return;
    }
    if (x.t === 'step' && (x.axis === 'child' || x.axis === 'attribute')) {
      steps.push({ sep: steps.length === 0 && anchor === 'none' && pendingSep === '/' ? null : pendingSep, test: x.test, axis: x.axis, preds: x.preds });
      pendingSep = '/';
      return;
    }
    unsupported(`Unsupported construct in a rule context (${x.t === 'step' ? x.axis + ' axis' : x.t})`, where);
  };
  walk(a);
  if (steps.length === 0) unsupported('A rule context that matches the document node', where);
  // A leading '//' means "any ancestor": same as no anchor for element nodes.
  if (anchor === 'root' && steps[0].sep === '//') {
    anchor = 'none';
    steps[0].sep = null;
  }
  if (anchor === 'root') steps[0].sep = '/';
  return [{ anchor, steps }];
}

// ---- loader ----

interface RawRule {
  el: SchEl;
  context: string;
  lets: { name: string; value: string }[];
  asserts: SchEl[];
}

interface LoadState {
  ns: Record<string, string>;
  compiler: Compiler;
  globalScope: Scope;
  globalFns: Fn[];
  functions: Map<string, UserFunction>;
}

export function loadSchematron(file: string, layer: ValidationLayer): CompiledSchema {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ApError('validation.artifacts-missing', `Cannot read schematron ${file}: ${(e as Error).message}`);
  }
  return compileSchematron(text, layer, file);
}

export function compileSchematron(text: string, layer: ValidationLayer, source = 'schematron'): CompiledSchema {
  const schema = readSchematronTree(text);
  if (schema.ns !== SCH_NS || schema.local !== 'schema') unsupported('Not an ISO schematron schema', source);
  const qb = attr(schema, 'queryBinding');
  if (qb && !['xslt2', 'xslt3', 'xpath2'].includes(qb.toLowerCase())) unsupported(`Query binding '${qb}'`, source);

  const ns: Record<string, string> = { xs: 'http://www.w3.org/2001/XMLSchema', fn: 'http://www.w3.org/2005/xpath-functions' };
  for (const e of kids(schema)) if (e.ns === SCH_NS && e.local === 'ns') ns[attr(e, 'prefix')!] = attr(e, 'uri')!;

  const functions = new Map<string, UserFunction>();
  const compiler = new Compiler({ functions });
  const globalScope = new Scope(null, { n: 0 });
  const st: LoadState = { ns, compiler, globalScope, globalFns: [], functions };

  const defineGlobal = (name: string, value: string, where: string): void => {
    if (globalScope.lookup(name)) unsupported(`Duplicate global variable $${name}`, where);
    const idx = st.globalFns.length;
    globalScope.define(name, { kind: 'global', idx });
    st.globalFns.push(() => {
      throw new Error('not compiled');
    });
    pendingGlobals.push({ idx, value, where });
  };
  const pendingGlobals: { idx: number; value: string; where: string }[] = [];

  // Abstract patterns and rules, by id.
  const abstractPatterns = new Map<string, SchEl>();
  const abstractRules = new Map<string, SchEl>();
  for (const e of kids(schema)) {
    if (e.ns === SCH_NS && e.local === 'pattern' && attr(e, 'abstract') === 'true') abstractPatterns.set(attr(e, 'id') ?? '', e);
    if (e.ns === SCH_NS && e.local === 'pattern')
      for (const r of kids(e)) if (r.local === 'rule' && attr(r, 'abstract') === 'true') abstractRules.set(attr(r, 'id') ?? '', r);
  }

  // Pass 1: declarations.
  const patternEls: { el: SchEl; self: SchEl; params: Map<string, string> }[] = [];
  const functionEls: SchEl[] = [];
  for (const e of kids(schema)) {
    if (e.ns === XSL_NS && e.local === 'function') {
      functionEls.push(e);
      continue;
    }
    if (e.ns === XSL_NS) unsupported(`XSLT element xsl:${e.local} at schema level`, source);
    if (e.ns !== SCH_NS) continue;
    switch (e.local) {
      case 'ns':
      case 'title':
      case 'p':
      case 'phase':
      case 'diagnostics':
        break;
      case 'let':
        defineGlobal(attr(e, 'name')!, letValue(e, source), `let $${attr(e, 'name')}`);
        break;
      case 'pattern': {
        if (attr(e, 'abstract') === 'true') break;
        const isA = attr(e, 'is-a');
        if (isA) {
          const base = abstractPatterns.get(isA);
          if (!base) unsupported(`Pattern is-a '${isA}' refers to no abstract pattern`, source);
          const params = new Map<string, string>();
          for (const p of kids(e)) if (p.local === 'param') params.set(attr(p, 'name')!, attr(p, 'value') ?? '');
          patternEls.push({ el: base, self: e, params });
        } else patternEls.push({ el: e, self: e, params: new Map() });
        break;
      }
      case 'include':
      case 'extends':
        unsupported(`<${e.local}> at schema level`, source);
        break;
      default:
        unsupported(`Unknown schematron element <${e.local}>`, source);
    }
  }

  // A default phase other than #ALL restricts the active patterns, as the compiled XSLT does.
  const phase = attr(schema, 'defaultPhase');
  if (phase && phase !== '#ALL') {
    const ph = kids(schema).find((e) => e.ns === SCH_NS && e.local === 'phase' && attr(e, 'id') === phase);
    if (!ph) unsupported(`defaultPhase '${phase}' names no phase`, source);
    if (ph.elems.some((k) => k.local === 'let')) unsupported(`Phase-level <let> in phase '${phase}'`, source);
    const active = new Set(ph.elems.filter((k) => k.local === 'active').map((k) => attr(k, 'pattern')));
    for (let i = patternEls.length - 1; i >= 0; i--) if (!active.has(attr(patternEls[i].self, 'id'))) patternEls.splice(i, 1);
  }
  // Pattern-level lets are global variables in the compiled XSLT.
  const substitute = (s: string, params: Map<string, string>): string => {
    if (!params.size) return s;
    const names = [...params.keys()].sort((a, b) => b.length - a.length);
    return s.replace(/\$([A-Za-z_][\w.-]*)/g, (m, n: string) => {
      for (const k of names) if (n === k) return params.get(k)!;
      return m;
    });
  };
  for (const { el, params } of patternEls)
    for (const l of kids(el)) if (l.local === 'let') defineGlobal(attr(l, 'name')!, substitute(letValue(l, source), params), `let $${attr(l, 'name')}`);

  // Functions: declare all first (they may call each other), then compile bodies.
  for (const f of functionEls) {
    const qn = attr(f, 'name')!;
    const i = qn.indexOf(':');
    if (i < 0 || !ns[qn.slice(0, i)]) unsupported(`Function name '${qn}' has no declared namespace prefix`, source);
    const params = kids(f).filter((p) => p.ns === XSL_NS && p.local === 'param');
    const fnName = `${ns[qn.slice(0, i)]} ${qn.slice(i + 1)}#${params.length}`;
    const as = attr(f, 'as');
    functions.set(fnName, {
      name: qn,
      arity: params.length,
      paramTypes: params.map((p) => (attr(p, 'as') ? parseSeqType(attr(p, 'as')!, ns) : null)),
      resultType: as ? parseSeqType(as, ns) : null,
      slots: { n: 0 },
      body: null,
    });
    (f as SchEl & { fnKey?: string }).fnKey = fnName;
  }
  for (const f of functionEls) compileFunction(f, st);

  for (const g of pendingGlobals) st.globalFns[g.idx] = compileExpr(st, g.value, globalScope, g.where);

  // Patterns and rules.
  const patterns: CompiledPattern[] = [];
  let ruleCount = 0;
  let assertCount = 0;
  for (const { el, self, params } of patternEls) {
    const pid = attr(self, 'id') ?? '';
    const rules: CompiledRule[] = [];
    for (const r of kids(el)) {
      if (r.ns !== SCH_NS) unsupported(`Element <${r.qname}> in a pattern`, `pattern ${pid}`);
      if (r.local === 'let' || r.local === 'title' || r.local === 'p' || r.local === 'param') continue;
      if (r.local !== 'rule') unsupported(`Element <${r.local}> in a pattern`, `pattern ${pid}`);
      if (attr(r, 'abstract') === 'true') continue;
      const raw = rawRule(r, abstractRules, params, substitute, pid);
      rules.push(compileRule(raw, st, params, substitute, r));
      ruleCount++;
      assertCount += rules[rules.length - 1].asserts.length;
    }
    const dispatch = new Map<string, CompiledRule[]>();
    const wildcard = rules.filter((r) => r.keys.includes(null));
    const allKeys = new Set<string>();
    for (const r of rules) for (const k of r.keys) if (k !== null) allKeys.add(k);
    for (const k of allKeys) dispatch.set(k, rules.filter((r) => r.keys.includes(k) || r.keys.includes(null)));
    patterns.push({ id: pid, rules, dispatch, wildcard });
  }
  const title = kids(schema).find((e) => e.local === 'title')?.text.trim() ?? '';
  const dispatchByKid: ([number, Candidate[]][] | undefined)[] = [];
  const dispatchOther: [number, Candidate[]][] = [];
  patterns.forEach((p, i) => {
    if (p.wildcard.length) dispatchOther.push([i, candidates(p.wildcard, null)]);
  });
  const allKeys = new Set<string>();
  for (const p of patterns) for (const k of p.dispatch.keys()) allKeys.add(k);
  for (const k of allKeys) {
    const entry: [number, Candidate[]][] = [];
    patterns.forEach((p, i) => {
      const rules = p.dispatch.get(k) ?? p.wildcard;
      if (rules.length) entry.push([i, candidates(rules, k)]);
    });
    dispatchByKid[keyId(k)] = entry;
  }
  return { layer, title, patterns, globalFns: st.globalFns, globalSlots: globalScope.frameSlots!, memoCount: compiler.memoCount, ruleCount, assertCount, dispatchByKid, dispatchOther, functions, ns };
}

function letValue(e: SchEl, where: string): string {
  const v = attr(e, 'value');
  if (v === null) unsupported(`<let name="${attr(e, 'name')}"> without a value attribute`, where);
  return v;
}

function compileExpr(st: LoadState, src: string, scope: Scope, where: string): Fn {
  return wrap(where, () => st.compiler.seq(parseXPath(src, st.ns), scope));
}

function compileBoolExpr(st: LoadState, src: string, scope: Scope, where: string): BFn {
  return wrap(where, () => st.compiler.bool(parseXPath(src, st.ns), scope));
}

function wrap<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ApError) throw e;
    unsupported((e as Error).message, where);
  }
}

function compileFunction(f: SchEl, st: LoadState): void {
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

function rawRule(
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

function compileRule(
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

function compileMatcher(br: { anchor: 'root' | 'none'; steps: PatStep[] }, st: LoadState, where: string): (n: XNode, c: Ctx) => boolean {
  const steps = br.steps.map((s) => {
    const t = s.test;
    const key = t.ns !== null && t.local !== null ? nameKey(t.ns, t.local) : null;
    const test = (n: XNode): boolean => {
      if (n.kind !== ELEM) return false;
      if (key !== null) return n.key === key;
      if (t.ns !== null && n.ns !== t.ns) return false;
      if (t.local !== null && n.local !== t.local) return false;
      return true;
    };
    const preds = s.preds.map((p): BFn => {
      const k = staticKind(p);
      if (k === 'bool' || k === 'nodes' || k === 'str') return wrap(where, () => st.compiler.bool(p, st.globalScope));
      // Possibly numeric: a number means a position among the siblings passing the node test.
      const f = wrap(where, () => st.compiler.seq(p, st.globalScope));
      return (c) => {
        const v = f(c);
        if (v.length === 1 && isNumeric(v[0])) {
          const n = c.item as XNode;
          let pos = 1;
          for (const sib of n.parent?.elems ?? []) {
            if (sib === n) break;
            if (test(sib)) pos++;
          }
          return Number(v[0] instanceof Object ? (v[0] as { toNumber(): number }).toNumber() : v[0]) === pos;
        }
        return ebv(v);
      };
    });
    return { sep: s.sep, test, preds };
  });
  const evalPreds = (i: number, n: XNode, c: Ctx): boolean => {
    const ps = steps[i].preds;
    if (!ps.length) return true;
    // `c` is the document's dispatch context: only its frame and dyn matter, so the focus is set in place.
    for (const p of ps) {
      c.item = n;
      c.pos = 1;
      c.size = 1;
      if (!p(c)) return false;
    }
    return true;
  };
  const match = (n: XNode, i: number, c: Ctx): boolean => {
    const s = steps[i];
    if (!s.test(n) || !evalPreds(i, n, c)) return false;
    if (s.sep === null) return true;
    const p = n.parent;
    if (!p) return false;
    if (i === 0) return s.sep === '/' ? p.parent === null : true; // anchored at the document node
    if (s.sep === '/') return p.kind === ELEM && match(p, i - 1, c);
    for (let a: XNode | null = p; a && a.kind === ELEM; a = a.parent) if (match(a, i - 1, c)) return true;
    return false;
  };
  const last = steps.length - 1;
  // XSLT: a dynamic error while matching a pattern means the pattern does not match that node (the
  // reference then goes on with the next rule), unlike an error in an assert, which aborts the run.
  return (n, c) => {
    try {
      return match(n, last, c);
    } catch (e) {
      if (e instanceof XPathError) return false;
      throw e;
    }
  };
}

// ---- evaluation ----

/** Calls a function the schematron defines (e.g. 'u:gln') on a parsed document context (tests, tools). */
export function invokeFunction(schema: CompiledSchema, qname: string, args: Seq[], xdoc: XDocument): Seq {
  const i = qname.indexOf(':');
  const uri = schema.ns[qname.slice(0, i)];
  const f = schema.functions.get(`${uri} ${qname.slice(i + 1)}#${args.length}`);
  if (!f) throw new ApError('validation.unsupported-construct', `The schematron defines no function ${qname}#${args.length}`);
  return callUser(f, args, newDyn(xdoc, schema));
}

export function newDyn(xdoc: XDocument, schema: CompiledSchema): Dyn {
  const frame: Frame = { v: new Array(schema.globalSlots.n), lets: null, home: null };
  const dyn: Dyn = {
    xdoc,
    globals: new Array(schema.globalFns.length),
    globalFns: schema.globalFns,
    globalBusy: new Array(schema.globalFns.length).fill(false),
    memo: new Array(schema.memoCount),
    rootCtx: undefined as unknown as Ctx,
  };
  dyn.rootCtx = { item: xdoc.doc, pos: 1, size: 1, frame, dyn };
  return dyn;
}

/**
 * Runs every pattern over the document in one pass over the elements (each pattern's first matching rule
 * per node), keeping the reference's output order: pattern by pattern, nodes in document order. A dynamic
 * error aborts the layer as it aborts the reference's transformation; it becomes one fatal issue. A
 * failed assert the cap does not admit is only counted there, its message and location never built.
 */
export function evaluateSchema(schema: CompiledSchema, xdoc: XDocument, out: ValidationIssue[], cap: FindingCap = new FindingCap()): void {
  const dyn = newDyn(xdoc, schema);
  const buckets: ValidationIssue[][] = new Array(schema.patterns.length);
  const c: Ctx = { item: undefined, pos: 1, size: 1, frame: dyn.rootCtx.frame, dyn };
  const byKid = schema.dispatchByKid;
  const other = schema.dispatchOther;
  const els = xdoc.elements;
  try {
    for (let i = 0; i < els.length; i++) {
      const n = els[i];
      const entries = byKid[n.kid] ?? other;
      for (let e = 0; e < entries.length; e++) {
        const cands = entries[e][1];
        for (let r = 0; r < cands.length; r++) {
          const ms = cands[r].matchers;
          let hit = false;
          for (let m = 0; m < ms.length; m++)
            if (ms[m](n, c)) {
              hit = true;
              break;
            }
          if (!hit) continue;
          const pi = entries[e][0];
          fireRule(cands[r].rule, n, dyn, schema.layer, (buckets[pi] ??= []), cap);
          break;
        }
      }
    }
  } catch (e) {
    if (!(e instanceof XPathError)) throw e;
    const issue = cap.take(schema.layer, 'XPATH-ERROR', 'fatal', () => ({
      layer: schema.layer,
      id: 'XPATH-ERROR',
      flag: 'fatal',
      message: `The ${schema.layer} rules could not be evaluated on this document: ${e.message}`,
    }));
    if (issue) out.push(issue);
    return;
  }
  for (const b of buckets) if (b) for (const i of b) out.push(i);
}

function fireRule(rule: CompiledRule, n: XNode, dyn: Dyn, layer: ValidationLayer, out: ValidationIssue[], cap: FindingCap): void {
  const frame: Frame = { v: rule.slots.n ? new Array(rule.slots.n) : [], lets: rule.lets, home: null };
  const c: Ctx = { item: n, pos: 1, size: 1, frame, dyn };
  frame.home = c;
  let found: Uint8Array | null = null;
  if (rule.absence) walkChains(n, rule.absence, (found = new Uint8Array(rule.absenceCount)));
  for (const a of rule.asserts) {
    const ok = a.absent >= 0 ? found![a.absent] === 0 : a.test(c);
    if (a.report ? !ok : ok) continue;
    const issue = cap.take(layer, a.id, a.flag, () => ({
      layer,
      id: a.id,
      flag: a.flag,
      message: renderMessage(a.message, c),
      location: svrlLocation(n),
      ...lineColumn(dyn.xdoc.text, n.offset, dyn.xdoc),
    }));
    if (issue) out.push(issue);
  }
}

function renderMessage(parts: MessagePart[], c: Ctx): string {
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
  let s = '';
  for (const p of parts) {
    if (typeof p === 'string') s += p;
    else if ('select' in p) s += p.select(c).map(stringOf).join(' ');
    else {
      const it = p.name ? p.name(c)[0] : c.item;
      s += it instanceof XNode ? it.qname : '';
    }
  }
  return s;
}
