/**
 * The first steps every XML input of every protocol layer takes, before any parser: size, encoding and
 * DTD checks on the text, and the shape limits every parser here applies (lite DOM, validation model,
 * parseDom).
 *
 * No Peppol document (UBL, SBDH, SOAP, SMP) carries a DTD, so the policy is simple and strict: any
 * DOCTYPE is refused before a parser sees the text. With no DTD there are no entity declarations, hence
 * no external entities (XXE: file or network access) and no entity expansion (billion laughs). Size is
 * bounded before decoding, so memory is bounded by the caller's limit. The shape of a document is bounded
 * too, so that no parser, nor what reads its tree, spends more than linear time.
 */
import { ApError } from '../errors.js';

export interface XmlLimits {
  /** Largest accepted document, in bytes. */
  maxBytes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 100 * 1024 * 1024 };

// Shape limits applied by every parser here (lite DOM, validation model, parseDom), refused as
// input.too-large. Real documents stay far below: the UBL schema gives an element at most nine
// attributes, the Peppol rule files put sixteen on one, a SOAP envelope has a few dozen namespace
// declarations. Without them, per-element work (duplicate checks, prefix lookups, then attribute lookups
// and canonicalisation on the tree) grows with the square of the count.
/** Attributes of one element, namespace declarations included. */
export const MAX_ATTRIBUTES = 256;
/** Namespace declarations in scope at one element (its own and its ancestors'). */
export const MAX_NAMESPACES = 128;

/** An XML declaration's encoding, if it declares one. */
const DECLARED_ENCODING = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]*)["']/;

/**
 * Refuses bytes that are not UTF-8 XML, from the first bytes alone: a UTF-16 or UTF-32 byte order mark or
 * zero bytes around the first '<' (UTF-16/32 without a mark), and a declaration naming another encoding.
 * The text is always decoded as UTF-8, so such a document would otherwise be misread as malformed or,
 * worse, as different characters.
 */
function assertUtf8(input: Buffer): void {
  const [b0, b1] = input;
  const utf16 = (b0 === 0xfe && b1 === 0xff) || (b0 === 0xff && b1 === 0xfe) || b0 === 0 || (b0 === 0x3c && b1 === 0);
  if (utf16) throw new ApError('xml.encoding-unsupported', 'The document is not UTF-8 (it looks like UTF-16 or UTF-32); only UTF-8 is accepted');
  const start = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0;
  const declared = DECLARED_ENCODING.exec(input.toString('latin1', start, start + 200))?.[1];
  if (declared !== undefined && !/^utf-?8$/i.test(declared)) {
    throw new ApError('xml.encoding-unsupported', `The document declares encoding="${declared}"; only UTF-8 is accepted`, { encoding: declared });
  }
}

/** Decodes UTF-8 bytes (dropping a BOM) after checking the size limit and the encoding. */
export function decodeXml(input: Buffer | string, limits: XmlLimits = DEFAULT_XML_LIMITS): string {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size === 0) throw new ApError('input.empty', 'The XML document is empty');
  if (size > limits.maxBytes) {
    throw new ApError('input.too-large', `The XML document is ${size} bytes; the limit is ${limits.maxBytes}`, {
      size,
      limit: limits.maxBytes,
    });
  }
  if (typeof input !== 'string') assertUtf8(input);
  let text = typeof input === 'string' ? input : input.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

/**
 * Refuses a DOCTYPE in the prolog. Scans only the prolog (XML declaration, comments, processing
 * instructions, white space), so the cost does not grow with the document.
 */
export function assertNoDtd(text: string): void {
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
    if (i >= n || text[i] !== '<') return;
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) return; // the parser reports the malformed PI
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return;
      i = end + 3;
    } else if (text.startsWith('<!', i)) {
      // <!DOCTYPE, or any other markup declaration before the root: never valid without a DTD.
      throw new ApError('xml.dtd-forbidden', 'The document contains a DOCTYPE declaration; DTDs and entities are not accepted');
    } else {
      return; // root element starts
    }
  }
}
