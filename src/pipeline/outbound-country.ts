/**
 * COUNTRY_C1 for the SBDH: the country of the sender (C1), read from the UBL supplier's postal address
 * (AccountingSupplierParty/Party/PostalAddress/Country/IdentificationCode, BT-40, mandatory in EN 16931).
 */
import { parseDom, type XmlLimits } from '../xml/safe.js';

const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
const CAC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2';

function child(parent: Element | null, ns: string, name: string): Element | null {
  for (let n = parent?.firstChild ?? null; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === name && (n as Element).namespaceURI === ns) return n as Element;
  }
  return null;
}

/** ISO 3166-1 alpha-2 code of the supplier, or null when the document has none (or not a valid one). */
export function countryOfSupplier(xml: Buffer, limits: XmlLimits): string | null {
  let e: Element | null = parseDom(xml, limits).documentElement;
  for (const [ns, name] of [[CAC, 'AccountingSupplierParty'], [CAC, 'Party'], [CAC, 'PostalAddress'], [CAC, 'Country'], [CBC, 'IdentificationCode']] as const) {
    e = child(e, ns, name);
  }
  const code = e?.textContent?.trim().toUpperCase() ?? '';
  return /^[A-Z]{2}$/.test(code) ? code : null;
}
