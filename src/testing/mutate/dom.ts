/**
 * A small editing model over a parsed UBL document, for the mutation generator. Paths are
 * slash-separated QName steps relative to the root element (`cac:AccountingSupplierParty/cac:Party`),
 * each step optionally indexed (`cac:InvoiceLine[2]`) or attribute-final (`cbc:EndpointID/@schemeID`);
 * a leading `//` searches the whole document for the first step. Prefixes: cac, cbc, ext.
 */
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { parseDom } from '../../xml/safe.js';

export const NS: Record<string, string> = {
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
  ext: 'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2',
  inv: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  cn: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
};

interface Step {
  ns: string;
  prefix: string;
  local: string;
  index?: number;
}

function parseStep(s: string): Step {
  const m = /^([a-z]+):([A-Za-z0-9]+)(?:\[(\d+)\])?$/.exec(s);
  if (!m || !NS[m[1]!]) throw new Error(`mutation path step not understood: ${s}`);
  return { prefix: m[1]!, ns: NS[m[1]!]!, local: m[2]!, ...(m[3] ? { index: Number(m[3]) } : {}) };
}

function childElements(node: Node): Element[] {
  const out: Element[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) out.push(c as Element);
  return out;
}

function matches(el: Element, st: Step): boolean {
  return el.localName === st.local && el.namespaceURI === st.ns;
}

function descendants(node: Node, st: Step, out: Element[]): void {
  for (const c of childElements(node)) {
    if (matches(c, st)) out.push(c);
    descendants(c, st, out);
  }
}

export class UblDoc {
  readonly doc: Document;
  readonly root: Element;
  /** 'Invoice' or 'CreditNote' (or whatever the root is called). */
  readonly kind: string;

  /** Parses XML, or takes a deep copy of another UblDoc's document (cheaper than parsing again). */
  constructor(source: string | UblDoc) {
    this.doc = typeof source === 'string' ? parseDom(source) : (source.doc.cloneNode(true) as Document);
    this.root = this.doc.documentElement;
    this.kind = this.root.localName;
  }

  get isCreditNote(): boolean {
    return this.kind === 'CreditNote';
  }
  /** The line element, the quantity and the type code of this kind of document. */
  get L(): string {
    return this.isCreditNote ? 'cac:CreditNoteLine' : 'cac:InvoiceLine';
  }
  get Q(): string {
    return this.isCreditNote ? 'cbc:CreditedQuantity' : 'cbc:InvoicedQuantity';
  }
  get T(): string {
    return this.isCreditNote ? 'cbc:CreditNoteTypeCode' : 'cbc:InvoiceTypeCode';
  }

  serialize(): string {
    return new XMLSerializer().serializeToString(this.doc);
  }

  /** Elements at a path (relative to `from`, the root by default). */
  all(path: string, from: Element = this.root): Element[] {
    let cur: Element[];
    let rest = path;
    if (path === '.' || path === '') return [from];
    if (rest.startsWith('//')) {
      const parts = rest.slice(2).split('/');
      const first = parseStep(parts.shift()!);
      cur = [];
      descendants(this.doc, first, cur);
      if (first.index) cur = cur.slice(first.index - 1, first.index);
      rest = parts.join('/');
      if (!rest) return cur;
    } else cur = [from];
    for (const part of rest.split('/')) {
      const st = parseStep(part);
      const next: Element[] = [];
      for (const el of cur) {
        const hits = childElements(el).filter((c) => matches(c, st));
        if (st.index) {
          const h = hits[st.index - 1];
          if (h) next.push(h);
        } else next.push(...hits);
      }
      cur = next;
    }
    return cur;
  }

  first(path: string, from?: Element): Element | undefined {
    return this.all(path, from)[0];
  }

  has(path: string): boolean {
    return this.all(path).length > 0;
  }

  text(path: string): string | undefined {
    const el = this.first(path);
    return el ? (el.textContent ?? '') : undefined;
  }

  /** Removes every element at the path; false when there was none. */
  remove(path: string, from?: Element): boolean {
    const els = this.all(path, from);
    for (const el of els) el.parentNode!.removeChild(el);
    return els.length > 0;
  }

