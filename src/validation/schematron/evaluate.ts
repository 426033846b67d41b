/**
 * Runs a compiled schematron over a document, as the ISO skeleton the reference runs: per pattern,
 * nodes in document order, the first matching rule wins, asserts in order; the SVRL location of the
 * context node.
 */
import { ApError } from '../../errors.js';
import { XNode, lineColumn, svrlLocation, type XDocument } from '../dom.js';
import { FindingCap, type ValidationIssue, type ValidationLayer } from '../types.js';
import type { Ctx, Dyn, Frame } from '../xpath/context.js';
import { callUser } from '../xpath/user-functions.js';
import { type Seq, XPathError, stringOf } from '../xpath/values.js';
import { walkChains } from './absence.js';
import type { CompiledRule, CompiledSchema, MessagePart } from './model.js';

/** Calls a function the schematron defines (e.g. 'u:gln') on a parsed document context (tests, tools). */
export function invokeFunction(schema: CompiledSchema, qname: string, args: Seq[], xdoc: XDocument): Seq {
  const i = qname.indexOf(':');
  const uri = schema.ns[qname.slice(0, i)];
  const f = schema.functions.get(`${uri} ${qname.slice(i + 1)}#${args.length}`);
  if (!f) throw new ApError('validation.unsupported-construct', `The schematron defines no function ${qname}#${args.length}`);
  return callUser(f, args, newDyn(xdoc, schema));
}

function newDyn(xdoc: XDocument, schema: CompiledSchema): Dyn {
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

