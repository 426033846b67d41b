/**
 * Lazily built per-document indexes (children by name on wide nodes, attributes by name) and the
 * `a/b/c` child chains that walk them without building intermediate sequences.
 */
import { type XDocument, type XNode, nameKey } from '../dom.js';
import type { Ast } from './parser.js';
import { EMPTY } from './values.js';

/** Element children by key for wide nodes (the document root has dozens), built on first use. */
export const WIDE = 12;
export function childIndex(x: XDocument, n: XNode): Map<string, XNode[]> {
  const all = (x.lazy.childrenByKey ??= new Map());
  let m = all.get(n);
  if (!m) {
    m = new Map();
    for (const e of n.elems) {
      const l = m.get(e.key);
      if (l) l.push(e);
      else m.set(e.key, [e]);
    }
    all.set(n, m);
  }
  return m;
}

/** All attributes of a document by key, in document order, built on first use. */
export function attributeIndex(x: XDocument): Map<string, XNode[]> {
  let m = x.lazy.attrsByKey;
  if (!m) {
    m = new Map();
    for (const e of x.elements)
      for (const at of e.attrs) {
        const l = m.get(at.key);
        if (l) l.push(at);
        else m.set(at.key, [at]);
      }
    x.lazy.attrsByKey = m;
  }
  return m;
}

/** `a/b/c` (child name steps without predicates, optionally ending in `@x`) from the context node. */
export interface Chain {
  keys: string[];
  attr: string | null;
}

export function childChain(a: Ast): Chain | null {
  const simpleChild = (x: Ast): string | null =>
    x.t === 'step' && x.axis === 'child' && x.preds.length === 0 && x.test.kind === 'name' && x.test.ns !== null && x.test.local !== null
      ? nameKey(x.test.ns, x.test.local)
      : null;
  const keys: string[] = [];
  let attr: string | null = null;
  let cur = a;
  if (cur.t === 'step' && cur.axis === 'attribute') {
    if (cur.preds.length || cur.test.kind !== 'name' || cur.test.ns !== '' || cur.test.local === null) return null;
    return null;
  }
  if (cur.t === 'path' && cur.r.t === 'step' && cur.r.axis === 'attribute') {
    const r = cur.r;
    if (r.preds.length || r.test.kind !== 'name' || r.test.ns !== '' || r.test.local === null) return null;
    attr = r.test.local;
    cur = cur.l;
  }
  while (cur.t === 'path') {
    const k = simpleChild(cur.r);
    if (k === null) return null;
    keys.unshift(k);
    cur = cur.l;
  }
  const k = simpleChild(cur);
  if (k === null) return null;
  keys.unshift(k);
  if (keys.length < 2 && attr === null) return null; // single steps have their own fast path
  return { keys, attr };
}

export function chainCollect(x: XDocument, n: XNode, ch: Chain, i: number, out: XNode[]): void {
  const k = ch.keys[i];
  const el = n.elems.length > WIDE ? (childIndex(x, n).get(k) ?? (EMPTY as XNode[])) : n.elems;
  const last = i === ch.keys.length - 1;
  for (let j = 0; j < el.length; j++) {
    const e = el[j];
    if (e.key !== k) continue;
    if (!last) chainCollect(x, e, ch, i + 1, out);
    else if (ch.attr === null) out.push(e);
    else for (const at of e.attrs) if (at.local === ch.attr && at.ns === '') out.push(at);
  }
}

export function chainAny(x: XDocument, n: XNode, ch: Chain, i: number): boolean {
  const k = ch.keys[i];
  const el = n.elems.length > WIDE ? (childIndex(x, n).get(k) ?? (EMPTY as XNode[])) : n.elems;
  const last = i === ch.keys.length - 1;
  for (let j = 0; j < el.length; j++) {
    const e = el[j];
    if (e.key !== k) continue;
    if (!last) {
      if (chainAny(x, e, ch, i + 1)) return true;
    } else if (ch.attr === null) return true;
    else for (const at of e.attrs) if (at.local === ch.attr && at.ns === '') return true;
  }
  return false;
}
