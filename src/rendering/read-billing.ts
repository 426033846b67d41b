/**
 * Reads a UBL Invoice or CreditNote (Peppol BIS Billing 3.0) into the model. Best effort: the renderer
 * shows what the document holds, valid or not; only the root decides whether it can be rendered at all.
 */
import { all, at, attr, text } from './dom.js';
import type { AllowanceCharge, AttachmentRef, BillingDocument, DocumentReference, InvoiceLine, Period, PaymentMeans, VatBreakdown } from './model.js';
import { address, amount, identifier, party } from './read-party.js';

function period(e: Element | undefined): Period | undefined {
  if (!e) return undefined;
  return { start: text(e, 'cbc:StartDate'), end: text(e, 'cbc:EndDate'), descriptionCode: text(e, 'cbc:DescriptionCode') };
}

function allowanceCharge(e: Element): AllowanceCharge {
  return {
    charge: text(e, 'cbc:ChargeIndicator') === 'true',
    amount: amount(at(e, 'cbc:Amount')) ?? { value: '' },
    baseAmount: amount(at(e, 'cbc:BaseAmount')),
    percent: text(e, 'cbc:MultiplierFactorNumeric'),
    reason: text(e, 'cbc:AllowanceChargeReason'),
    reasonCode: text(e, 'cbc:AllowanceChargeReasonCode'),
    vatCategory: text(e, 'cac:TaxCategory/cbc:ID'),
    vatRate: text(e, 'cac:TaxCategory/cbc:Percent'),
  };
}

/** Bytes of base64 text without decoding it: 3 per 4 characters, less the padding. */
function base64Size(b64: string): number {
  let n = 0;
  let pad = 0;
  for (let i = 0; i < b64.length; i++) {
    const c = b64.charCodeAt(i);
    if (c === 61) pad++;
    else if (c > 32) n++;
  }
  return Math.floor(((n + pad) * 3) / 4) - pad;
}

export function attachmentRefs(root: Element): AttachmentRef[] {
  return all(root, 'cac:AdditionalDocumentReference').map((d, index): AttachmentRef => {
    const binary = at(d, 'cac:Attachment/cbc:EmbeddedDocumentBinaryObject');
    return {
      index,
      id: text(d, 'cbc:ID') ?? '',
      typeCode: text(d, 'cbc:DocumentTypeCode'),
      description: text(d, 'cbc:DocumentDescription'),
      filename: attr(binary, 'filename'),
      mimeCode: attr(binary, 'mimeCode'),
      size: binary ? base64Size(binary.textContent ?? '') : undefined,
      uri: text(d, 'cac:Attachment/cac:ExternalReference/cbc:URI'),
    };
  });
}

function references(root: Element): DocumentReference[] {
  const out: DocumentReference[] = [];
  const add = (kind: DocumentReference['kind'], id: string | undefined, extra: Partial<DocumentReference> = {}): void => {
    if (id !== undefined) out.push({ kind, id, ...extra });
  };
  add('order', text(root, 'cac:OrderReference/cbc:ID'));
  add('salesOrder', text(root, 'cac:OrderReference/cbc:SalesOrderID'));
  for (const b of all(root, 'cac:BillingReference')) {
    add('precedingInvoice', text(b, 'cac:InvoiceDocumentReference/cbc:ID'), { issueDate: text(b, 'cac:InvoiceDocumentReference/cbc:IssueDate') });
  }
  add('contract', text(root, 'cac:ContractDocumentReference/cbc:ID'));
  add('project', text(root, 'cac:ProjectReference/cbc:ID'));
  add('despatch', text(root, 'cac:DespatchDocumentReference/cbc:ID'));
  add('receipt', text(root, 'cac:ReceiptDocumentReference/cbc:ID'));
  add('originator', text(root, 'cac:OriginatorDocumentReference/cbc:ID'));
  // BT-18: an AdditionalDocumentReference with type code 130 is the invoiced object, not an attachment.
  for (const d of all(root, 'cac:AdditionalDocumentReference')) {
    if (text(d, 'cbc:DocumentTypeCode') === '130') add('invoicedObject', text(d, 'cbc:ID'), { scheme: attr(at(d, 'cbc:ID'), 'schemeID') });
  }
  return out;
}

