/**
 * Reads a schematron file into a plain element tree for the loader. It goes through the project's
 * hardened DOM parser (src/xml/safe.ts) rather than the rule engine's document model, so the large,
 * long-lived schematron tree does not shape how the engine's per-document allocations are optimized.
 */
import { parseDom } from '../xml/safe.js';

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
