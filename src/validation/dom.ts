/**
 * A compact read-only document model for rule evaluation: elements, attributes and text with parent
 * links, document order, the per-name sibling position SVRL locations need, and source line/column.
 * Built by a small scanner after the hardened prolog checks of src/xml/safe.ts. Much lighter than a W3C
 * DOM: rules only read.
 */
import { ApError } from '../errors.js';
import { assertNoDtd, decodeXml, MAX_ATTRIBUTES, MAX_NAMESPACES } from '../xml/decode.js';

export const DOC = 0;
export const ELEM = 1;
export const ATTR = 2;
export const TEXT = 3;

const NO_NODES: XNode[] = [];

/** Appends a child to a node under construction: an exact one-item list first, a growing one after. */
function addChild(list: XNode[], n: XNode): XNode[] {
  if (list === NO_NODES) return [n];
  list.push(n);
  return list;
}

export class XNode {
  kind: number;
  /** Namespace URI ('' when none). */
  ns = '';
  local = '';
  /** Lexical QName as written (name()). */
  qname = '';
  /** Interned "ns local" key, for rule dispatch. */
  key = '';
  /** Small integer id of `key` (process-wide), for array-indexed rule dispatch. */
  kid = 0;
  parent: XNode | null;
  /** Children in document order: elements and text nodes. */
  children: XNode[];
  /** Element children only (the common child:: step). */
  elems: XNode[];
  attrs: XNode[];
  /** Text and attribute value; lazily the string value of elements. */
  value: string | null = null;
  /** Offset of the node's start tag in the source text (line/column are computed on demand). */
  offset = 0;
  /** Document order index. */
  order = 0;
  /** Per-node caches used by the evaluator (parsed decimal, normalized string). */
  cache: unknown = undefined;

  constructor(kind: number, parent: XNode | null) {
    this.kind = kind;
    this.parent = parent;
    // Every list starts as one shared, never-mutated empty list; the scanner gives a node its own list at
    // its first child (see addChild), so leaves and one-child elements carry no spare array capacity.
    this.children = NO_NODES;
    this.elems = NO_NODES;
    this.attrs = NO_NODES;
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
  /** The decoded source text, for line/column of reported nodes. */
  text: string;
  /**
   * Lookup tables built on first use while rules run (newline offsets, attributes by key, element
   * children of wide nodes by key). Held by the document rather than in process-wide WeakMaps: V8's
   * young-generation collector keeps WeakMap entries alive, so every validated document survived and was
   * promoted, multiplying scavenge time.
   */
  lazy: { lines: number[] | null; attrsByKey: Map<string, XNode[]> | null; childrenByKey: Map<XNode, Map<string, XNode[]>> | null };
}

export interface ParseLimits {
  maxBytes: number;
  maxDepth: number;
  maxNodes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxBytes: 100 * 1024 * 1024, maxDepth: 256, maxNodes: 5_000_000 };

// Process-wide tables of names, bounded: names come from untrusted documents, and a stream of documents
// with ever new element names must not grow them without limit. Past the bound a name still works (keys
// compare as strings; an id of 0 dispatches like any name no rule matches), it is only not shared.
const MAX_INTERNED_NAMES = 50_000;
const keyCache = new Map<string, Map<string, string>>();
let internedKeys = 0;
function internKey(ns: string, local: string): string {
  let m = keyCache.get(ns);
  if (!m) {
    if (internedKeys >= MAX_INTERNED_NAMES) return ns + ' ' + local;
    keyCache.set(ns, (m = new Map()));
  }
  let k = m.get(local);
  if (k === undefined) {
    k = ns + ' ' + local;
    if (internedKeys < MAX_INTERNED_NAMES) {
      m.set(local, k);
      internedKeys++;
    }
  }
  return k;
}
export const nameKey = internKey;

const keyIds = new Map<string, number>();
/** The process-wide id of an interned key, for the names rule sets dispatch on (trusted, compiled once). */
export function keyId(key: string): number {
  let id = keyIds.get(key);
  if (id === undefined) keyIds.set(key, (id = keyIds.size + 1));
  return id;
}
/** The id of a name read from a document: 0 (dispatched like any name no rule matches) once the table is full. */
function documentKeyId(key: string): number {
  const id = keyIds.get(key);
  if (id !== undefined) return id;
  return keyIds.size >= MAX_INTERNED_NAMES ? 0 : keyId(key);
}

// Names and whitespace runs repeat throughout a document: share one string per distinct value, so
// the objects that survive while a large document is built are fewer.
const shortStrings = new Map<string, string>();
function internShort(text: string, from: number, to: number): string {
  const s = text.slice(from, to);
  const hit = shortStrings.get(s);
  if (hit !== undefined) return hit;
  // Bounded: only names and whitespace runs, at most 20k distinct values per process.
  if (shortStrings.size < 20_000 && (WS_ONLY.test(s) || NAME_LIKE.test(s))) shortStrings.set(s, s);
  return s;
}
const WS_ONLY = /^[ \t\r\n]*$/;
const NAME_LIKE = /^[\w.:-]+$/;
const locals = new Map<string, string>();
function localOf(qname: string, colon: number): string {
  let l = locals.get(qname);
  if (l === undefined) {
    l = qname.slice(colon + 1);
    if (locals.size < 20_000) locals.set(qname, l);
  }
  return l;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function malformed(msg: string, text: string, offset: number): never {
  const { line, column } = lineColumn(text, offset);
  throw new ApError('xml.malformed', `The XML is not well-formed: ${msg} (line ${line}, column ${column})`, { line, column });
}

function decodeRefs(s: string, text: string, offset: number): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);?/g, (m, ref: string) => {
    if (!m.endsWith(';')) malformed(`bad reference '${m}'`, text, offset);
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!(cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)))
        malformed(`character reference to an invalid character '${m}'`, text, offset);
      return String.fromCodePoint(cp);
    }
    const e = ENTITIES[ref];
    if (e === undefined) malformed(`undeclared entity '${m}'`, text, offset);
    return e;
  });
}

