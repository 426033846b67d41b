/**
 * Hardened XML entry points shared by every protocol layer.
 *
 * No Peppol document (UBL, SBDH, SOAP, SMP) carries a DTD, so the policy is simple and strict: any
 * DOCTYPE is refused before a parser sees the text. With no DTD there are no entity declarations, hence
 * no external entities (XXE: file or network access) and no entity expansion (billion laughs). Size is
 * bounded before decoding, so memory is bounded by the caller's limit.
 */
import { DOMParser } from '@xmldom/xmldom';
import { ApError } from '../errors.js';

export interface XmlLimits {
  /** Largest accepted document, in bytes. */
  maxBytes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 100 * 1024 * 1024 };

/** Decodes UTF-8 bytes (dropping a BOM) after checking the size limit. */
export function decodeXml(input: Buffer | string, limits: XmlLimits = DEFAULT_XML_LIMITS): string {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size === 0) throw new ApError('input.empty', 'The XML document is empty');
  if (size > limits.maxBytes) {
    throw new ApError('input.too-large', `The XML document is ${size} bytes; the limit is ${limits.maxBytes}`, {
      size,
      limit: limits.maxBytes,
    });
  }
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

/**
 * Parses text into a W3C DOM (xmldom, the DOM xml-crypto works on), throwing ApError('xml.malformed')
 * with line and column on the first error. Nodes carry lineNumber/columnNumber.
 */
export function parseDom(input: Buffer | string, limits: XmlLimits = DEFAULT_XML_LIMITS): Document {
  const text = decodeXml(input, limits);
  assertNoDtd(text);
  const fail = (msg: string): never => {
    const m = /line:(\d+),col:(\d+)/.exec(msg);
    throw new ApError('xml.malformed', `The XML is not well-formed: ${msg.replace(/\s*@#\[line.*$/s, '').trim()}`, {
      ...(m ? { line: Number(m[1]), column: Number(m[2]) } : {}),
    });
  };
  const parser = new DOMParser({
    locator: {},
    errorHandler: { warning: () => undefined, error: fail, fatalError: fail },
  });
  const doc = parser.parseFromString(text, 'application/xml') as unknown as Document;
  if (!doc || !doc.documentElement) fail('no root element');
  return doc;
}
