/**
 * Small helpers over the W3C DOM (envelopes: src/xml/lite-dom.ts; xmldom elsewhere), plus XML text escaping
 * for the string templates the builders use.
 */
export const ELEMENT_NODE = 1;

export function isElement(n: Node | null | undefined): n is Element {
  return !!n && n.nodeType === ELEMENT_NODE;
}

export function elementChildren(parent: Node | null | undefined): Element[] {
  const out: Element[] = [];
  if (!parent) return out;
  for (let c = parent.firstChild; c; c = c.nextSibling) if (isElement(c)) out.push(c);
  return out;
}

export function children(parent: Node | null | undefined, ns: string, local: string): Element[] {
  return elementChildren(parent).filter((e) => e.namespaceURI === ns && e.localName === local);
}

/** First child element with that name, or null. */
export function child(parent: Node | null | undefined, ns: string, local: string): Element | null {
  if (!parent) return null;
  for (let c = parent.firstChild; c; c = c.nextSibling) {
    if (isElement(c) && c.namespaceURI === ns && c.localName === local) return c;
  }
  return null;
}

/** Follows a path of child elements in one namespace; null if a step is missing. */
export function path(el: Element | null, ns: string, ...locals: string[]): Element | null {
  let cur = el;
  for (const l of locals) cur = child(cur, ns, l);
  return cur;
}

/** All descendant elements (document order) with that namespace and local name. */
export function descendants(root: Node, ns: string, local: string): Element[] {
  const out: Element[] = [];
  const walk = (n: Node): void => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (isElement(c)) {
        if (c.namespaceURI === ns && c.localName === local) out.push(c);
        walk(c);
      }
    }
  };
  walk(root);
  return out;
}

export function text(el: Element | null | undefined): string | null {
  return el ? (el.textContent ?? '').trim() : null;
}

/** Attribute value or null when absent (xmldom returns '' for absent attributes). */
export function attr(el: Element | null | undefined, name: string): string | null {
  return el && el.hasAttribute(name) ? el.getAttribute(name) : null;
}

export function qname(el: Element): string {
  return el.namespaceURI ? `{${el.namespaceURI}}${el.localName}` : String(el.localName);
}

/** Escapes text content for the string templates. */
export function escText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value (double-quoted) for the string templates. */
export function escAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}
