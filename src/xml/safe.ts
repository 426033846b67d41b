/**
 * The hardened W3C DOM entry (xmldom), for SMP responses, whole SBDs and the rule files: the checks of
 * decode.ts, then well-formedness and the limits by the strict lite DOM, then xmldom.
 */
import { DOMParser } from '@xmldom/xmldom';
import { ApError } from '../errors.js';
import { decodeXml, DEFAULT_XML_LIMITS, type XmlLimits } from './decode.js';
import { parseLiteDom } from './lite-dom.js';

/** Deepest nesting parseDom accepts: xmldom has no limit of its own, and readers of its tree recurse. */
const MAX_DOM_DEPTH = 256;
/**
 * Distinct element names parseDom accepts. xmldom searches the text backwards once per distinct name of
 * an element that is not self-closed (to guess HTML-style unclosed tags), so its time is names × size;
 * with this bound it stays within a few normal parses of the same size. The official UBL examples use
 * about a hundred.
 */
const MAX_DOM_ELEMENT_NAMES = 512;

/**
 * Parses text into a W3C DOM (xmldom, the DOM xml-crypto works on), throwing ApError('xml.malformed')
 * with line and column on the first error (xml.dtd-forbidden, xml.too-deep and input.too-large as the
 * lite DOM does). Nodes carry lineNumber/columnNumber.
 */
export function parseDom(input: Buffer | string, limits: XmlLimits = DEFAULT_XML_LIMITS): Document {
  const text = decodeXml(input, limits);
  // xmldom recovers from much that is not well-formed (a mismatched end tag, a control character): the
  // strict lite DOM, a fraction of xmldom's cost, decides well-formedness and the limits first.
  const elements = parseLiteDom(text, { maxBytes: limits.maxBytes, maxDepth: MAX_DOM_DEPTH }).getElementsByTagNameNS('*', '*');
  const names = new Set<string>();
  for (let k = 0; k < elements.length && names.size <= MAX_DOM_ELEMENT_NAMES; k++) names.add(elements[k]!.tagName);
  if (names.size > MAX_DOM_ELEMENT_NAMES) throw new ApError('input.too-large', `The XML has more than ${MAX_DOM_ELEMENT_NAMES} distinct element names`);
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