function paymentMeans(e: Element): PaymentMeans {
  const code = at(e, 'cbc:PaymentMeansCode');
  return {
    code: text(code),
    codeName: attr(code, 'name'),
    paymentId: text(e, 'cbc:PaymentID'),
    iban: text(e, 'cac:PayeeFinancialAccount/cbc:ID'),
    accountName: text(e, 'cac:PayeeFinancialAccount/cbc:Name'),
    bic: text(e, 'cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID'),
    cardNumber: text(e, 'cac:CardAccount/cbc:PrimaryAccountNumberID'),
    cardHolder: text(e, 'cac:CardAccount/cbc:HolderName'),
    mandateId: text(e, 'cac:PaymentMandate/cbc:ID'),
    debitedAccount: text(e, 'cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID'),
  };
}

function line(e: Element, quantityName: string): InvoiceLine {
  const quantity = at(e, quantityName);
  const item = at(e, 'cac:Item');
  const price = at(e, 'cac:Price');
  const priceAc = at(price, 'cac:AllowanceCharge');
  const base = at(price, 'cbc:BaseQuantity');
  return {
    id: text(e, 'cbc:ID') ?? '',
    note: text(e, 'cbc:Note'),
    quantity: text(quantity),
    unitCode: attr(quantity, 'unitCode'),
    amount: amount(at(e, 'cbc:LineExtensionAmount')) ?? { value: '' },
    accountingCost: text(e, 'cbc:AccountingCost'),
    orderLineReference: text(e, 'cac:OrderLineReference/cbc:LineID'),
    period: period(at(e, 'cac:InvoicePeriod')),
    itemName: text(item, 'cbc:Name'),
    itemDescription: text(item, 'cbc:Description'),
    sellersItemId: text(item, 'cac:SellersItemIdentification/cbc:ID'),
    buyersItemId: text(item, 'cac:BuyersItemIdentification/cbc:ID'),
    standardItemId: identifier(at(item, 'cac:StandardItemIdentification/cbc:ID')),
    originCountry: text(item, 'cac:OriginCountry/cbc:IdentificationCode'),
    classifications: all(item, 'cac:CommodityClassification').flatMap((c) => {
      const code = at(c, 'cbc:ItemClassificationCode');
      const value = text(code);
      return value === undefined ? [] : [{ value, scheme: attr(code, 'listID') }];
    }),
    properties: all(item, 'cac:AdditionalItemProperty').map((p) => ({ name: text(p, 'cbc:Name') ?? '', value: text(p, 'cbc:Value') ?? '' })),
    vatCategory: text(item, 'cac:ClassifiedTaxCategory/cbc:ID'),
    vatRate: text(item, 'cac:ClassifiedTaxCategory/cbc:Percent'),
    price: amount(at(price, 'cbc:PriceAmount')),
    baseQuantity: text(base),
    baseQuantityUnit: attr(base, 'unitCode'),
    grossPrice: amount(at(priceAc, 'cbc:BaseAmount')),
    priceDiscount: amount(at(priceAc, 'cbc:Amount')),
    allowanceCharges: all(e, 'cac:AllowanceCharge').map(allowanceCharge),
  };
}

function vatBreakdown(s: Element): VatBreakdown {
  return {
    category: text(s, 'cac:TaxCategory/cbc:ID'),
    rate: text(s, 'cac:TaxCategory/cbc:Percent'),
    taxableAmount: amount(at(s, 'cbc:TaxableAmount')) ?? { value: '' },
    taxAmount: amount(at(s, 'cbc:TaxAmount')) ?? { value: '' },
    exemptionReason: text(s, 'cac:TaxCategory/cbc:TaxExemptionReason'),
    exemptionReasonCode: text(s, 'cac:TaxCategory/cbc:TaxExemptionReasonCode'),
  };
}

