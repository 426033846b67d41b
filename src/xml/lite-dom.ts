/**
 * A strict XML parser into a small read-only subset of the W3C DOM, for the SOAP envelopes of the AS4 hot
 * path (every inbound message, signal and receipt). xmldom took about 0.6 ms for a 7 KB envelope, mostly
 * in generic SAX bookkeeping and a `lastIndexOf` over the whole text per distinct tag name; this parser
 * builds the same tree an order of magnitude faster.
 *
 * The subset is what the AS4 code and our exclusive C14N read: node type, parent/child/sibling links,
 * namespace URI, prefix, local and qualified names, attributes (namespace declarations included, as W3C
 * DOM and xmldom keep them), text, processing instructions inside the root, textContent and
 * getElementsByTagNameNS. Nodes are objects, so the anti-wrapping checks compare them by identity as
 * before. Comments are dropped (text around one is joined), which changes neither textContent nor the
 * canonical form without comments.
 *
 * Same safety policy as parseDom (src/xml/safe.ts): size checked before decoding, any DOCTYPE or other
 * markup declaration refused, no entities but the five predefined and character references. It enforces
 * XML 1.0 well-formedness and namespace well-formedness (matching and nested tags, one root, quoted and
 * unique attributes, bound prefixes, legal names and characters), a depth limit and the attribute and
 * namespace limits of src/xml/safe.ts while reading, so that its cost stays linear in the text.
 */
import { ApError } from '../errors.js';
import { assertNoDtd, decodeXml, MAX_ATTRIBUTES, MAX_NAMESPACES, type XmlLimits } from './decode.js';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export interface LiteDomLimits extends XmlLimits {
  /** Deepest element nesting accepted (the root is at depth 1). */
  maxDepth: number;
}

type Parent = LiteElement | LiteDocument;
type Child = LiteElement | LiteText | LiteProcessingInstruction;

function appendChild(parent: Parent, node: Child): void {
  node.parentNode = parent;
  const last = parent.lastChild;
  if (last) {
    last.nextSibling = node;
    node.previousSibling = last;
  } else parent.firstChild = node;
  parent.lastChild = node;
}

function collectText(n: Parent, out: string[]): void {
  for (let c = n.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 3) out.push(c.data);
    else if (c.nodeType === 1) collectText(c, out);
  }
}

function descendantsByName(root: Parent, ns: string | null, local: string): LiteElement[] {
  const out: LiteElement[] = [];
  const walk = (n: Parent): void => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.nodeType !== 1) continue;
      if ((ns === '*' || c.namespaceURI === (ns || null)) && (local === '*' || c.localName === local)) out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

class LiteText {
  readonly nodeType = 3;
  readonly nodeName = '#text';
  parentNode: Parent | null = null;
  nextSibling: Child | null = null;
  previousSibling: Child | null = null;
  readonly firstChild = null;
  constructor(public data: string) {}
  get nodeValue(): string {
    return this.data;
  }
  get textContent(): string {
    return this.data;
  }
  get length(): number {
    return this.data.length;
  }
}

class LiteProcessingInstruction {
  readonly nodeType = 7;
  parentNode: Parent | null = null;
  nextSibling: Child | null = null;
  previousSibling: Child | null = null;
  readonly firstChild = null;
  constructor(
    readonly target: string,
    readonly data: string,
  ) {}
  get nodeName(): string {
    return this.target;
  }
  get nodeValue(): string {
    return this.data;
  }
  get textContent(): string {
    return this.data;
  }
}

class LiteAttr {
  readonly nodeType = 2;
  readonly specified = true;
  constructor(
    readonly name: string,
    readonly prefix: string | null,
    readonly localName: string,
    readonly namespaceURI: string | null,
    readonly value: string,
    readonly ownerElement: LiteElement,
  ) {}
  get nodeName(): string {
    return this.name;
  }
  get nodeValue(): string {
    return this.value;
  }
  get textContent(): string {
    return this.value;
  }
}

const NO_ATTRS: LiteAttr[] = [];

class LiteAttributes {
  constructor(private readonly list: LiteAttr[]) {}
  get length(): number {
    return this.list.length;
  }
  item(i: number): LiteAttr | null {
    return this.list[i] ?? null;
  }
  getNamedItem(name: string): LiteAttr | null {
    for (const a of this.list) if (a.name === name) return a;
    return null;
  }
  getNamedItemNS(ns: string | null, local: string): LiteAttr | null {
    for (const a of this.list) if (a.localName === local && a.namespaceURI === (ns || null)) return a;
    return null;
  }
  [Symbol.iterator](): Iterator<LiteAttr> {
    return this.list[Symbol.iterator]();
  }
}

