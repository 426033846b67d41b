/**
 * The routing and tracking fields of a UBL Invoice or CreditNote: parties (EndpointID as `ICD:value`),
 * Peppol document type and process, invoice number and issue date. Best effort: a field the document
 * lacks is null (a document failing validation is still stored with what can be read).
 */
import { parseDom, type XmlLimits } from '../xml/safe.js';
import type { DocumentMetadata } from '../store/documents.js';

const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
const CAC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2';

function child(parent: Element | null, ns: string, name: string): Element | null {
  if (!parent) return null;
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === name && (n as Element).namespaceURI === ns) return n as Element;
  }
  return null;
}

const text = (e: Element | null): string | null => {
  const t = e?.textContent?.trim();
  return t ? t : null;
};

function endpoint(root: Element, partyElement: string): string | null {
  const id = child(child(child(root, CAC, partyElement), CAC, 'Party'), CBC, 'EndpointID');
  const value = text(id);
  const scheme = id?.getAttribute('schemeID')?.trim();
  return value && scheme ? `${scheme}:${value}`.toLowerCase() : null;
}

export function readUblMetadata(xml: Buffer, limits: XmlLimits): DocumentMetadata {
  const root = parseDom(xml, limits).documentElement;
  const customization = text(child(root, CBC, 'CustomizationID'));
  const issueDate = text(child(root, CBC, 'IssueDate'));
  return {
    senderId: endpoint(root, 'AccountingSupplierParty'),
    receiverId: endpoint(root, 'AccountingCustomerParty'),
    documentKind: root.localName,
    // busdox-docid-qns: <root namespace>::<root name>##<customization>::<UBL version>
    documentType: customization ? `${root.namespaceURI}::${root.localName}##${customization}::2.1` : null,
    process: text(child(root, CBC, 'ProfileID')),
    invoiceNumber: text(child(root, CBC, 'ID')),
    issueDate: issueDate && /^\d{4}-\d{2}-\d{2}$/.test(issueDate) ? issueDate : null,
  };
}