export function readBilling(root: Element, kind: BillingDocument['kind']): BillingDocument {
  const credit = kind === 'credit-note';
  const currency = text(root, 'cbc:DocumentCurrencyCode');
  const taxCurrency = text(root, 'cbc:TaxCurrencyCode');
  const taxTotals = all(root, 'cac:TaxTotal');
  // BR-53: with a tax currency, a second TaxTotal gives the VAT in it, without breakdown.
  const main = taxTotals.find((t) => attr(at(t, 'cbc:TaxAmount'), 'currencyID') === currency) ?? taxTotals[0];
  const inTaxCurrency = taxTotals.find((t) => t !== main);
  const totals = at(root, 'cac:LegalMonetaryTotal');
  const delivery = at(root, 'cac:Delivery');
  const means = all(root, 'cac:PaymentMeans');
  return {
    kind,
    id: text(root, 'cbc:ID') ?? '',
    typeCode: text(root, credit ? 'cbc:CreditNoteTypeCode' : 'cbc:InvoiceTypeCode'),
    issueDate: text(root, 'cbc:IssueDate'),
    dueDate: text(root, 'cbc:DueDate') ?? means.map((m) => text(m, 'cbc:PaymentDueDate')).find((d) => d !== undefined),
    taxPointDate: text(root, 'cbc:TaxPointDate'),
    currency,
    taxCurrency,
    buyerReference: text(root, 'cbc:BuyerReference'),
    accountingCost: text(root, 'cbc:AccountingCost'),
    customizationId: text(root, 'cbc:CustomizationID'),
    profileId: text(root, 'cbc:ProfileID'),
    notes: all(root, 'cbc:Note')
      .map((n) => text(n))
      .filter((n): n is string => n !== undefined),
    period: period(at(root, 'cac:InvoicePeriod')),
    references: references(root),
    attachments: attachmentRefs(root).filter((a) => a.typeCode !== '130'),
    seller: party(at(root, 'cac:AccountingSupplierParty/cac:Party')),
    buyer: party(at(root, 'cac:AccountingCustomerParty/cac:Party')),
    payee: at(root, 'cac:PayeeParty') ? party(at(root, 'cac:PayeeParty')) : undefined,
    taxRepresentative: at(root, 'cac:TaxRepresentativeParty') ? party(at(root, 'cac:TaxRepresentativeParty')) : undefined,
    delivery: delivery && {
      date: text(delivery, 'cbc:ActualDeliveryDate'),
      locationId: identifier(at(delivery, 'cac:DeliveryLocation/cbc:ID')),
      address: address(at(delivery, 'cac:DeliveryLocation/cac:Address')),
      partyName: text(delivery, 'cac:DeliveryParty/cac:PartyName/cbc:Name'),
    },
    paymentMeans: means.map(paymentMeans),
    paymentTerms: all(root, 'cac:PaymentTerms')
      .map((t) => text(t, 'cbc:Note'))
      .filter((n): n is string => n !== undefined)
      .join('\n') || undefined,
    allowanceCharges: all(root, 'cac:AllowanceCharge').map(allowanceCharge),
    vatTotal: amount(at(main, 'cbc:TaxAmount')),
    vatTotalInTaxCurrency: amount(at(inTaxCurrency, 'cbc:TaxAmount')),
    vatBreakdown: all(main, 'cac:TaxSubtotal').map(vatBreakdown),
    totals: {
      lineExtension: amount(at(totals, 'cbc:LineExtensionAmount')),
      allowances: amount(at(totals, 'cbc:AllowanceTotalAmount')),
      charges: amount(at(totals, 'cbc:ChargeTotalAmount')),
      taxExclusive: amount(at(totals, 'cbc:TaxExclusiveAmount')),
      taxInclusive: amount(at(totals, 'cbc:TaxInclusiveAmount')),
      prepaid: amount(at(totals, 'cbc:PrepaidAmount')),
      rounding: amount(at(totals, 'cbc:PayableRoundingAmount')),
      payable: amount(at(totals, 'cbc:PayableAmount')),
    },
    lines: all(root, credit ? 'cac:CreditNoteLine' : 'cac:InvoiceLine').map((l) => line(l, credit ? 'cbc:CreditedQuantity' : 'cbc:InvoicedQuantity')),
  };
}