  /** Sets the text of every element at the path (creating the first one when missing and `create`). */
  set(path: string, value: string, create = false): boolean {
    let els = this.all(path);
    if (els.length === 0 && create) els = [this.ensure(path)];
    for (const el of els) {
      while (el.firstChild) el.removeChild(el.firstChild);
      if (value !== '') el.appendChild(this.doc.createTextNode(value));
    }
    return els.length > 0;
  }

  /** Sets (or with null removes) an attribute on every element at the path. */
  attr(path: string, name: string, value: string | null): boolean {
    const els = this.all(path);
    for (const el of els) {
      if (value === null) el.removeAttribute(name);
      else el.setAttribute(name, value);
    }
    return els.length > 0;
  }

  /** The first element at the path, creating missing steps (after same-named siblings, else at the end). */
  ensure(path: string, from: Element = this.root): Element {
    let cur = from;
    for (const part of path.split('/')) {
      const st = parseStep(part);
      const existing = childElements(cur).filter((c) => matches(c, st));
      const want = st.index ?? 1;
      if (existing.length >= want) {
        cur = existing[want - 1]!;
        continue;
      }
      let made: Element | undefined;
      for (let i = existing.length; i < want; i++) made = this.createChild(cur, st.prefix, st.local);
      cur = made!;
    }
    return cur;
  }

  /** Appends a new child element (after the last sibling of the same name when there is one). */
  createChild(parent: Element, prefix: string, local: string, text?: string): Element {
    const el = this.doc.createElementNS(NS[prefix]!, `${prefix}:${local}`);
    if (text !== undefined) el.appendChild(this.doc.createTextNode(text));
    const same = childElements(parent).filter((c) => c.localName === local && c.namespaceURI === NS[prefix]);
    const after = same[same.length - 1];
    if (after) parent.insertBefore(el, after.nextSibling);
    else parent.appendChild(el);
    return el;
  }

  /**
   * Inserts an XML fragment (using the cac/cbc/ext prefixes) into the first element at `parentPath`,
   * before the first child named `before` when given and present, else after same-named siblings.
   */
  add(parentPath: string, fragment: string, before?: string): boolean {
    const parent = this.first(parentPath);
    if (!parent) return false;
    const decl = Object.entries(NS)
      .map(([p, u]) => `xmlns:${p}="${u}"`)
      .join(' ');
    const wrapper = new DOMParser().parseFromString(`<w ${decl}>${fragment}</w>`, 'application/xml');
    const anchor = before ? this.first(before, parent) : undefined;
    for (const n of childElements(wrapper.documentElement as unknown as Node)) {
      const imported = this.doc.importNode(n as unknown as Node, true) as Element;
      if (anchor) parent.insertBefore(imported, anchor);
      else {
        const same = childElements(parent).filter((c) => c.localName === n.localName && c.namespaceURI === n.namespaceURI);
        const last = same[same.length - 1];
        parent.insertBefore(imported, last ? last.nextSibling : null);
      }
    }
    return true;
  }

  /** Inserts a deep copy of the n-th element at the path right after it. */
  duplicate(path: string): boolean {
    const el = this.first(path);
    if (!el) return false;
    el.parentNode!.insertBefore(el.cloneNode(true), el.nextSibling);
    return true;
  }

  /** Renames an element keeping its children and attributes. */
  rename(path: string, prefix: string, local: string): boolean {
    const el = this.first(path);
    if (!el) return false;
    const ns = prefix === '' ? el.namespaceURI : NS[prefix]!;
    const made = this.doc.createElementNS(ns, prefix === '' ? local : `${prefix}:${local}`);
    for (let i = 0; i < el.attributes.length; i++) {
      const a = el.attributes[i]!;
      made.setAttributeNS(a.namespaceURI, a.name, a.value);
    }
    while (el.firstChild) made.appendChild(el.firstChild);
    el.parentNode!.replaceChild(made, el);
    return true;
  }
}

export function elementChildren(node: Node): Element[] {
  return childElements(node);
}