const NO_ATTRIBUTES = new LiteAttributes(NO_ATTRS);

class LiteElement {
  readonly nodeType = 1;
  parentNode: Parent | null = null;
  nextSibling: Child | null = null;
  previousSibling: Child | null = null;
  firstChild: Child | null = null;
  lastChild: Child | null = null;
  attributes = NO_ATTRIBUTES;
  private attrList = NO_ATTRS;
  constructor(
    readonly tagName: string,
    readonly prefix: string | null,
    readonly localName: string,
    readonly namespaceURI: string | null,
    /** Offset of the start tag in the (line-end normalised) text, for line and column on demand. */
    readonly sourceOffset: number,
  ) {}
  setAttributes(list: LiteAttr[]): void {
    this.attrList = list;
    this.attributes = new LiteAttributes(list);
  }
  get nodeName(): string {
    return this.tagName;
  }
  get childNodes(): Child[] {
    const out: Child[] = [];
    for (let c = this.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }
  get textContent(): string {
    const only = this.firstChild;
    if (only && only.nodeType === 3 && !only.nextSibling) return only.data;
    const out: string[] = [];
    collectText(this, out);
    return out.join('');
  }
  hasAttribute(name: string): boolean {
    for (const a of this.attrList) if (a.name === name) return true;
    return false;
  }
  getAttribute(name: string): string | null {
    for (const a of this.attrList) if (a.name === name) return a.value;
    return null;
  }
  hasAttributeNS(ns: string | null, local: string): boolean {
    return this.getAttributeNS(ns, local) !== null;
  }
  getAttributeNS(ns: string | null, local: string): string | null {
    const uri = ns || null;
    for (const a of this.attrList) if (a.localName === local && a.namespaceURI === uri) return a.value;
    return null;
  }
  getElementsByTagNameNS(ns: string | null, local: string): LiteElement[] {
    return descendantsByName(this, ns, local);
  }
}

class LiteDocument {
  readonly nodeType = 9;
  readonly nodeName = '#document';
  readonly parentNode = null;
  readonly nextSibling = null;
  readonly textContent = null;
  firstChild: Child | null = null;
  lastChild: Child | null = null;
  documentElement: LiteElement | null = null;
  getElementsByTagNameNS(ns: string | null, local: string): LiteElement[] {
    return descendantsByName(this, ns, local);
  }
}

// XML 1.0 (fifth edition) names, without the colon for namespace-aware NCNames.
const NAME_START = 'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040`;
const NCNAME = `[${NAME_START}][${NAME_CHAR}]*`;
const QNAME = new RegExp(`^${NCNAME}(?::${NCNAME})?$`, 'u');
/** Characters XML 1.0 does not allow anywhere: C0 controls but tab/LF/CR, U+FFFE/U+FFFF. */
const ILLEGAL_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
/**
 * Lone surrogates, which only string input can hold (UTF-8 decoding of bytes never yields them). The
 * native String.prototype.isWellFormed (Node 20, absent from the ES2023 typings) finds out whether there
 * is one; the slower regex only locates it for the message.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

interface Name {
  qname: string;
  prefix: string | null;
  local: string;
}

/**
 * Names already checked against QNAME, and namespace URIs, shared by every parse (envelopes repeat the
 * same few dozen). The stored strings are internalized copies: a slice of the input is compared with the
 * AS4 code's string literals character by character (about 40 ns for a namespace URI), an internalized
 * string by pointer.
 */
const names = new Map<string, Name>();
const uris = new Map<string, string>();
/** Bounds what the caches keep across messages: entries, and the length of one string. */
const MAX_INTERNED = 4096;
const MAX_INTERNED_LENGTH = 256;

/** V8 internalizes property keys, so the key read back is the internalized copy of s. */
function internalized(s: string): string {
  for (const k in { [s]: 0 }) return k;
  return s;
}

function internUri(v: string): string {
  const hit = uris.get(v);
  if (hit !== undefined) return hit;
  if (v.length > MAX_INTERNED_LENGTH || uris.size >= MAX_INTERNED) return v;
  const u = internalized(v);
  uris.set(u, u);
  return u;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    start = k + 1;
  }
  return { line, column: offset - start + 1 };
}

