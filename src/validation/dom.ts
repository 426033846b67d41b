/**
 * A compact read-only document model for rule evaluation: elements, attributes and text with parent
 * links, document order, the per-name sibling position SVRL locations need, and source line/column.
 * Built with saxes (namespace-aware, streaming, positions) after the hardened prolog checks of
 * src/xml/safe.ts. Much lighter than a W3C DOM: rules only read.
 */
import { SaxesParser } from 'saxes';
import { ApError } from '../errors.js';
import { assertNoDtd, decodeXml } from '../xml/safe.js';

export const DOC = 0;
export const ELEM = 1;
export const ATTR = 2;
export const TEXT = 3;

export class XNode {
  kind: number;
  /** Namespace URI ('' when none). */
  ns = '';
  local = '';
  /** Lexical QName as written (name()). */
  qname = '';
  /** Interned "ns local" key, for rule dispatch. */
  key = '';
  parent: XNode | null;
  /** Children in document order: elements and text nodes. */
  children: XNode[] = [];
  /** Element children only (the common child:: step). */
  elems: XNode[] = [];
  attrs: XNode[] = [];
  /** Text and attribute value; lazily the string value of elements. */
  value: string | null = null;
  line = 0;
  column = 0;
  /** Document order index. */
  order = 0;
  /** Per-node caches used by the evaluator (parsed decimal, normalized string). */
  cache: unknown = undefined;

  constructor(kind: number, parent: XNode | null) {
    this.kind = kind;
    this.parent = parent;
  }

  /** XPath string value. */
  stringValue(): string {
    if (this.value !== null) return this.value;
    let s: string;
    if (this.children.length === 1 && this.children[0].kind === TEXT) s = this.children[0].value!;
    else {
      s = '';
      const walk = (n: XNode): void => {
        for (const c of n.children) {
          if (c.kind === TEXT) s += c.value;
          else walk(c);
        }
      };
      walk(this);
    }
    this.value = s;
    return s;
  }

  get root(): XNode {
    let n: XNode = this;
    while (n.parent) n = n.parent;
    return n;
  }
}

export interface XDocument {
  doc: XNode;
  root: XNode;
  /** Elements in document order. */
  elements: XNode[];
  /** Elements grouped by key ("ns local"), each in document order. */
  byKey: Map<string, XNode[]>;
}

export interface ParseLimits {
  maxBytes: number;
  maxDepth: number;
  maxNodes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxBytes: 100 * 1024 * 1024, maxDepth: 256, maxNodes: 5_000_000 };

const keyCache = new Map<string, Map<string, string>>();
function internKey(ns: string, local: string): string {
  let m = keyCache.get(ns);
  if (!m) keyCache.set(ns, (m = new Map()));
  let k = m.get(local);
  if (k === undefined) m.set(local, (k = ns + ' ' + local));
  return k;
}
export const nameKey = internKey;

/** Parses XML text into the model; throws ApError (xml.*, input.*) on bad input. */
export function parseDocument(input: Buffer | string, limits: Partial<ParseLimits> = {}): XDocument {
  const lim = { ...DEFAULT_PARSE_LIMITS, ...limits };
  const text = decodeXml(input, { maxBytes: lim.maxBytes });
  assertNoDtd(text);
  const parser = new SaxesParser({ xmlns: true, position: true });
  const doc = new XNode(DOC, null);
  const elements: XNode[] = [];
  const byKey = new Map<string, XNode[]>();
  let cur = doc;
  let depth = 0;
  let order = 1;
  let pendingText = '';
  let startLine = 0;
  let startCol = 0;

  const flushText = (): void => {
    if (pendingText === '') return;
    if (cur !== doc) {
      const t = new XNode(TEXT, cur);
      t.value = pendingText;
      t.order = order++;
      cur.children.push(t);
    }
    pendingText = '';
  };

  parser.on('opentagstart', (tag) => {
    startLine = parser.line;
    startCol = parser.column - tag.name.length;
  });
  parser.on('opentag', (tag) => {
    flushText();
    if (++depth > lim.maxDepth) throw new ApError('xml.too-deep', `The XML nests deeper than ${lim.maxDepth} levels`);
    if (order > lim.maxNodes) throw new ApError('input.too-large', `The XML has more than ${lim.maxNodes} nodes`);
    const e = new XNode(ELEM, cur);
    e.ns = tag.uri ?? '';
    e.local = tag.local ?? tag.name;
    e.qname = tag.name;
    e.key = internKey(e.ns, e.local);
    e.line = startLine;
    e.column = startCol;
    e.order = order++;
    for (const name in tag.attributes) {
      const a = tag.attributes[name];
      if (a.prefix === 'xmlns' || (a.prefix === '' && a.local === 'xmlns')) continue;
      const at = new XNode(ATTR, e);
      at.ns = a.uri ?? '';
      at.local = a.local;
      at.qname = a.name;
      at.key = internKey(at.ns, at.local);
      at.value = a.value;
      at.order = order++;
      at.line = e.line;
      at.column = e.column;
      e.attrs.push(at);
    }
    cur.children.push(e);
    cur.elems.push(e);
    elements.push(e);
    let list = byKey.get(e.key);
    if (!list) byKey.set(e.key, (list = []));
    list.push(e);
    cur = e;
  });
  parser.on('closetag', () => {
    flushText();
    depth--;
    cur = cur.parent!;
  });
  parser.on('text', (t) => {
    pendingText += t;
  });
  parser.on('cdata', (t) => {
    pendingText += t;
  });
  parser.on('error', (err) => {
    const m = /^(?:[^:]*:)?(\d+):(\d+): (.*)$/s.exec(err.message);
    throw new ApError('xml.malformed', `The XML is not well-formed: ${m ? m[3] : err.message}`, {
      line: m ? Number(m[1]) : parser.line,
      column: m ? Number(m[2]) : parser.column,
    });
  });
  parser.write(text).close();
  const root = doc.elems[0];
  if (!root) throw new ApError('xml.malformed', 'The XML has no root element');
  return { doc, root, elements, byKey };
}

/** 1-based position among the preceding siblings with the same expanded name (SVRL locations). */
export function samePosition(e: XNode): number {
  if (!e.parent) return 1;
  let p = 1;
  for (const s of e.parent.elems) {
    if (s === e) break;
    if (s.key === e.key) p++;
  }
  return p;
}

/** The SVRL location of a node, as the ISO skeleton's schematron-get-full-path mode writes it. */
export function svrlLocation(n: XNode): string {
  if (n.kind === DOC) return '';
  if (n.kind === ATTR) {
    const base = n.parent ? svrlLocation(n.parent) : '';
    return n.ns === '' ? `${base}/@${n.qname}` : `${base}/@*[local-name()='${n.local}' and namespace-uri()='${n.ns}']`;
  }
  if (n.kind !== ELEM) return n.parent ? svrlLocation(n.parent) : '';
  const base = n.parent && n.parent.kind === ELEM ? svrlLocation(n.parent) : '';
  const step = n.ns === '' ? n.qname : `*:${n.local}[namespace-uri()='${n.ns}']`;
  return `${base}/${step}[${samePosition(n)}]`;
}
