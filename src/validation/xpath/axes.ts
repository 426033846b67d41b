/** Node tests and the thirteen axes over the document model, and document-order normalisation. */
import { ATTR, ELEM, TEXT, XNode, nameKey } from '../dom.js';
import type { Ctx } from './context.js';
import type { Axis, NodeTest } from './parser.js';
import { type Seq, XPathError } from './values.js';

export function sortUnique(s: Seq): Seq {
  if (s.length < 2) return s;
  let sorted = true;
  for (let i = 1; i < s.length; i++) {
    if ((s[i] as XNode).order <= (s[i - 1] as XNode).order) {
      sorted = false;
      break;
    }
  }
  if (sorted) return s;
  const arr = (s as XNode[]).slice().sort((a, b) => a.order - b.order);
  const out: XNode[] = [arr[0]];
  for (let i = 1; i < arr.length; i++) if (arr[i] !== arr[i - 1]) out.push(arr[i]);
  return out;
}

export function contextNode(c: Ctx): XNode {
  const it = c.item;
  if (it instanceof XNode) return it;
  if (it === undefined) throw new XPathError('XPDY0002', 'The context item is absent');
  throw new XPathError('XPTY0020', 'An axis step on an atomic value');
}

export function testFn(test: NodeTest, axis: Axis): (n: XNode) => boolean {
  const principal = axis === 'attribute' ? ATTR : ELEM;
  switch (test.kind) {
    case 'node':
      return () => true;
    case 'text':
      return (n) => n.kind === TEXT;
    case 'comment':
      return () => false;
    case 'element':
      return (n) => n.kind === ELEM;
    case 'attribute':
      return (n) => n.kind === ATTR;
    case 'name': {
      if (test.ns !== null && test.local !== null) {
        const key = nameKey(test.ns, test.local);
        return (n) => n.key === key && n.kind === principal;
      }
      if (test.ns !== null) {
        const ns = test.ns;
        return (n) => n.kind === principal && n.ns === ns;
      }
      if (test.local !== null) {
        const local = test.local;
        return (n) => n.kind === principal && n.local === local;
      }
      return (n) => n.kind === principal;
    }
  }
}

export const REVERSE = new Set<Axis>(['parent', 'ancestor', 'ancestor-or-self', 'preceding-sibling', 'preceding']);

/** Nodes on `axis` from `n` that pass `t`, in axis order (reverse axes: nearest first). */
export function axisNodes(n: XNode, axis: Axis, t: (n: XNode) => boolean, out: XNode[]): void {
  switch (axis) {
    case 'child': {
      const ch = n.children;
      for (let i = 0; i < ch.length; i++) if (t(ch[i])) out.push(ch[i]);
      return;
    }
    case 'attribute': {
      const a = n.attrs;
      for (let i = 0; i < a.length; i++) if (t(a[i])) out.push(a[i]);
      return;
    }
    case 'self':
      if (t(n)) out.push(n);
      return;
    case 'parent':
      if (n.parent && t(n.parent)) out.push(n.parent);
      return;
    case 'descendant-or-self':
    case 'descendant': {
      if (axis === 'descendant-or-self' && t(n)) out.push(n);
      const walk = (x: XNode): void => {
        const ch = x.children;
        for (let i = 0; i < ch.length; i++) {
          const c = ch[i];
          if (t(c)) out.push(c);
          if (c.kind === ELEM) walk(c);
        }
      };
      walk(n);
      return;
    }
    case 'ancestor-or-self':
    case 'ancestor': {
      if (axis === 'ancestor-or-self' && t(n)) out.push(n);
      let p = n.parent;
      while (p) {
        if (t(p)) out.push(p);
        p = p.parent;
      }
      return;
    }
    case 'following-sibling':
    case 'preceding-sibling': {
      if (!n.parent || n.kind === ATTR) return;
      const sib = n.parent.children;
      const i = sib.indexOf(n);
      if (axis === 'following-sibling') for (let j = i + 1; j < sib.length; j++) t(sib[j]) && out.push(sib[j]);
      else for (let j = i - 1; j >= 0; j--) t(sib[j]) && out.push(sib[j]);
      return;
    }
    case 'following':
    case 'preceding': {
      // Document-order scan over all nodes of the tree (rare axes).
      const all: XNode[] = [];
      const walk = (x: XNode): void => {
        for (const c of x.children) {
          all.push(c);
          if (c.kind === ELEM) walk(c);
        }
      };
      walk(n.root);
      const isAnc = (a: XNode): boolean => {
        for (let p = n.parent; p; p = p.parent) if (p === a) return true;
        return false;
      };
      if (axis === 'following') {
        let last = n;
        while (last.kind === ELEM && last.children.length) last = last.children[last.children.length - 1];
        for (const x of all) if (x.order > last.order && t(x)) out.push(x);
      } else {
        for (let j = all.length - 1; j >= 0; j--) {
          const x = all[j];
          if (x.order < n.order && !isAnc(x) && t(x)) out.push(x);
        }
      }
      return;
    }
  }
}
