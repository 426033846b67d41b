/**
 * COUNTRY_C1 for the SBDH: the country of the sender (C1), read from the UBL supplier's postal address
 * (AccountingSupplierParty/Party/PostalAddress/Country/IdentificationCode, BT-40, mandatory in EN 16931).
 * Read with the validator's document model (src/validation/dom.ts: same limits and DTD refusal), which
 * costs a fraction of a DOM parse on each delivery attempt.
 */
import { nameKey, parseDocument, type XNode } from '../validation/dom.js';
import type { XmlLimits } from '../xml/decode.js';

const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
const CAC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2';
const PATH = [nameKey(CAC, 'AccountingSupplierParty'), nameKey(CAC, 'Party'), nameKey(CAC, 'PostalAddress'), nameKey(CAC, 'Country'), nameKey(CBC, 'IdentificationCode')];

/** ISO 3166-1 alpha-2 code of the supplier, or null when the document has none (or not a valid one). */
export function countryOfSupplier(xml: Buffer, limits: XmlLimits): string | null {
  let e: XNode | undefined = parseDocument(xml, { maxBytes: limits.maxBytes }).root;
  for (const key of PATH) e = e?.elems.find((c) => c.key === key);
  const code = e?.stringValue().trim().toUpperCase() ?? '';
  return /^[A-Z]{2}$/.test(code) ? code : null;
}
