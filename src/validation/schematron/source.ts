/**
 * Reads a schematron file into a plain element tree for the loader. It goes through the project's
 * hardened DOM parser (src/xml/safe.ts) rather than the rule engine's document model, so the large,
 * long-lived schematron tree does not shape how the engine's per-document allocations are optimized.
 * Also the accessors the loader reads that tree with, and its one error: an unsupported construct.
 */
import { ApError } from '../../errors.js';
import { parseDom } from '../../xml/safe.js';

export const SCH_NS = 'http://purl.oclc.org/dsdl/schematron';
export const XSL_NS = 'http://www.w3.org/1999/XSL/Transform';

export interface SchEl {
  ns: string;
  local: string;
  qname: string;
  attrs: Record<string, string>;
  elems: SchEl[];
  /** Children in order: elements and text. */
  children: (SchEl | string)[];
  /** String value (all descendant text). */
  text: string;
}

function convert(e: Element): SchEl {
  const out: SchEl = {
    ns: e.namespaceURI ?? '',
    local: e.localName ?? e.nodeName,
    qname: e.nodeName,
    attrs: {},
    elems: [],
    children: [],
    text: e.textContent ?? '',
  };
  for (let i = 0; i < e.attributes.length; i++) {
    const a = e.attributes[i];
    if (!a.namespaceURI || a.namespaceURI === '') out.attrs[a.localName ?? a.name] = a.value;
  }
  for (let c = e.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1) {
      const k = convert(c as Element);
      out.elems.push(k);
      out.children.push(k);
    } else if (c.nodeType === 3 || c.nodeType === 4) out.children.push(c.nodeValue ?? '');
  }
  return out;
}

export function readSchematronTree(text: string): SchEl {
  return convert(parseDom(text, { maxBytes: 64 * 1024 * 1024 }).documentElement);
}

export function unsupported(msg: string, where: string): never {
  throw new ApError('validation.unsupported-construct', `${msg} (${where})`, { where });
}

export function attr(e: SchEl, name: string): string | null {
  return e.attrs[name] ?? null;
}

export function kids(e: SchEl): SchEl[] {
  return e.elems;
}

export function letValue(e: SchEl, where: string): string {
  const v = attr(e, 'value');
  if (v === null) unsupported(`<let name="${attr(e, 'name')}"> without a value attribute`, where);
  return v;
}

/** Runs a parse or compile step; what it throws becomes an unsupported construct at `where`. */
export function wrap<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ApError) throw e;
    unsupported((e as Error).message, where);
  }
}
