/** Rule contexts: XSLT match patterns, split into union branches of steps and compiled into matchers. */
import { ELEM, type XNode, nameKey } from '../dom.js';
import { staticKind } from '../xpath/analysis.js';
import type { BFn, Ctx } from '../xpath/context.js';
import type { Ast, NodeTest } from '../xpath/parser.js';
import { XPathError, ebv, isNumeric } from '../xpath/values.js';
import type { LoadState } from './compile.js';
import { unsupported, wrap } from './source.js';

interface PatStep {
  /** Separator before this step towards its left neighbour: '/' parent, '//' any ancestor. */
  sep: '/' | '//' | null;
  test: NodeTest;
  axis: 'child' | 'attribute';
  preds: Ast[];
}

/** Splits an XSLT pattern AST into union branches of steps, right to left. */
export function patternBranches(a: Ast, where: string): { anchor: 'root' | 'none'; steps: PatStep[] }[] {
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

export function compileMatcher(br: { anchor: 'root' | 'none'; steps: PatStep[] }, st: LoadState, where: string): (n: XNode, c: Ctx) => boolean {
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
