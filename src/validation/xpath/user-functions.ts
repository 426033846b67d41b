/** User functions (xsl:function in the schematron): their declared types, and calls that check them. */
import { XNode } from '../dom.js';
import type { Ctx, Dyn, Frame, SeqType, UserFunction } from './context.js';
import { Dec } from './decimal.js';
import { XPathSyntaxError, XS_NS } from './parser.js';
import { type Seq, XPathError, castAtomic, isNumeric, typeName } from './values.js';

function convert(seq: Seq, t: SeqType | null, what: string): Seq {
  if (!t) return seq;
  if (seq.length === 0) {
    if (t.occ === '?' || t.occ === '*') return seq;
    throw new XPathError('XPTY0004', `An empty sequence is not allowed for ${what}`);
  }
  if (seq.length > 1 && (t.occ === '' || t.occ === '?')) throw new XPathError('XPTY0004', `A sequence of more than one item is not allowed for ${what}`);
  if (!t.atomic) return seq;
  const type = t.atomic;
  return seq.map((i) => {
    if (i instanceof XNode || typeName(i) === 'xs:untypedAtomic') return castAtomic(i, type);
    if (type === 'decimal' && (typeof i === 'bigint' || i instanceof Dec)) return i;
    if (type === 'double' && isNumeric(i)) return castAtomic(i, 'double');
    if (type === 'integer' && typeof i === 'bigint') return i;
    if (type === 'string' && typeof i === 'string') return i;
    if (type === 'boolean' && typeof i === 'boolean') return i;
    if (type === 'anyAtomicType') return i;
    throw new XPathError('XPTY0004', `Required type xs:${type} for ${what}, supplied ${typeName(i)}`);
  });
}

export function callUser(f: UserFunction, args: Seq[], dyn: Dyn): Seq {
  const frame: Frame = { v: new Array(f.slots.n), lets: null, home: null };
  for (let i = 0; i < args.length; i++) frame.v[i] = convert(args[i], f.paramTypes[i], `parameter ${i + 1} of ${f.name}`);
  const c: Ctx = { item: undefined, pos: 0, size: 0, frame, dyn };
  return convert(f.body!(c), f.resultType, `the result of ${f.name}`);
}

export function parseSeqType(s: string, ns: Record<string, string>): SeqType {
  const m = /^\s*([\w.:-]+(?:\(\))?)\s*([?*+]?)\s*$/.exec(s);
  if (!m) throw new XPathSyntaxError(`Unsupported type '${s}'`, s);
  const occ = m[2] as SeqType['occ'];
  const name = m[1];
  if (name === 'item()' || name === 'node()' || name === 'element()') return { atomic: null, node: name !== 'item()', occ };
  const i = name.indexOf(':');
  if (i > 0 && (ns[name.slice(0, i)] === XS_NS || name.slice(0, i) === 'xs')) return { atomic: name.slice(i + 1), node: false, occ };
  throw new XPathSyntaxError(`Unsupported type '${s}'`, s);
}