function newlines(text: string): number[] {
  const nl: number[] = [];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) nl.push(i);
  return nl;
}

/** 1-based line and column (UTF-16 units) of an offset; with `owner`, the newline index is built once per document. */
export function lineColumn(text: string, offset: number, owner?: XDocument): { line: number; column: number } {
  const nl = owner ? (owner.lazy.lines ??= newlines(owner.text)) : newlines(text);
  let lo = 0;
  let hi = nl.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (nl[mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  return { line: lo + 1, column: offset - (lo ? nl[lo - 1] : -1) };
}

/**
 * Index of the first character at or after `p` that ends a name: '/', '>', '=' or a character of the
 * JavaScript `\s` class (the set this scanner has always used); -1 if none. A loop, not a regex, so a
 * tag costs no match object.
 */
function nameEnd(text: string, p: number): number {
  for (const n = text.length; p < n; p++) {
    const c = text.charCodeAt(p);
    if (c === 47 || c === 62 || c === 61 || c === 32 || (c >= 9 && c <= 13)) return p;
    if (c < 0xa0) continue;
    if (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff) return p;
  }
  return -1;
}
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
/**
 * Attributes of one element compared pairwise for duplicates (the common case, cheapest); past this
 * count their expanded names go into a Set, so that a start tag with many attributes costs linear time.
 */
const PAIRWISE_MAX = 8;

function overLimit(msg: string, text: string, offset: number): never {
  throw new ApError('input.too-large', `The XML has more than ${msg}`, lineColumn(text, offset));
}

/**
 * Parses XML text into the model; throws ApError (xml.*, input.*) on bad input. A small scanner rather
 * than a general SAX parser: it handles what a namespace-well-formed document without DTD contains
 * (elements, attributes, namespaces, text, entity and character references, CDATA, comments, PIs), and
 * refuses anything else. Past the limits of src/xml/safe.ts (attributes per element, namespaces in scope)
 * it refuses with input.too-large, so that its cost stays linear in the text.
 */
export function parseDocument(input: Buffer | string, limits: Partial<ParseLimits> = {}): XDocument {
  const lim = { ...DEFAULT_PARSE_LIMITS, ...limits };
  const text = decodeXml(input, { maxBytes: lim.maxBytes });
  assertNoDtd(text);
  const doc = new XNode(DOC, null);
  const elements: XNode[] = [];
  const byKey = new Map<string, XNode[]>();
  let cur = doc;
  let depth = 0;
  let order = 1;
  // In-scope namespace bindings as a flat prefix/uri list (innermost last); nsMarks[d] is the list length
  // before the element at depth d declared its own.
  const bindings: string[] = ['', '', 'xml', XML_NS];
  const nsMarks: number[] = [];
  const lookupNs = (prefix: string): string | undefined => {
    for (let k = bindings.length - 2; k >= 0; k -= 2) if (bindings[k] === prefix) return bindings[k + 1];
    return undefined;
  };
  const n = text.length;
  let i = 0;
  let sawRoot = false;

  const addText = (t: string): void => {
    if (cur === doc) {
      if (/[^ \t\r\n]/.test(t)) malformed('text outside the root element', text, i);
      return;
    }
    const ch = cur.children;
    const last = ch.length ? ch[ch.length - 1] : null;
    if (last && last.kind === TEXT) last.value += t;
    else {
      const tn = new XNode(TEXT, cur);
      tn.value = t;
      tn.order = order++;
      cur.children = addChild(ch, tn);
    }
  };

  while (i < n) {
    const lt = text.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i) {
      let t = end - i <= 64 ? internShort(text, i, end) : text.slice(i, end);
      if (t.includes('\r')) t = t.replace(/\r\n?/g, '\n');
      if (t.includes('&')) t = decodeRefs(t, text, i);
      else if (t.includes(']]>')) malformed("']]>' in text", text, i);
      addText(t);
    }
    if (lt < 0) break;
    i = lt;
    const c1 = text.charCodeAt(i + 1);
    if (c1 === 63 /* ? */) {
      const e = text.indexOf('?>', i + 2);
      if (e < 0) malformed('unterminated processing instruction', text, i);
      i = e + 2;
      continue;
    }
    if (c1 === 33 /* ! */) {
      if (text.startsWith('<!--', i)) {
        const e = text.indexOf('-->', i + 4);
        if (e < 0) malformed('unterminated comment', text, i);
        i = e + 3;
        continue;
      }
      if (text.startsWith('<![CDATA[', i)) {
        if (cur === doc) malformed('CDATA outside the root element', text, i);
        const e = text.indexOf(']]>', i + 9);
        if (e < 0) malformed('unterminated CDATA section', text, i);
        let t = text.slice(i + 9, e);
        if (t.includes('\r')) t = t.replace(/\r\n?/g, '\n');
        addText(t);
        i = e + 3;
        continue;
      }
      throw new ApError('xml.dtd-forbidden', 'The document contains a markup declaration; DTDs and entities are not accepted');
    }
    if (c1 === 47 /* / */) {
      const e = text.indexOf('>', i + 2);
      if (e < 0) malformed('unterminated end tag', text, i);
      const name = text.slice(i + 2, e).trimEnd();
      if (cur === doc || name !== cur.qname) malformed(`end tag '${name}' does not match the start tag '${cur.qname}'`, text, i);
      cur = cur.parent!;
      bindings.length = nsMarks.pop()!;
      depth--;
      i = e + 1;
      continue;
    }
    // Start tag.
    if (cur === doc && sawRoot) malformed('more than one root element', text, i);
    const me = nameEnd(text, i + 1);
    if (me < 0 || me === i + 1) malformed('bad start tag', text, i);
    const qname = internShort(text, i + 1, me);
    let p = me;
    let rawAttrs: string[] | null = null; // name, value pairs
    let attrCount = 0; // namespace declarations included
    nsMarks.push(bindings.length);
    let selfClose = false;
    for (;;) {
      let ch = text.charCodeAt(p);
      while (ch === 32 || ch === 9 || ch === 10 || ch === 13) ch = text.charCodeAt(++p);
      if (ch === 62 /* > */) {
        p++;
        break;
      }
      if (ch === 47 /* / */ && text.charCodeAt(p + 1) === 62) {
        selfClose = true;
        p += 2;
        break;
      }
      if (p >= n) malformed('unterminated start tag', text, i);
      const ae = nameEnd(text, p);
      if (ae < 0 || ae === p) malformed('bad attribute', text, p);
      const aname = text.slice(p, ae);
      p = ae;
      while (/\s/.test(text[p] ?? '')) p++;
      if (text[p] !== '=') malformed(`attribute '${aname}' without a value`, text, p);
      p++;
      while (/\s/.test(text[p] ?? '')) p++;
      const q = text[p];
      if (q !== '"' && q !== "'") malformed(`unquoted value of attribute '${aname}'`, text, p);
      const ve = text.indexOf(q, p + 1);
      if (ve < 0) malformed(`unterminated value of attribute '${aname}'`, text, p);
      let v = text.slice(p + 1, ve);
      if (v.includes('<')) malformed(`'<' in the value of attribute '${aname}'`, text, p);
      if (/[\t\n\r]/.test(v)) v = v.replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' ');
      if (v.includes('&')) v = decodeRefs(v, text, p);
      p = ve + 1;
      if (++attrCount > MAX_ATTRIBUTES) overLimit(`${MAX_ATTRIBUTES} attributes on element '${qname}'`, text, i);
      if (aname === 'xmlns' || aname.startsWith('xmlns:')) {
        // The '' and xml bindings are always there; lookups scan the in-scope list, which the limit keeps short.
        if (bindings.length >= 2 * MAX_NAMESPACES + 4) overLimit(`${MAX_NAMESPACES} namespace declarations in scope at element '${qname}'`, text, i);
        bindings.push(aname === 'xmlns' ? '' : aname.slice(6), v);
      } else (rawAttrs ??= []).push(aname, v);
    }
    if (++depth > lim.maxDepth) throw new ApError('xml.too-deep', `The XML nests deeper than ${lim.maxDepth} levels`);
    if (order > lim.maxNodes) throw new ApError('input.too-large', `The XML has more than ${lim.maxNodes} nodes`);
    const e = new XNode(ELEM, cur);
    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    const uri = lookupNs(prefix);
    if (uri === undefined) malformed(`unbound namespace prefix '${prefix}'`, text, i);
    e.ns = uri;
    e.local = colon < 0 ? qname : localOf(qname, colon);
    e.qname = qname;
    e.key = internKey(e.ns, e.local);
    e.kid = documentKeyId(e.key);
    e.offset = i;
    e.order = order++;
    if (rawAttrs) {
      const expanded = rawAttrs.length > 2 * PAIRWISE_MAX ? new Set<string>() : null;
      for (let k = 0; k < rawAttrs.length; k += 2) {
        const an = rawAttrs[k];
        const at = new XNode(ATTR, e);
        const ac = an.indexOf(':');
        if (ac < 0) at.local = an;
        else {
          const auri = lookupNs(an.slice(0, ac));
          if (auri === undefined) malformed(`unbound namespace prefix '${an.slice(0, ac)}'`, text, i);
          at.ns = auri;
          at.local = an.slice(ac + 1);
        }
        if (expanded) {
          const key = `${at.ns} ${at.local}`;
          if (expanded.has(key)) malformed(`duplicate attribute '${an}'`, text, i);
          expanded.add(key);
        } else for (const other of e.attrs) if (other.local === at.local && other.ns === at.ns) malformed(`duplicate attribute '${an}'`, text, i);
        at.qname = an;
        at.key = internKey(at.ns, at.local);
        at.value = rawAttrs[k + 1];
        at.order = order++;
        at.offset = i;
        if (e.attrs === NO_NODES) e.attrs = [];
        e.attrs.push(at);
      }
    }
    cur.children = addChild(cur.children, e);
    cur.elems = addChild(cur.elems, e);
    elements.push(e);
    let list = byKey.get(e.key);
    if (!list) byKey.set(e.key, (list = []));
    list.push(e);
    if (cur === doc) sawRoot = true;
    if (selfClose) {
      bindings.length = nsMarks.pop()!;
      depth--;
    } else cur = e;
    i = p;
  }
  if (cur !== doc) malformed(`element '${cur.qname}' is not closed`, text, n);
  const root = doc.elems[0];
  if (!root) throw new ApError('xml.malformed', 'The XML has no root element');
  return { doc, root, elements, byKey, text, lazy: { lines: null, attrsByKey: null, childrenByKey: null } };
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
