/**
 * Mutations derived from the rules' own tests, so that the corpus reaches the many "shall not contain"
 * (UBL-CR), "at most one" (UBL-SR) and "shall have" rules without a hand-written case each:
 *   not(P)...        -> create P under a context node         (makes a forbidden element appear)
 *   count(P) <= 1    -> create P twice under a context node    (breaks a cardinality)
 *   exists(P) | P    -> remove P from every context node        (drops a mandatory element)
 * Context and P are read leniently (predicates dropped): a derived document that does not make its rule
 * fire is still a valid differential case, it just adds no coverage.
 */
import type { SchAssert } from './sch-asserts.js';
import type { UblDoc } from './dom.js';
import { NS } from './dom.js';

export type DerivedKind = 'add' | 'twice' | 'drop';

export interface DerivedMutation {
  /** Rule id the mutation aims at. */
  ruleId: string;
  kind: DerivedKind;
  /** Context alternatives (relative or absolute element paths), predicates dropped. */
  contexts: string[];
  /** Target path below the context; `{L}` stands for the line element of the document kind. */
  target: string;
}

const PREFIX_MAP: Record<string, string> = { ubl: 'inv', 'ubl-invoice': 'inv', cn: 'cn', 'ubl-creditnote': 'cn' };

/** Removes bracketed predicates (balanced) from an XPath. */
function dropPredicates(x: string): string {
  let out = '';
  let depth = 0;
  for (const ch of x) {
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

/** Splits on `|` outside parentheses and brackets. */
function splitUnion(x: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of x) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === '|' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

const STEP = String.raw`(?:[a-z-]+:[A-Za-z0-9]+|@[A-Za-z]+|\{L\})`;
const PATH_RE = new RegExp(String.raw`^(?:\/\/|\/)?${STEP}(?:\/${STEP})*$`);

function normalisePath(p: string): string | null {
  let s = dropPredicates(p.trim()).replace(/\(cac:InvoiceLine\s*\|\s*cac:CreditNoteLine\)/g, '{L}');
  s = s.replace(/^\((.*)\)$/, '$1');
  s = s.replace(/([a-z-]+):/g, (m, pre: string) => (PREFIX_MAP[pre] ? `${PREFIX_MAP[pre]}:` : m));
  return PATH_RE.test(s) ? s : null;
}

/** The argument of a leading call `name(...)`, balanced. */
function leadingCall(test: string, name: string): string | null {
  const t = test.trim().replace(/^\(+/, '');
  if (!t.startsWith(`${name}(`)) return null;
  let depth = 0;
  for (let i = name.length; i < t.length; i++) {
    if (t[i] === '(') depth++;
    else if (t[i] === ')' && --depth === 0) return t.slice(name.length + 1, i);
  }
  return null;
}

export function deriveMutations(asserts: SchAssert[]): DerivedMutation[] {
  const out: DerivedMutation[] = [];
  for (const a of asserts) {
    const contexts = splitUnion(a.context)
      .map((c) => normalisePath(c))
      .filter((c): c is string => c !== null);
    if (contexts.length === 0) continue;
    const test = a.test.trim();
    let kind: DerivedKind | null = null;
    let target: string | null = null;
    const notArg = leadingCall(test, 'not');
    const countArg = leadingCall(test, 'count');
    const existsArg = leadingCall(test, 'exists');
    if (notArg !== null) {
      kind = 'add';
      target = normalisePath(notArg);
    } else if (countArg !== null && /<=\s*1\)?\s*$/.test(test)) {
      kind = 'twice';
      target = normalisePath(countArg);
    } else if (existsArg !== null && /^\(?exists\([^()]*\)\)?$/.test(test)) {
      kind = 'drop';
      target = normalisePath(existsArg);
    } else if (normalisePath(test)) {
      kind = 'drop';
      target = normalisePath(test);
    }
    if (kind && target) out.push({ ruleId: a.id, kind, contexts, target });
  }
  return out;
}

/** Context element paths of this document kind (absolute ones must name its root). */
function contextsFor(d: UblDoc, m: DerivedMutation): string[] {
  const rootPrefix = d.isCreditNote ? 'cn' : 'inv';
  const res: string[] = [];
  for (const c of m.contexts) {
    const s = c.replace(/\{L\}/g, d.L);
    if (s.startsWith('//')) res.push(s);
    else if (s.startsWith('/')) {
      const [root, ...rest] = s.slice(1).split('/');
      if (root !== `${rootPrefix}:${d.kind}`) continue;
      res.push(rest.length ? rest.join('/') : '.');
    } else if (/^(inv|cn):/.test(s)) {
      const [root, ...rest] = s.split('/');
      if (root !== `${rootPrefix}:${d.kind}`) continue;
      res.push(rest.length ? rest.join('/') : '.');
    } else res.push(`//${s}`);
  }
  return res.filter((p) => !p.includes('@'));
}

/**
 * Applies a derived mutation: 'no-context' (document untouched) when the document offers no context
 * for it, else whether the mutation could be made.
 */
export function applyDerived(d: UblDoc, m: DerivedMutation, createContext: boolean): boolean | 'no-context' {
  const ctxPaths = contextsFor(d, m);
  let ctx: Element | undefined;
  for (const p of ctxPaths) {
    ctx = d.first(p);
    if (ctx) break;
  }
  if (!ctx && createContext) {
    const p = ctxPaths.find((x) => !x.includes('{'));
    if (p === undefined) return 'no-context';
    ctx = p === '.' ? d.root : d.ensure(p.replace(/^\/\//, ''));
  }
  if (!ctx) return 'no-context';
  const target = m.target.replace(/\{L\}/g, d.L);
  if (target.startsWith('/')) {
    // Absolute or document-wide targets (`//@schemeName`, `//cbc:PaymentID`): act from the root.
    return applyAt(d, d.root, target.replace(/^\/\/?/, '').replace(/^(inv|cn):[A-Za-z]+\/?/, ''), m.kind);
  }
  return applyAt(d, ctx, target, m.kind);
}

function applyAt(d: UblDoc, ctx: Element, target: string, kind: DerivedKind): boolean {
  const steps = target.split('/').filter(Boolean);
  const last = steps[steps.length - 1];
  if (!last) return false;
  const attr = last.startsWith('@') ? last.slice(1) : null;
  const elemPath = (attr ? steps.slice(0, -1) : steps).join('/');
  if (kind === 'drop') {
    if (attr) {
      const els = elemPath ? d.all(elemPath, ctx) : [ctx];
      els.forEach((e) => e.removeAttribute(attr));
      return els.length > 0;
    }
    return d.remove(elemPath, ctx);
  }
  if (attr) {
    // Put the attribute on the element named, else on the first cbc child of the context.
    const host = elemPath ? d.ensure(elemPath, ctx) : firstBasic(ctx) ?? ctx;
    host.setAttribute(attr, '1');
    return true;
  }
  const parentPath = steps.slice(0, -1).join('/');
  const parent = parentPath ? d.ensure(parentPath, ctx) : ctx;
  const [prefix, local] = last.split(':') as [string, string];
  if (!NS[prefix]) return false;
  const copies = kind === 'twice' ? Math.max(2 - d.all(last, parent).length, 1) : 1;
  for (let i = 0; i < copies; i++) d.createChild(parent, prefix, local, prefix === 'cbc' ? '1' : undefined);
  return true;
}

function firstBasic(el: Element): Element | undefined {
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1 && (c as Element).namespaceURI === NS.cbc) return c as Element;
  }
  return undefined;
}
