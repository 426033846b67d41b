/**
 * The routing and tracking fields of a UBL Invoice or CreditNote: parties (EndpointID as `ICD:value`),
 * Peppol document type and process, invoice number and issue date, and the supplier's country (COUNTRY_C1
 * of the SBDH, stored at submission so that no delivery attempt parses the document again). Best effort: a field the document
 * lacks is null (a document failing validation is still stored with what can be read).
 *
 * Read from the validator's own document model (src/validation/dom.ts): a caller holding the validator's
 * parse reads the fields without parsing again; otherwise the same hardened parse runs here (size limit,
 * DTD refusal, depth and node limits).
 */
import type { XmlLimits } from '../xml/decode.js';
import type { DocumentMetadata } from '../store/documents.js';
import { nameKey, parseDocument, type XNode } from '../validation/dom.js';

const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
const CAC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2';

function child(parent: XNode | null, ns: string, name: string): XNode | null {
  if (!parent) return null;
  const key = nameKey(ns, name);
  for (const e of parent.elems) if (e.key === key) return e;
  return null;
}

const text = (e: XNode | null): string | null => {
  const t = e?.stringValue().trim();
  return t ? t : null;
};

function endpoint(root: XNode, partyElement: string): string | null {
  const id = child(child(child(root, CAC, partyElement), CAC, 'Party'), CBC, 'EndpointID');
  const value = text(id);
  const scheme = id?.attrs.find((a) => a.qname === 'schemeID')?.value?.trim();
  return value && scheme ? `${scheme}:${value}`.toLowerCase() : null;
}

export interface UblMetadata extends DocumentMetadata {
  /**
   * ISO 3166-1 alpha-2 code of the supplier's postal address (AccountingSupplierParty/Party/PostalAddress/
   * Country/IdentificationCode, BT-40, mandatory in EN 16931), or null when absent or not such a code.
   */
  supplierCountry: string | null;
}

function supplierCountry(root: XNode): string | null {
  const address = child(child(child(root, CAC, 'AccountingSupplierParty'), CAC, 'Party'), CAC, 'PostalAddress');
  const code = text(child(child(address, CAC, 'Country'), CBC, 'IdentificationCode'))?.toUpperCase() ?? '';
  return /^[A-Z]{2}$/.test(code) ? code : null;
}

/** The fields of a document the validator (or readUblMetadata) has parsed; `root` is its root element. */
export function ublMetadataOf(root: XNode): UblMetadata {
  const customization = text(child(root, CBC, 'CustomizationID'));
  const issueDate = text(child(root, CBC, 'IssueDate'));
  return {
    senderId: endpoint(root, 'AccountingSupplierParty'),
    receiverId: endpoint(root, 'AccountingCustomerParty'),
    documentKind: root.local,
    // busdox-docid-qns: <root namespace>::<root name>##<customization>::<UBL version>
    documentType: customization ? `${root.ns}::${root.local}##${customization}::2.1` : null,
    process: text(child(root, CBC, 'ProfileID')),
    invoiceNumber: text(child(root, CBC, 'ID')),
    issueDate: issueDate && /^\d{4}-\d{2}-\d{2}$/.test(issueDate) ? issueDate : null,
    supplierCountry: supplierCountry(root),
  };
}

/** Parses `xml` (throwing ApError xml.*, input.* on bad input) and reads its fields. */
export function readUblMetadata(xml: Buffer, limits: XmlLimits): UblMetadata {
  return ublMetadataOf(parseDocument(xml, { maxBytes: limits.maxBytes }).root);
}
