/**
 * The routing and tracking fields of a UBL Invoice, CreditNote or ApplicationResponse: parties (EndpointID as `ICD:value`),
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

/** The EndpointID of `party` (cac:Party of an invoice's AccountingSupplierParty, an ApplicationResponse's SenderParty...) as `ICD:value`. */
function endpointOf(party: XNode | null): string | null {
  const id = child(party, CBC, 'EndpointID');
  const value = text(id);
  const scheme = id?.attrs.find((a) => a.qname === 'schemeID')?.value?.trim();
  return value && scheme ? `${scheme}:${value}`.toLowerCase() : null;
}

const endpoint = (root: XNode, partyElement: string): string | null => endpointOf(child(child(root, CAC, partyElement), CAC, 'Party'));

/** Countries that an ICD belongs to, where a response carries no address (Belgian 0208 and 9925). */
const SCHEME_COUNTRY: Readonly<Record<string, string>> = { '0208': 'BE', '9925': 'BE' };

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
  // An ApplicationResponse (Invoice Response, MLS) names its parties SenderParty and ReceiverParty, no address.
  const response = root.local === 'ApplicationResponse';
  const senderId = response ? endpointOf(child(root, CAC, 'SenderParty')) : endpoint(root, 'AccountingSupplierParty');
  return {
    senderId,
    receiverId: response ? endpointOf(child(root, CAC, 'ReceiverParty')) : endpoint(root, 'AccountingCustomerParty'),
    documentKind: root.local,
    // busdox-docid-qns: <root namespace>::<root name>##<customization>::<UBL version>
    documentType: customization ? `${root.ns}::${root.local}##${customization}::2.1` : null,
    process: text(child(root, CBC, 'ProfileID')),
    invoiceNumber: text(child(root, CBC, 'ID')),
    issueDate: issueDate && /^\d{4}-\d{2}-\d{2}$/.test(issueDate) ? issueDate : null,
    supplierCountry: response ? (SCHEME_COUNTRY[senderId?.slice(0, 4) ?? ''] ?? null) : supplierCountry(root),
  };
}

/** What an Invoice Response about an invoice or credit note repeats of it. */
export interface AnsweredFields {
  /** UNTDID 1001 (380, 381, 384...): InvoiceTypeCode or CreditNoteTypeCode. */
  typeCode: string | null;
  /** Legal registration names (BT-27, BT-44), else the trading names. */
  supplierName: string | null;
  buyerName: string | null;
}

function partyName(root: XNode, partyElement: string): string | null {
  const party = child(child(root, CAC, partyElement), CAC, 'Party');
  return text(child(child(party, CAC, 'PartyLegalEntity'), CBC, 'RegistrationName')) ?? text(child(child(party, CAC, 'PartyName'), CBC, 'Name'));
}

export function answeredFieldsOf(root: XNode): AnsweredFields {
  return {
    typeCode: text(child(root, CBC, root.local === 'CreditNote' ? 'CreditNoteTypeCode' : 'InvoiceTypeCode')),
    supplierName: partyName(root, 'AccountingSupplierParty'),
    buyerName: partyName(root, 'AccountingCustomerParty'),
  };
}

/** Parses `xml` (throwing ApError xml.*, input.* on bad input) and reads its fields. */
export function readUblMetadata(xml: Buffer, limits: XmlLimits): UblMetadata {
  return ublMetadataOf(parseDocument(xml, { maxBytes: limits.maxBytes }).root);
}

/** The e-mail addresses of the parties' contacts (cac:Party/cac:Contact/cbc:ElectronicMail, BT-43 and BT-58). */
export interface ContactAddresses {
  supplier: string | null;
  buyer: string | null;
}

const contactAddress = (root: XNode, partyElement: string): string | null =>
  text(child(child(child(child(root, CAC, partyElement), CAC, 'Party'), CAC, 'Contact'), CBC, 'ElectronicMail'));

/** Parses `xml` (throwing ApError xml.*, input.* on bad input) and reads the contacts' addresses. */
export function readContactAddresses(xml: Buffer, limits: XmlLimits): ContactAddresses {
  const { root } = parseDocument(xml, { maxBytes: limits.maxBytes });
  return { supplier: contactAddress(root, 'AccountingSupplierParty'), buyer: contactAddress(root, 'AccountingCustomerParty') };
}

/** Parses `xml` and reads what an e-mail about it says: kind, number, date and the parties' names. */
export function readDocumentFacts(xml: Buffer, limits: XmlLimits): { kind: string; number: string | null; issueDate: string | null; supplier: string | null; buyer: string | null } {
  const { root } = parseDocument(xml, { maxBytes: limits.maxBytes });
  const names = answeredFieldsOf(root);
  return { kind: root.local, number: text(child(root, CBC, 'ID')), issueDate: text(child(root, CBC, 'IssueDate')), supplier: names.supplierName, buyer: names.buyerName };
}
