/**
 * The business document carried in a received SBD, as bytes for the inbox, and the fields the inbox and
 * duplicate detection need (invoice number, issue date, kind), read from the DOM the SBDH check already
 * built (no second parse on the per-message path).
 *
 * The bytes are cut out of the SBD text rather than re-serialised, so the buyer gets the element exactly as
 * the supplier wrote it, after an XML declaration (the SBD builder of every AP drops the original one). If
 * the SBD root declares namespace prefixes the payload might rely on, the element is serialised instead,
 * which adds the declarations it needs.
 *
 * On the receipt's path only the header is parsed into a DOM (readReceivedSbd): the SBD is reduced to its
 * header and the business document's start tag, so every header rule and its agreement with the payload
 * root is checked, while the business document itself is parsed by the validator after the receipt, as
 * Oxalis's streaming SBDH reader does. A business document that is not well-formed is then `rejected`
 * with a PARSE issue in its report.
 */
import { XMLSerializer } from '@xmldom/xmldom';
import { ApError } from '../errors.js';
import { MAX_SBDH_HEADER_BYTES, SBDH_NS } from '../sbdh/model.js';
import type { SbdhHeader } from '../sbdh/model.js';
import { parseSbd, wrappedContent, type ParsedSbd } from '../sbdh/parse.js';
import { parseLiteDom } from '../xml/lite-dom.js';
import { decodeXml, DEFAULT_XML_LIMITS, type XmlLimits } from '../xml/decode.js';

const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export interface BusinessDocument {
  /** What the inbox hands out and the validator checks. */
  bytes: Buffer;
  documentKind: string | null;
  invoiceNumber: string | null;
  /** YYYY-MM-DD */
  issueDate: string | null;
}

function childText(parent: Element, ns: string, name: string): string | null {
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === name && (n as Element).namespaceURI === ns) {
      const t = (n as Element).textContent?.trim();
      return t ? t : null;
    }
  }
  return null;
}

/** Namespace declarations on the SBD root other than the SBDH namespace itself. */
function rootDeclaresForeignPrefixes(text: string): boolean {
  const m = /<(?:[\w.-]+:)?StandardBusinessDocument\b([^>]*)>/.exec(text);
  if (!m) return true;
  for (const d of m[1]!.matchAll(/xmlns(?::[\w.-]+)?\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    if ((d[2] ?? d[3]) !== SBDH_NS) return true;
  }
  return false;
}

/** The payload element's source text, or null when it cannot be cut out safely. */
function sliceElement(text: string, element: Element): string | null {
  const headerEnd = /<\/(?:[\w.-]+:)?StandardBusinessDocumentHeader\s*>/.exec(text);
  if (!headerEnd) return null;
  let i = headerEnd.index + headerEnd[0].length;
  // Skip white space and comments up to the payload's start tag.
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return null;
      i = end + 3;
      continue;
    }
    break;
  }
  if (!text.startsWith(`<${element.tagName}`, i)) return null;
  const close = /<\/(?:[\w.-]+:)?StandardBusinessDocument\s*>\s*$/.exec(text);
  if (!close || close.index <= i) return null;
  return text.slice(i, close.index);
}

export function businessDocumentOf(sbd: ParsedSbd, sbdBytes: Buffer): BusinessDocument {
  const el = sbd.payloadElement;
  if (sbd.payload.kind !== 'xml') {
    return { bytes: wrappedContent(sbd) ?? Buffer.alloc(0), documentKind: null, invoiceNumber: null, issueDate: null };
  }
  const text = decodeXml(sbdBytes);
  const slice = rootDeclaresForeignPrefixes(text) ? null : sliceElement(text, el);
  const body = slice ?? new XMLSerializer().serializeToString(el);
  const issueDate = childText(el, CBC, 'IssueDate');
  return {
    bytes: Buffer.from(XML_DECLARATION + body, 'utf8'),
    documentKind: el.localName,
    invoiceNumber: childText(el, CBC, 'ID'),
    issueDate: issueDate && /^\d{4}-\d{2}-\d{2}$/.test(issueDate) ? issueDate : null,
  };
}

/** The SBDH's own nesting is shallow; a deeper skeleton is not one we produce or expect. */
const SKELETON_MAX_DEPTH = 64;

export interface ReceivedSbd {
  header: SbdhHeader;
  document: BusinessDocument;
}

/** End of the start tag beginning at `i` (index of its `>`), skipping quoted attribute values; -1 if none (yet). */
export function startTagEnd(text: string, i: number): number {
  let quote: string | null = null;
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return j;
    else if (c === '<') return -1;
  }
  return -1;
}

/** The header and the business document of a received SBD, parsing the header only when it can. */
export function readReceivedSbd(sbdBytes: Buffer, limits: XmlLimits = DEFAULT_XML_LIMITS): ReceivedSbd {
  const full = (): ReceivedSbd => {
    const parsed = parseSbd(sbdBytes, limits);
    return { header: parsed.header, document: businessDocumentOf(parsed, sbdBytes) };
  };
  const text = decodeXml(sbdBytes, limits);
  const headerEnd = /<\/(?:[\w.-]+:)?StandardBusinessDocumentHeader\s*>/.exec(text);
  if (headerEnd && headerEnd.index > MAX_SBDH_HEADER_BYTES) {
    throw new ApError('sbdh.invalid', `The SBDH ends past the first ${MAX_SBDH_HEADER_BYTES} bytes of the SBD`, { field: 'StandardBusinessDocumentHeader' });
  }
  if (!headerEnd || rootDeclaresForeignPrefixes(text)) return full();
  let i = headerEnd.index + headerEnd[0].length;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  if (!/^<[A-Za-z_]/.test(text.slice(i, i + 2))) return full(); // comment, PI or no element: the general path
  const end = startTagEnd(text, i);
  const close = /<\/(?:[\w.-]+:)?StandardBusinessDocument\s*>\s*$/.exec(text);
  if (end < 0 || !close || close.index <= end) return full();
  const startTag = text.slice(i, end + 1);
  const skeleton = text.slice(0, i) + (startTag.endsWith('/>') ? startTag : `${startTag.slice(0, -1)}/>`) + text.slice(close.index);
  // The skeleton is header-sized: read with the strict lite DOM the AS4 envelope uses (same refusals as
  // parseDom, a tenth of xmldom's cost on the per-message path).
  const parsed = parseSbd(parseLiteDom(skeleton, { maxBytes: limits.maxBytes, maxDepth: SKELETON_MAX_DEPTH }), limits);
  if (parsed.payload.kind !== 'xml') return full();
  return {
    header: parsed.header,
    document: {
      bytes: Buffer.from(XML_DECLARATION + text.slice(i, close.index), 'utf8'),
      documentKind: parsed.payloadElement.localName,
      // Read by the validation step, which parses the business document anyway.
      invoiceNumber: null,
      issueDate: null,
    },
  };
}
