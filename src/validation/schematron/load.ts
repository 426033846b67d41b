/**
 * Loads an ISO Schematron file (query binding xslt2) and compiles it: namespaces, global and pattern
 * lets, xsl:function and xsl:key definitions, abstract patterns instantiated through is-a/param, abstract rules
 * through extends, and every rule context (as an XSLT match pattern) and assert/report test into
 * closures (compile.ts, match.ts), with the tables that dispatch elements to candidate rules.
 *
 * Anything the compiler cannot handle throws ApError('validation.unsupported-construct') naming the
 * construct and rule, at load time.
 */
import { readFileSync } from 'node:fs';
import { ApError } from '../../errors.js';
import { keyId } from '../dom.js';
import type { ValidationLayer } from '../types.js';
import { Compiler } from '../xpath/compile.js';
import { Scope, type UserFunction, type XslKey } from '../xpath/context.js';
import { parseSeqType } from '../xpath/user-functions.js';
import { type LoadState, compileExpr, compileFunction, compileRule, rawRule } from './compile.js';
import type { Candidate, CompiledPattern, CompiledRule, CompiledSchema } from './model.js';
import { SCH_NS, type SchEl, XSL_NS, attr, kids, letValue, readSchematronTree, unsupported } from './source.js';

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
  const keys = new Map<string, XslKey>();
  const compiler = new Compiler({ functions, keys });
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
  const keyEls: SchEl[] = [];
  for (const e of kids(schema)) {
    if (e.ns === XSL_NS && e.local === 'function') {
      functionEls.push(e);
      continue;
    }
    if (e.ns === XSL_NS && e.local === 'key') {
      const name = attr(e, 'name');
      if (!name || keys.has(name) || !attr(e, 'match') || !attr(e, 'use')) unsupported(`xsl:key '${name}' without a unique name, a match and a use`, source);
      keys.set(name, { match: null, use: null, slots: { n: 0 }, memo: compiler.allocMemo() });
      keyEls.push(e);
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
  // A key's match pattern selects what the same path does from the root when absolute ('/a/b[p]'), as in
  // every rule file loaded here; a relative pattern matches its nodes anywhere, as '//' + pattern selects.
  for (const e of keyEls) {
    const key = keys.get(attr(e, 'name')!)!;
    const match = attr(e, 'match')!.trim();
    const where = `xsl:key ${attr(e, 'name')}`;
    key.match = compileExpr(st, match.startsWith('/') ? match : `//${match}`, globalScope, where);
    key.use = compileExpr(st, attr(e, 'use')!, new Scope(null, key.slots), where);
  }

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

function candidates(rules: CompiledRule[], key: string | null): Candidate[] {
  return rules.map((rule) => ({ rule, matchers: rule.matchers.filter((_, i) => rule.keys[i] === null || rule.keys[i] === key) }));
}
