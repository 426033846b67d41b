/**
 * The document types and processes this access point knows by name (peppol-reference §2), as one table.
 * Keys are short names for the CLI and the API (`participants add-doctype ... invoice`).
 */
import { ApError } from '../errors.js';
import {
  DOCTYPE_SCHEME,
  PROCESS_SCHEME,
  parseDocumentTypeId,
  parseProcessId,
  type DocumentTypeIdentifier,
  type ProcessIdentifier,
} from './identifiers.js';

export const PROCESSES = {
  billing: 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0',
  selfbilling: 'urn:fdc:peppol.eu:2017:poacc:selfbilling:01:1.0',
  invoiceResponse: 'urn:fdc:peppol.eu:poacc:bis:invoice_response:3',
  mlr: 'urn:fdc:peppol.eu:poacc:bis:mlr:3',
  mls: 'urn:peppol:edec:mls',
  reporting: 'urn:fdc:peppol.eu:edec:bis:reporting:1.0',
  billingWithResponse: 'urn:peppol:bis:billing_with_response',
} as const;

export interface KnownDocumentType {
  name: string;
  title: string;
  documentType: DocumentTypeIdentifier;
  /** The process this document type is exchanged in by default. */
  process: ProcessIdentifier;
}

const dt = (name: string, title: string, value: string, process: string): KnownDocumentType => ({
  name,
  title,
  documentType: { scheme: DOCTYPE_SCHEME, value },
  process: { scheme: PROCESS_SCHEME, value: process },
});

const UBL = 'urn:oasis:names:specification:ubl:schema:xsd';

export const DOCUMENT_TYPES: readonly KnownDocumentType[] = [
  dt('invoice', 'Invoice (BIS Billing 3.0)',
    `${UBL}:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1`, PROCESSES.billing),
  dt('creditnote', 'Credit note (BIS Billing 3.0)',
    `${UBL}:CreditNote-2::CreditNote##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1`, PROCESSES.billing),
  dt('selfbilling-invoice', 'Self-billing invoice (BIS Self-Billing 3.0)',
    `${UBL}:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:selfbilling:3.0::2.1`, PROCESSES.selfbilling),
  dt('selfbilling-creditnote', 'Self-billing credit note (BIS Self-Billing 3.0)',
    `${UBL}:CreditNote-2::CreditNote##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:selfbilling:3.0::2.1`, PROCESSES.selfbilling),
  dt('invoice-response', 'Invoice Response (BIS 63)',
    `${UBL}:ApplicationResponse-2::ApplicationResponse##urn:fdc:peppol.eu:poacc:trns:invoice_response:3::2.1`, PROCESSES.invoiceResponse),
  dt('mlr', 'Message Level Response (BIS 36)',
    `${UBL}:ApplicationResponse-2::ApplicationResponse##urn:fdc:peppol.eu:poacc:trns:mlr:3::2.1`, PROCESSES.mlr),
  dt('mls', 'Message Level Status (MLS 1.0)',
    `${UBL}:ApplicationResponse-2::ApplicationResponse##urn:peppol:edec:mls:1.0::2.1`, PROCESSES.mls),
  dt('tsr', 'Transaction Statistics Report 1.0',
    'urn:fdc:peppol:transaction-statistics-report:1.0::TransactionStatisticsReport##urn:fdc:peppol.eu:edec:trns:transaction-statistics-reporting:1.0::1.0',
    PROCESSES.reporting),
  dt('eusr', 'End User Statistics Report 1.1',
    'urn:fdc:peppol:end-user-statistics-report:1.1::EndUserStatisticsReport##urn:fdc:peppol.eu:edec:trns:end-user-statistics-report:1.1::1.1',
    PROCESSES.reporting),
];

const byName = new Map(DOCUMENT_TYPES.map((d) => [d.name, d]));

/** The table entry with this short name, or undefined. */
export function knownDocumentType(name: string): KnownDocumentType | undefined {
  return byName.get(name.toLowerCase());
}

/** The table entries with this document type value (a value can be used in more than one process). */
export function findKnownDocumentType(value: string): KnownDocumentType | undefined {
  return DOCUMENT_TYPES.find((d) => d.documentType.value === value);
}

/** A document type given by short name of the table or by identifier. */
export function documentTypeFromText(text: string): DocumentTypeIdentifier {
  return knownDocumentType(text)?.documentType ?? parseDocumentTypeId(text);
}

/**
 * A document type and its process: by short name (taking the table's process unless one is given), or
 * by identifier (then the process must be given).
 */
export function resolveDocumentType(text: string, processText?: string): { documentType: DocumentTypeIdentifier; process: ProcessIdentifier } {
  const known = knownDocumentType(text);
  const documentType = known ? known.documentType : parseDocumentTypeId(text);
  const process = processText ? parseProcessId(processText) : known?.process;
  if (!process) throw new ApError('identifier.invalid', `A process is needed for document type ${text} (it is not in the constants table)`);
  return { documentType, process };
}