function isLegalCodePoint(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

/**
 * Attributes of one element compared pairwise for duplicates (the common case, cheapest); past this
 * count the names go into a Set, so that a start tag with many attributes costs linear time.
 */
const PAIRWISE_MAX = 8;

/** Characters that end a name in a tag: white space, '>', '/', '='. */
const NAME_STOP = new Uint8Array(128);
for (const c of ' \n\t\r>/=') NAME_STOP[c.charCodeAt(0)] = 1;

/** End of a name starting at i: the first white space, '>', '/', '=' or end of text. */
function nameEnd(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 128 && NAME_STOP[c] === 1) break;
    i++;
  }
  return i;
}

/**
 * Parses text into the lite DOM; throws ApError xml.malformed (with line and column), xml.dtd-forbidden,
 * xml.too-deep, input.too-large (the size, or the attribute and namespace limits) or input.empty. Returns
 * it typed as a W3C Document, as parseDom does for xmldom's: only the subset described above exists.
 */
export function parseLiteDom(input: Buffer | string, limits: LiteDomLimits): Document {
  let text = decodeXml(input, limits);
  assertNoDtd(text);
  // XML 1.0 §2.11: line ends are normalised before parsing (offsets keep their line numbers).
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  const malformed = (msg: string, at: number): never => {
    throw new ApError('xml.malformed', `The XML is not well-formed: ${msg}`, lineColumn(text, at));
  };
  const overLimit = (msg: string, at: number): never => {
    throw new ApError('input.too-large', `The XML has more than ${msg}`, lineColumn(text, at));
  };
  const illegal = ILLEGAL_CHAR.exec(text) ?? (typeof input === 'string' && !isWellFormed(text) ? LONE_SURROGATE.exec(text) : null);
  if (illegal) malformed(`character U+${illegal[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, illegal.index);

  const nameOf = (raw: string, at: number): Name => {
    const hit = names.get(raw);
    if (hit) return hit;
    if (!QNAME.test(raw)) malformed(`'${raw}' is not a valid XML name`, at);
    const colon = raw.indexOf(':');
    const keep = names.size < MAX_INTERNED && raw.length <= MAX_INTERNED_LENGTH;
    const own = keep ? internalized : (x: string) => x;
    const name: Name = {
      qname: own(raw),
      prefix: colon < 0 ? null : own(raw.slice(0, colon)),
      local: colon < 0 ? own(raw) : own(raw.slice(colon + 1)),
    };
    if (keep) names.set(name.qname, name);
    return name;
  };
  /** Replaces the entity and character references of s (text at `at`); only the predefined entities exist. */
  const decodeRefs = (s: string, at: number): string => {
    let out = '';
    let from = 0;
    for (let amp = s.indexOf('&'); amp >= 0; amp = s.indexOf('&', from)) {
      const semi = s.indexOf(';', amp + 1);
      if (semi < 0) malformed("'&' not followed by a reference ending in ';'", at + amp);
      const ref = s.slice(amp + 1, semi);
      let rep: string | undefined;
      if (ref.charCodeAt(0) === 35 /* # */) {
        const hex = ref.charCodeAt(1) === 120; /* x */
        const digits = ref.slice(hex ? 2 : 1);
        if (!(hex ? /^[0-9A-Fa-f]{1,8}$/ : /^[0-9]{1,10}$/).test(digits)) malformed(`bad character reference '&${ref};'`, at + amp);
        const cp = parseInt(digits, hex ? 16 : 10);
        if (!isLegalCodePoint(cp)) malformed(`character reference '&${ref};' is not a legal XML character`, at + amp);
        rep = String.fromCodePoint(cp);
      } else {
        rep = PREDEFINED[ref];
        if (rep === undefined) malformed(`undeclared entity '&${ref};' (only the predefined entities exist without a DTD)`, at + amp);
      }
      out += s.slice(from, amp) + rep;
      from = semi + 1;
    }
    return out + s.slice(from);
  };

  const doc = new LiteDocument();
  let cur: Parent = doc;
  let depth = 0;
  // In-scope namespace bindings as a flat prefix/uri list (innermost last); marks[d] is its length before
  // the element at depth d added its own.
  const bindings: string[] = ['xml', XML_NS];
  const marks: number[] = [];
  // Most elements declare nothing: truncating the array only when it grew avoids a runtime call.
  const popBindings = (): void => {
    const mark = marks.pop()!;
    if (bindings.length !== mark) bindings.length = mark;
  };
  const lookup = (prefix: string): string | undefined => {
    for (let k = bindings.length - 2; k >= 0; k -= 2) if (bindings[k] === prefix) return bindings[k + 1];
    return prefix === '' ? '' : undefined;
  };
  const addText = (t: string, at: number): void => {
    if (cur === doc) {
      for (let k = 0; k < t.length; k++) if (!isSpace(t.charCodeAt(k))) malformed('text outside the root element', at + k);
      return;
    }
    const last = cur.lastChild;
    if (last && last.nodeType === 3) last.data += t;
    else appendChild(cur, new LiteText(t));
  };

  const n = text.length;
  let i = 0;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i) {
      let t = text.slice(i, end);
      if (t.includes(']]>')) malformed("']]>' in text", i + t.indexOf(']]>'));
      if (t.includes('&')) t = decodeRefs(t, i);
      addText(t, i);
    }
    if (lt < 0) break;
    i = lt;
    const c1 = text.charCodeAt(i + 1);
    if (c1 === 63 /* ? */) {
      const e = text.indexOf('?>', i + 2);
      if (e < 0) malformed('unterminated processing instruction', i);
      const te = nameEnd(text, i + 2);
      const target = text.slice(i + 2, te);
      if (i === 0 && target === 'xml') {
        i = e + 2; // the XML declaration
        continue;
      }
      if (!target || target.includes(':') || /^xml$/i.test(target)) malformed(`bad processing instruction target '${target}'`, i);
      nameOf(target, i);
      if (te < e && !isSpace(text.charCodeAt(te))) malformed('bad processing instruction', i);
      if (cur !== doc) appendChild(cur, new LiteProcessingInstruction(target, text.slice(te, e).replace(/^[ \t\n]+/, '')));
      i = e + 2;
      continue;
    }
    if (c1 === 33 /* ! */) {
      if (text.startsWith('<!--', i)) {
        const e = text.indexOf('--', i + 4);
        if (e < 0 || text.charCodeAt(e + 2) !== 62) malformed(e < 0 ? 'unterminated comment' : "'--' inside a comment", i);
        i = e + 3;
        continue;
      }
      if (text.startsWith('<![CDATA[', i)) {
        if (cur === doc) malformed('CDATA outside the root element', i);
        const e = text.indexOf(']]>', i + 9);
        if (e < 0) malformed('unterminated CDATA section', i);
        addText(text.slice(i + 9, e), i);
        i = e + 3;
        continue;
      }
      throw new ApError('xml.dtd-forbidden', 'The document contains a markup declaration; DTDs and entities are not accepted');
    }
    if (c1 === 47 /* / */) {
      const ne = nameEnd(text, i + 2);
      let p = ne;
      while (isSpace(text.charCodeAt(p))) p++;
      if (text.charCodeAt(p) !== 62) malformed('bad end tag', i);
      const name = text.slice(i + 2, ne);
      if (cur.nodeType !== 1 || name !== cur.tagName) malformed(`end tag '${name}' does not match the start tag '${cur.nodeType === 1 ? cur.tagName : ''}'`, i);
      cur = cur.parentNode!;
      popBindings();
      depth--;
      i = p + 1;
      continue;
    }

    // Start tag.
    if (cur === doc && doc.documentElement) malformed('more than one root element', i);
    const me = nameEnd(text, i + 1);
    const name = nameOf(text.slice(i + 1, me), i);
    const qname = name.qname;
    let p = me;
    let raw: Array<Name | string> | null = null; // name, value pairs (namespace declarations included)
    let rawNames: Set<string> | null = null; // the qnames of raw, once there are more than PAIRWISE_MAX
    marks.push(bindings.length);
    let selfClose = false;
    for (;;) {
      const ws = p;
      while (isSpace(text.charCodeAt(p))) p++;
      const ch = text.charCodeAt(p);
      if (ch === 62 /* > */) {
        p++;
        break;
      }
      if (ch === 47 /* / */ && text.charCodeAt(p + 1) === 62) {
        selfClose = true;
        p += 2;
        break;
      }
      if (p >= n) malformed('unterminated start tag', i);
      if (p === ws) malformed(`no white space before an attribute of '${qname}'`, p);
      const ae = nameEnd(text, p);
      const an = nameOf(text.slice(p, ae), p);
      const aname = an.qname;
      p = ae;
      while (isSpace(text.charCodeAt(p))) p++;
      if (text.charCodeAt(p) !== 61 /* = */) malformed(`attribute '${aname}' without a value`, p);
      p++;
      while (isSpace(text.charCodeAt(p))) p++;
      const q = text.charCodeAt(p);
      if (q !== 34 && q !== 39) malformed(`unquoted value of attribute '${aname}'`, p);
      const ve = text.indexOf(q === 34 ? '"' : "'", p + 1);
      if (ve < 0) malformed(`unterminated value of attribute '${aname}'`, p);
      let v = text.slice(p + 1, ve);
      if (v.includes('<')) malformed(`'<' in the value of attribute '${aname}'`, p);
      // Attribute-value normalisation (§3.3.3): literal white space becomes a space, references keep theirs.
      if (v.includes('\n') || v.includes('\t')) v = v.replace(/[\t\n]/g, ' ');
      if (v.includes('&')) v = decodeRefs(v, p + 1);
      p = ve + 1;
      if (rawNames) {
        if (rawNames.has(aname)) malformed(`duplicate attribute '${aname}'`, p);
        if (rawNames.size === MAX_ATTRIBUTES) overLimit(`${MAX_ATTRIBUTES} attributes on element '${qname}'`, i);
        rawNames.add(aname);
      } else if (raw) {
        for (let k = 0; k < raw.length; k += 2) if ((raw[k] as Name).qname === aname) malformed(`duplicate attribute '${aname}'`, p);
        if (raw.length === 2 * PAIRWISE_MAX) {
          rawNames = new Set([aname]);
          for (let k = 0; k < raw.length; k += 2) rawNames.add((raw[k] as Name).qname);
        }
      }
      const isDecl = aname === 'xmlns' || an.prefix === 'xmlns';
      if (isDecl) v = internUri(v);
      (raw ??= []).push(an, v);
      if (isDecl) {
        const prefix = an.prefix === 'xmlns' ? an.local : '';
        if (prefix === 'xmlns' || v === XMLNS_NS || (prefix === 'xml') !== (v === XML_NS)) malformed(`reserved namespace binding ${aname}="${v}"`, p);
        if (prefix !== '' && v === '') malformed(`the prefix '${prefix}' cannot be bound to an empty namespace name`, p);
        // The xml binding is always there; lookups scan the in-scope list, which the limit keeps short.
        if (bindings.length > 2 * MAX_NAMESPACES) overLimit(`${MAX_NAMESPACES} namespace declarations in scope at element '${qname}'`, i);
        bindings.push(prefix, v);
      }
    }
    if (++depth > limits.maxDepth) throw new ApError('xml.too-deep', `The XML nests deeper than ${limits.maxDepth} elements`);

    const prefix = name.prefix;
    if (prefix === 'xmlns') malformed(`element '${qname}' uses the reserved prefix xmlns`, i);
    const uri = lookup(prefix ?? '');
    if (uri === undefined) malformed(`unbound namespace prefix '${prefix}'`, i);
    const el = new LiteElement(qname, prefix, name.local, uri || null, i);
    if (raw) {
      const attrs: LiteAttr[] = [];
      // Expanded names ("uri local") of the prefixed attributes, for the duplicate check when there are many.
      const expanded = raw.length > 2 * PAIRWISE_MAX ? new Set<string>() : null;
      for (let k = 0; k < raw.length; k += 2) {
        const an = raw[k] as Name;
        const value = raw[k + 1] as string;
        let a: LiteAttr;
        if (an.qname === 'xmlns') a = new LiteAttr(an.qname, null, an.local, XMLNS_NS, value, el);
        else if (an.prefix === null) a = new LiteAttr(an.qname, null, an.local, null, value, el);
        else {
          const auri = an.prefix === 'xmlns' ? XMLNS_NS : lookup(an.prefix);
          if (!auri) malformed(`unbound namespace prefix '${an.prefix}'`, i);
          a = new LiteAttr(an.qname, an.prefix, an.local, auri!, value, el);
          if (expanded) {
            const key = `${auri} ${a.localName}`;
            if (expanded.has(key)) malformed(`duplicate attribute {${auri}}${a.localName}`, i);
            expanded.add(key);
          } else for (const o of attrs) if (o.localName === a.localName && o.namespaceURI === a.namespaceURI) malformed(`duplicate attribute {${auri}}${a.localName}`, i);
        }
        attrs.push(a);
      }
      el.setAttributes(attrs);
    }
    appendChild(cur, el);
    if (cur === doc) doc.documentElement = el;
    if (selfClose) {
      popBindings();
      depth--;
    } else cur = el;
    i = p;
  }
  if (cur.nodeType === 1) malformed(`element '${cur.tagName}' is not closed`, n);
  if (!doc.documentElement) malformed('no root element', n);
  return doc as unknown as Document;
}
