/**
 * Exclusive XML Canonicalization 1.0 (http://www.w3.org/2001/10/xml-exc-c14n#, without comments) of an
 * element subtree, with the optional InclusiveNamespaces PrefixList.
 *
 * Our own rather than xml-crypto's: that one orders namespace declarations with localeCompare (so
 * `xmlns:eb` lands before `xmlns:S12`, unlike the code-point order the spec and Santuario use) and it
 * writes the PrefixList namespaces into the caller's DOM. A signature over eb:Messaging, which carries
 * `S12:mustUnderstand`, would then not verify elsewhere.
 */
import { NS } from './ns.js';

const TEXT_NODE = 3;
const CDATA_NODE = 4;
const PI_NODE = 7;
const ELEMENT_NODE = 1;

const TEXT_SPECIAL = /[&<>\r]/;
const ATTR_SPECIAL = /[&<"\t\n\r]/;

function escapeText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;'));
}

/** Attribute value escaping of canonical XML (also used to write canonical text directly). */
export function c14nAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  return s.replace(/[&<"\t\n\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '"' ? '&quot;' : c === '\t' ? '&#x9;' : c === '\n' ? '&#xA;' : '&#xD;',
  );
}

function isNamespaceDecl(a: Attr): boolean {
  return a.namespaceURI === NS.XMLNS || a.name === 'xmlns' || a.name.startsWith('xmlns:');
}

/** Namespace URI bound to prefix ('' = default) at el, from the declarations in the tree; null if unbound. */
function inScope(el: Element, prefix: string): string | null {
  const name = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
  for (let n: Node | null = el; n && n.nodeType === ELEMENT_NODE; n = n.parentNode) {
    const e = n as Element;
    if (e.hasAttribute(name)) return e.getAttribute(name);
  }
  return prefix === '' ? '' : null;
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byPrefix = (a: [string, string], b: [string, string]): number => byCodePoint(a[0], b[0]);
const byNameInNamespace = (a: Attr, b: Attr): number =>
  byCodePoint(a.namespaceURI ?? '', b.namespaceURI ?? '') || byCodePoint(a.localName ?? a.name, b.localName ?? b.name);

/** Index of prefix in a flat [prefix, uri, prefix, uri, ...] list, or -1. */
function indexOfPrefix(pairs: string[], prefix: string): number {
  for (let k = 0; k < pairs.length; k += 2) if (pairs[k] === prefix) return k;
  return -1;
}

/**
 * Canonical form of el and its descendants. `inclusivePrefixes` are the PrefixList tokens ("#default"
 * for the default namespace) of an ec:InclusiveNamespaces element, if the transform has one.
 */
export function excC14n(el: Element, inclusivePrefixes: readonly string[] = []): string {
  const inclusive = inclusivePrefixes.map((p) => (p === '#default' ? '' : p));
  // `rendered` maps each prefix to the namespace the output has in scope; a child shares its parent's map
  // until it declares something (namespaces change at few elements).
  const render = (e: Element, rendered: Map<string, string>): string => {
    // Namespaces visibly used (exclusive c14n): the element's own, then its attributes' (xml excepted).
    const needed: string[] = [e.prefix ?? '', e.namespaceURI ?? ''];
    const list = e.attributes;
    let attrs: Attr[] | null = null;
    for (let i = 0; i < list.length; i++) {
      const a = list.item(i)!;
      if (isNamespaceDecl(a)) continue;
      (attrs ??= []).push(a);
      if (a.prefix && a.prefix !== 'xml' && indexOfPrefix(needed, a.prefix) < 0) needed.push(a.prefix, a.namespaceURI ?? '');
    }
    for (const p of inclusive) {
      if (indexOfPrefix(needed, p) >= 0) continue;
      const uri = inScope(e, p);
      if (uri !== null) needed.push(p, uri);
    }
    let scope = rendered;
    let decls: [string, string][] | null = null;
    for (let k = 0; k < needed.length; k += 2) {
      const p = needed[k]!;
      const uri = needed[k + 1]!;
      if ((rendered.get(p) ?? (p === '' ? '' : undefined)) === uri) continue;
      (decls ??= []).push([p, uri]);
      if (scope === rendered) scope = new Map(rendered);
      scope.set(p, uri);
    }
    let out = '<' + e.tagName;
    if (decls) {
      if (decls.length > 1) decls.sort(byPrefix);
      for (const [p, uri] of decls) out += (p === '' ? ' xmlns="' : ` xmlns:${p}="`) + c14nAttr(uri) + '"';
    }
    if (attrs) {
      if (attrs.length > 1) attrs.sort(byNameInNamespace);
      for (const a of attrs) out += ' ' + a.name + '="' + c14nAttr(a.value) + '"';
    }
    out += '>';
    for (let c = e.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === ELEMENT_NODE) out += render(c as Element, scope);
      else if (c.nodeType === TEXT_NODE || c.nodeType === CDATA_NODE) out += escapeText((c as CharacterData).data);
      else if (c.nodeType === PI_NODE) {
        const pi = c as ProcessingInstruction;
        out += '<?' + pi.target + (pi.data ? ` ${pi.data}` : '') + '?>';
      }
      // comments are dropped (the without-comments variant)
    }
    return out + '</' + e.tagName + '>';
  };
  return render(el, new Map([['', '']]));
}
