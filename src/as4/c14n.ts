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

function escapeText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;'));
}

/** Attribute value escaping of canonical XML (also used to write canonical text directly). */
export function c14nAttr(s: string): string {
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

/**
 * Canonical form of el and its descendants. `inclusivePrefixes` are the PrefixList tokens ("#default"
 * for the default namespace) of an ec:InclusiveNamespaces element, if the transform has one.
 */
export function excC14n(el: Element, inclusivePrefixes: readonly string[] = []): string {
  const inclusive = inclusivePrefixes.map((p) => (p === '#default' ? '' : p));
  const out: string[] = [];
  const render = (e: Element, rendered: Map<string, string>): void => {
    const needed = new Map<string, string>();
    needed.set(e.prefix ?? '', e.namespaceURI ?? '');
    const attrs: Attr[] = [];
    for (let i = 0; i < e.attributes.length; i++) {
      const a = e.attributes.item(i)!;
      if (isNamespaceDecl(a)) continue;
      attrs.push(a);
      if (a.prefix && a.prefix !== 'xml') needed.set(a.prefix, a.namespaceURI ?? '');
    }
    for (const p of inclusive) {
      if (needed.has(p)) continue;
      const uri = inScope(e, p);
      if (uri !== null) needed.set(p, uri);
    }
    let scope = rendered;
    const decls: [string, string][] = [];
    for (const [p, uri] of needed) {
      if ((rendered.get(p) ?? (p === '' ? '' : undefined)) === uri) continue;
      decls.push([p, uri]);
      if (scope === rendered) scope = new Map(rendered);
      scope.set(p, uri);
    }
    decls.sort((a, b) => byCodePoint(a[0], b[0]));
    attrs.sort((a, b) => byCodePoint(a.namespaceURI ?? '', b.namespaceURI ?? '') || byCodePoint(a.localName ?? a.name, b.localName ?? b.name));
    out.push('<', e.tagName);
    for (const [p, uri] of decls) out.push(p === '' ? ' xmlns="' : ` xmlns:${p}="`, c14nAttr(uri), '"');
    for (const a of attrs) out.push(' ', a.name, '="', c14nAttr(a.value), '"');
    out.push('>');
    for (let c = e.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === ELEMENT_NODE) render(c as Element, scope);
      else if (c.nodeType === TEXT_NODE || c.nodeType === CDATA_NODE) out.push(escapeText((c as CharacterData).data));
      else if (c.nodeType === PI_NODE) {
        const pi = c as ProcessingInstruction;
        out.push('<?', pi.target, pi.data ? ` ${pi.data}` : '', '?>');
      }
      // comments are dropped (the without-comments variant)
    }
    out.push('</', e.tagName, '>');
  };
  render(el, new Map([['', '']]));
  return out.join('');
}
