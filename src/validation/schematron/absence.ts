import { type XNode, nameKey } from '../dom.js';
import type { Ast } from '../xpath/parser.js';

/**
 * The tests `not(a/b/c)` and `not((a|b)/c/@x)` of a rule (pure child name paths, without predicates,
 * possibly ending in an attribute): the root rule of EN 16931 has 700 of them, the UBL-CR restrictions.
 * One walk over the context node's matching descendants finds which paths exist, instead of one path
 * evaluation per test.
 */
export interface ChainTrie {
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

export function absenceChains(test: Ast): Chain[] | null {
  return test.t === 'call' && test.name === 'http://www.w3.org/2005/xpath-functions not' && test.args.length === 1 ? childChains(test.args[0]) : null;
}

export function addChain(trie: ChainTrie, ch: Chain, id: number): void {
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
export function walkChains(n: XNode, trie: ChainTrie, found: Uint8Array): void {
  const el = n.elems;
  for (let i = 0; i < el.length; i++) {
    const t = trie.next.get(el[i].key);
    if (t === undefined) continue;
    for (const id of t.ends) found[id] = 1;
    if (t.attrs.size) for (const at of el[i].attrs) if (at.ns === '') for (const id of t.attrs.get(at.local) ?? []) found[id] = 1;
    if (t.next.size) walkChains(el[i], t, found);
  }
}
