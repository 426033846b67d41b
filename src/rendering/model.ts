/**
 * What a rendering shows, read from the XML: plain strings exactly as the document has them (amounts,
 * quantities and dates stay decimal and ISO strings; the views format them per language). Element names
 * follow UBL and the EN 16931 business terms (BT-n) they carry.
 */

/** An amount as written in the document: its decimal text and its currencyID. */
export interface Amount {
  value: string;
  currency?: string;
}

/** An identifier with its scheme (ICD or other scheme code), as written. */
export interface Identifier {
  value: string;
  scheme?: string;
}

export interface Address {
  lines: string[];
  city?: string;
  postalZone?: string;
  subdivision?: string;
  country?: string;
}

export interface Party {
  name?: string;
  tradingName?: string;
  endpoint?: Identifier;
  identifiers: Identifier[];
  vatNumber?: string;
  taxNumber?: string;
  legalId?: Identifier;
  legalForm?: string;
  address?: Address;
  contact: { name?: string; telephone?: string; email?: string };
}

export interface AllowanceCharge {
  charge: boolean;
  amount: Amount;
  baseAmount?: Amount;
  percent?: string;
  reason?: string;
  reasonCode?: string;
  vatCategory?: string;
  vatRate?: string;
}

export interface Period {
  start?: string;
  end?: string;
  descriptionCode?: string;
}

export interface InvoiceLine {
  id: string;
  note?: string;
  quantity?: string;
  unitCode?: string;
  amount: Amount;
  accountingCost?: string;
  orderLineReference?: string;
  period?: Period;
  itemName?: string;
  itemDescription?: string;
  sellersItemId?: string;
  buyersItemId?: string;
  standardItemId?: Identifier;
  originCountry?: string;
  classifications: Identifier[];
  properties: { name: string; value: string }[];
  vatCategory?: string;
  vatRate?: string;
  price?: Amount;
  baseQuantity?: string;
  baseQuantityUnit?: string;
  grossPrice?: Amount;
  priceDiscount?: Amount;
  allowanceCharges: AllowanceCharge[];
}

export interface VatBreakdown {
  category?: string;
  rate?: string;
  taxableAmount: Amount;
  taxAmount: Amount;
  exemptionReason?: string;
  exemptionReasonCode?: string;
}

export interface PaymentMeans {
  code?: string;
  codeName?: string;
  paymentId?: string;
  iban?: string;
  accountName?: string;
  bic?: string;
  cardNumber?: string;
  cardHolder?: string;
  mandateId?: string;
  debitedAccount?: string;
}

/** An AdditionalDocumentReference: a supporting document, embedded or referenced by URI. */
export interface AttachmentRef {
  /** Position among the document's AdditionalDocumentReference elements (0-based). */
  index: number;
  id: string;
  typeCode?: string;
  description?: string;
  filename?: string;
  mimeCode?: string;
  /** Size of the embedded content in bytes, from the base64 text (not decoded here). */
  size?: number;
  uri?: string;
}

export interface DocumentReference {
  kind: 'order' | 'salesOrder' | 'contract' | 'project' | 'despatch' | 'receipt' | 'originator' | 'precedingInvoice' | 'invoicedObject';
  id: string;
  issueDate?: string;
  scheme?: string;
}

/** A UBL Invoice or CreditNote of Peppol BIS Billing 3.0. */
export interface BillingDocument {
  kind: 'invoice' | 'credit-note';
  id: string;
  typeCode?: string;
  issueDate?: string;
  dueDate?: string;
  taxPointDate?: string;
  currency?: string;
  taxCurrency?: string;
  buyerReference?: string;
  accountingCost?: string;
  customizationId?: string;
  profileId?: string;
  notes: string[];
  period?: Period;
  references: DocumentReference[];
  attachments: AttachmentRef[];
  seller: Party;
  buyer: Party;
  payee?: Party;
  taxRepresentative?: Party;
  delivery?: { date?: string; locationId?: Identifier; address?: Address; partyName?: string };
  paymentMeans: PaymentMeans[];
  paymentTerms?: string;
  allowanceCharges: AllowanceCharge[];
  vatTotal?: Amount;
  vatTotalInTaxCurrency?: Amount;
  vatBreakdown: VatBreakdown[];
  totals: {
    lineExtension?: Amount;
    allowances?: Amount;
    charges?: Amount;
    taxExclusive?: Amount;
    taxInclusive?: Amount;
    prepaid?: Amount;
    rounding?: Amount;
    payable?: Amount;
  };
  lines: InvoiceLine[];
}

/** A status clarification of an Invoice Response (BIS 63: StatusReasonCode with listID). */
export interface ResponseStatus {
  listId?: string;
  code?: string;
  reason?: string;
  conditions: { attributeId?: string; description?: string }[];
}

/** A Peppol Invoice Response (BIS 63, UBL ApplicationResponse). */
export interface InvoiceResponseDocument {
  kind: 'invoice-response';
  id: string;
  issueDate?: string;
  issueTime?: string;
  notes: string[];
  sender: Party;
  receiver: Party;
  responseCode?: string;
  effectiveDate?: string;
  statuses: ResponseStatus[];
  invoice: { id?: string; issueDate?: string; typeCode?: string; issuer?: Party; recipient?: Party };
}

export type RenderableDocument = BillingDocument | InvoiceResponseDocument;
