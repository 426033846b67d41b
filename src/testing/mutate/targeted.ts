/**
 * Hand-written mutations aimed at rules whose tests compute something (sums, VAT category logic,
 * check digits, national rules), which the derived mutations cannot reach. Each is named after the
 * rule(s) it aims at; `bases` lists the example documents it applies to (default: base-example).
 */
import type { UblDoc } from './dom.js';
import { addCents } from './random.js';
import { NATIONAL } from './national.js';

export interface Targeted {
  name: string;
  bases?: string[];
  apply(d: UblDoc): boolean;
}

const SUP = 'cac:AccountingSupplierParty/cac:Party';
const CUS = 'cac:AccountingCustomerParty/cac:Party';
const LMT = 'cac:LegalMonetaryTotal';
const SUB = 'cac:TaxTotal/cac:TaxSubtotal';
const BOTH = ['base-example', 'base-creditnote-correction'];

/** Adds cents to the amount at the path (first match). */
function bump(d: UblDoc, path: string, cents: number): boolean {
  const el = d.first(path);
  const v = el ? addCents(el.textContent ?? '', cents) : null;
  return v !== null && d.set(path, v);
}

/** Moves a party to a country: postal address and the VAT identifier's prefix. */
function country(d: UblDoc, party: string, cc: string, vatDigits = '123456789'): boolean {
  d.set(`${party}/cac:PostalAddress/cac:Country/cbc:IdentificationCode`, cc, true);
  d.set(`${party}/cac:PartyTaxScheme/cbc:CompanyID`, `${cc}${vatDigits}`);
  return true;
}

/** Every VAT category of the document (lines, allowances/charges, breakdown) becomes `cat` at `pct`. */
function asCategory(d: UblDoc, cat: string, pct: string | null): void {
  for (const p of [`//cac:ClassifiedTaxCategory`, `//cac:TaxCategory`]) {
    d.set(`${p}/cbc:ID`, cat);
    if (pct === null) d.remove(`${p}/cbc:Percent`, undefined);
    else d.set(`${p}/cbc:Percent`, pct);
  }
  if (pct !== null && Number(pct) === 0) {
    d.set(`${SUB}/cbc:TaxAmount`, '0');
    d.set('cac:TaxTotal/cbc:TaxAmount', '0');
    const excl = d.text(`${LMT}/cbc:TaxExclusiveAmount`) ?? '0';
    d.set(`${LMT}/cbc:TaxInclusiveAmount`, excl);
    d.set(`${LMT}/cbc:PayableAmount`, excl);
  }
  if (pct === null) {
    d.set(`${SUB}/cbc:TaxAmount`, '0');
    d.set('cac:TaxTotal/cbc:TaxAmount', '0');
    const excl = d.text(`${LMT}/cbc:TaxExclusiveAmount`) ?? '0';
    d.set(`${LMT}/cbc:TaxInclusiveAmount`, excl);
    d.set(`${LMT}/cbc:PayableAmount`, excl);
  }
  if (['E', 'AE', 'K', 'G', 'O'].includes(cat)) {
    d.add(`${SUB}/cac:TaxCategory`, '<cbc:TaxExemptionReason>Exempt</cbc:TaxExemptionReason>', 'cac:TaxScheme');
  }
}

/** A zero document-level allowance, so that allowance-side VAT rules have something to check. */
function addZeroAllowance(d: UblDoc, cat: string, pct: string | null): void {
  const anchor = d.first('cac:TaxTotal');
  if (!anchor) return;
  const frag =
    `<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:AllowanceChargeReason>Discount</cbc:AllowanceChargeReason>` +
    `<cbc:Amount currencyID="${d.text('cbc:DocumentCurrencyCode') ?? 'EUR'}">0</cbc:Amount><cac:TaxCategory><cbc:ID>${cat}</cbc:ID>` +
    `${pct === null ? '' : `<cbc:Percent>${pct}</cbc:Percent>`}<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:AllowanceCharge>`;
  d.add('.', frag, 'cac:TaxTotal');
  d.set(`${LMT}/cbc:AllowanceTotalAmount`, '0', true);
}

const t = (name: string, apply: (d: UblDoc) => boolean | void, bases?: string[]): Targeted => ({
  name,
  apply: (d) => apply(d) !== false,
  ...(bases ? { bases } : {}),
});

/** Per VAT category: a consistent document of that category, then one break per rule of the family. */
function categoryFamily(cat: string, pct: string | null, family: string, wrongPct: string): Targeted[] {
  const prep = (d: UblDoc): void => {
    asCategory(d, cat, pct);
    addZeroAllowance(d, cat, pct);
  };
  const line = (d: UblDoc): string => `${d.L}[1]/cac:Item/cac:ClassifiedTaxCategory`;
  const f = (suffix: string, fn: (d: UblDoc) => boolean | void, bases = BOTH): Targeted =>
    t(`${family}/${suffix}`, (d) => {
      prep(d);
      return fn(d);
    }, bases);
  return [
    f('as-is', () => true),
    f('01-no-breakdown', (d) => d.set(`${SUB}/cac:TaxCategory/cbc:ID`, cat === 'S' ? 'Z' : 'S')),
    f('02-no-seller-vat', (d) => {
      d.remove(`${SUP}/cac:PartyTaxScheme`);
      d.remove(`${SUP}/cac:PartyLegalEntity/cbc:CompanyID`);
      d.remove('cac:TaxRepresentativeParty');
    }),
    f('02-no-buyer-vat', (d) => d.remove(`${CUS}/cac:PartyTaxScheme`)),
    f('05-line-rate', (d) => d.set(`${line(d)}/cbc:Percent`, wrongPct, true)),
    f('06-allowance-rate', (d) => d.set('cac:AllowanceCharge[2]/cac:TaxCategory/cbc:Percent', wrongPct, true) || d.set('cac:AllowanceCharge/cac:TaxCategory/cbc:Percent', wrongPct)),
    f('07-charge-rate', (d) => d.set('cac:AllowanceCharge[1]/cac:TaxCategory/cbc:Percent', wrongPct, true)),
    f('08-taxable', (d) => bump(d, `${SUB}/cbc:TaxableAmount`, 100)),
    f('09-tax', (d) => bump(d, `${SUB}/cbc:TaxAmount`, 100)),
    f('10-exemption', (d) =>
      d.has(`${SUB}/cac:TaxCategory/cbc:TaxExemptionReason`)
        ? d.remove(`${SUB}/cac:TaxCategory/cbc:TaxExemptionReason`)
        : d.add(`${SUB}/cac:TaxCategory`, '<cbc:TaxExemptionReasonCode>VATEX-EU-79-C</cbc:TaxExemptionReasonCode>', 'cac:TaxScheme'),
    ),
    f('mixed-with-S', (d) => d.set(`${line(d)}/cbc:ID`, cat === 'S' ? 'Z' : 'S')),
    f('no-delivery', (d) => {
      d.remove('cac:Delivery');
      d.remove('cac:InvoicePeriod');
    }),
    f('delivery-no-country', (d) => d.remove('cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country')),
    f('second-breakdown', (d) => d.duplicate(SUB)),
    f('other-breakdown', (d) => d.duplicate(SUB) && d.set(`${SUB}[2]/cac:TaxCategory/cbc:ID`, cat === 'S' ? 'Z' : 'S')),
    f('allowance-other-category', (d) => d.set('cac:AllowanceCharge[2]/cac:TaxCategory/cbc:ID', cat === 'S' ? 'Z' : 'S')),
    f('charge-other-category', (d) => d.set('cac:AllowanceCharge[1]/cac:TaxCategory/cbc:ID', cat === 'S' ? 'Z' : 'S')),
  ];
}

const DEC_PATHS = [
  'cac:AllowanceCharge/cbc:Amount',
  'cac:AllowanceCharge/cbc:BaseAmount',
  `${LMT}/cbc:LineExtensionAmount`,
  `${LMT}/cbc:TaxExclusiveAmount`,
  `${LMT}/cbc:TaxInclusiveAmount`,
  `${LMT}/cbc:AllowanceTotalAmount`,
  `${LMT}/cbc:ChargeTotalAmount`,
  `${LMT}/cbc:PrepaidAmount`,
  `${LMT}/cbc:PayableRoundingAmount`,
  `${LMT}/cbc:PayableAmount`,
  'cac:TaxTotal/cbc:TaxAmount',
  `${SUB}/cbc:TaxableAmount`,
  `${SUB}/cbc:TaxAmount`,
];

/** A document- or line-level allowance (false) or charge (true), complete unless parts are left out. */
function allowanceCharge(charge: boolean, omit: string[] = [], extra = ''): string {
  const parts: Record<string, string> = {
    indicator: `<cbc:ChargeIndicator>${charge}</cbc:ChargeIndicator>`,
    reason: '<cbc:AllowanceChargeReason>Reason</cbc:AllowanceChargeReason>',
    amount: '<cbc:Amount currencyID="EUR">0</cbc:Amount>',
    category: '<cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>',
  };
  const body = Object.entries(parts)
    .filter(([k]) => !omit.includes(k))
    .map(([, v]) => v)
    .join('');
  return `<cac:AllowanceCharge>${body.replace('</cbc:Amount>', `</cbc:Amount>${extra}`)}</cac:AllowanceCharge>`;
}

const docAc = (charge: boolean, omit: string[], extra = '') => (d: UblDoc) => d.add('.', allowanceCharge(charge, omit, extra), 'cac:TaxTotal');
const lineAc = (charge: boolean, omit: string[], extra = '') => (d: UblDoc) => d.add(d.L, allowanceCharge(charge, omit.concat('category'), extra), 'cac:Item');

/**
 * One line of `amount` (quantity ±1) at `rate` %, no document-level charge, VAT `tax` as given: for the
 * rounding rules (XPath round() rounds half towards positive infinity; amounts are xs:decimal).
 */
function tinyInvoice(d: UblDoc, amount: string, rate: string, tax: string): boolean {
  const neg = amount.startsWith('-');
  d.remove(`${d.L}[2]`);
  d.remove('cac:AllowanceCharge');
  d.remove(`${LMT}/cbc:ChargeTotalAmount`);
  d.set(`${d.L}/${d.Q}`, neg ? '-1' : '1');
  d.set(`${d.L}/cbc:LineExtensionAmount`, amount);
  d.set(`${d.L}/cac:Price/cbc:PriceAmount`, neg ? amount.slice(1) : amount);
  d.set(`//cac:ClassifiedTaxCategory/cbc:Percent`, rate);
  d.set(`${SUB}/cac:TaxCategory/cbc:Percent`, rate);
  const total = addCents(amount, BigInt(tax.replace('.', '')))!; // tax has exactly two decimals
  for (const p of ['LineExtensionAmount', 'TaxExclusiveAmount']) d.set(`${LMT}/cbc:${p}`, amount);
  for (const p of ['TaxInclusiveAmount', 'PayableAmount']) d.set(`${LMT}/cbc:${p}`, total);
  d.set(`${SUB}/cbc:TaxableAmount`, amount);
  d.set(`${SUB}/cbc:TaxAmount`, tax);
  return d.set('cac:TaxTotal/cbc:TaxAmount', tax);
}

export const TARGETED: Targeted[] = [
  // --- rounding of half cents, positive and negative (BR-CO-17, BR-S-09, BR-CO-15) ---
  ...(
    [
      ['0.50', '25', '0.12'],
      ['0.50', '25', '0.13'],
      ['-0.50', '25', '-0.12'],
      ['-0.50', '25', '-0.13'],
      ['0.10', '25', '0.02'],
      ['0.10', '25', '0.03'],
      ['-0.10', '25', '-0.02'],
      ['-0.10', '25', '-0.03'],
      ['1.00', '12.5', '0.12'],
      ['1.00', '12.5', '0.13'],
      ['99999999999999999.99', '25', '24999999999999999.99'],
      ['99999999999999999.99', '25', '25000000000000000.00'],
    ] as const
  ).map(([amount, rate, tax]) => t(`rounding/${amount}-at-${rate}-tax-${tax}`, (d) => tinyInvoice(d, amount, rate, tax), BOTH)),
  t('decimal/amount-with-plus-and-spaces', (d) => d.set(`${LMT}/cbc:PayableAmount`, ' +1656.250 ')),
  t('decimal/amount-exponent', (d) => d.set(`${LMT}/cbc:PayableAmount`, '1.65625E3')),
  t('decimal/amount-trailing-dot', (d) => d.set(`${LMT}/cbc:ChargeTotalAmount`, '25.')),
  // --- allowances and charges (BR-31..44, BR-CO-21..24, BR-DEC-02/25, UBL-SR-30) ---
  t('BR-31/allowance-no-amount', docAc(false, ['amount']), BOTH),
  t('BR-32/allowance-no-category', docAc(false, ['category'])),
  t('BR-33-CO-21/allowance-no-reason', docAc(false, ['reason']), BOTH),
  t('BR-36/charge-no-amount', docAc(true, ['amount'])),
  t('BR-37/charge-no-category', docAc(true, ['category']), BOTH),
  t('BR-38-CO-22/charge-no-reason', docAc(true, ['reason']), BOTH),
  t('BR-41/line-allowance-no-amount', lineAc(false, ['amount']), BOTH),
  t('BR-42-CO-23/line-allowance-no-reason', lineAc(false, ['reason']), BOTH),
  t('BR-43/line-charge-no-amount', lineAc(true, ['amount'])),
  t('BR-44-CO-24/line-charge-no-reason', lineAc(true, ['reason']), BOTH),
  t('BR-DEC-02/allowance-base', docAc(false, [], '<cbc:BaseAmount currencyID="EUR">1.001</cbc:BaseAmount>')),
  t('BR-DEC-06/charge-base', docAc(true, [], '<cbc:BaseAmount currencyID="EUR">1.001</cbc:BaseAmount>')),
  t('BR-DEC-25/line-allowance-base', lineAc(false, [], '<cbc:BaseAmount currencyID="EUR">1.001</cbc:BaseAmount>')),
  t('BR-DEC-28/line-charge-base', lineAc(true, [], '<cbc:BaseAmount currencyID="EUR">1.001</cbc:BaseAmount>')),
  t('UBL-SR-30/allowance-two-reasons-b', (d) =>
    d.add('.', allowanceCharge(false).replace('</cbc:ChargeIndicator>', '</cbc:ChargeIndicator><cbc:AllowanceChargeReason>Second</cbc:AllowanceChargeReason>'), 'cac:TaxTotal'),
  ),
  // --- structure (BR-16, BR-50, UBL-SR, UBL-DT, UBL-CR-666) ---
  t('BR-16/no-lines', (d) => d.remove(d.L), BOTH),
  t('BR-50/empty-account', (d) => d.set('cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID', '')),
  t('UBL-SR-51/two-address-lines', (d) =>
    d.add(`${SUP}/cac:PostalAddress`, '<cac:AddressLine><cbc:Line>a</cbc:Line></cac:AddressLine><cac:AddressLine><cbc:Line>b</cbc:Line></cac:AddressLine>', 'cac:Country'),
  ),
  t('UBL-SR-42/three-tax-schemes', (d) =>
    d.add(SUP, ['TAX', 'OTH'].map((x) => `<cac:PartyTaxScheme><cbc:CompanyID>${x}1</cbc:CompanyID><cac:TaxScheme><cbc:ID>${x}</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>`).join(''), 'cac:PartyLegalEntity'),
  ),
  t('UBL-SR-13/two-tax-registrations', (d) =>
    d.add(SUP, ['A', 'B'].map((x) => `<cac:PartyTaxScheme><cbc:CompanyID>${x}1</cbc:CompanyID><cac:TaxScheme><cbc:ID>TAX</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>`).join(''), 'cac:PartyLegalEntity') &&
    d.remove(`${SUP}/cac:PartyTaxScheme[1]`),
  ),
  t('UBL-SR-04/two-invoiced-objects', (d) =>
    d.add('.', ['1', '2'].map((x) => `<cac:AdditionalDocumentReference><cbc:ID schemeID="AAA">${x}</cbc:ID><cbc:DocumentTypeCode>130</cbc:DocumentTypeCode></cac:AdditionalDocumentReference>`).join(''), 'cac:AccountingSupplierParty'),
  ),
  t('UBL-SR-23/tax-representative-two-ids', (d) =>
    d.add('.', '<cac:TaxRepresentativeParty><cac:PartyName><cbc:Name>R</cbc:Name></cac:PartyName><cac:PostalAddress><cac:Country><cbc:IdentificationCode>GB</cbc:IdentificationCode></cac:Country></cac:PostalAddress>' +
      '<cac:PartyTaxScheme><cbc:CompanyID>GB1</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme><cac:PartyTaxScheme><cbc:CompanyID>X2</cbc:CompanyID><cac:TaxScheme><cbc:ID>TAX</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme></cac:TaxRepresentativeParty>', 'cac:Delivery'),
  ),
  t('UBL-SR-29/two-sepa-ids', (d) =>
    d.add(SUP, '<cac:PartyIdentification><cbc:ID schemeID="SEPA">DE98ZZZ09999999999</cbc:ID></cac:PartyIdentification><cac:PartyIdentification><cbc:ID schemeID="SEPA">DE98ZZZ09999999998</cbc:ID></cac:PartyIdentification>', 'cac:PartyName'),
  ),
  t('UBL-DT-06-07/binary-without-mime-and-name', (d) =>
    d.add('.', '<cac:AdditionalDocumentReference><cbc:ID>A1</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject>QUJD</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>', 'cac:AccountingSupplierParty'),
  ),
  t('UBL-DT-18/name-attribute', (d) => d.attr(d.T, 'name', 'Commercial invoice')),
  t('UBL-CR-666/invoiced-object-attachment', (d) =>
    d.add('.', '<cac:AdditionalDocumentReference><cbc:ID schemeID="AAA">1</cbc:ID><cbc:DocumentTypeCode>130</cbc:DocumentTypeCode><cac:Attachment><cac:ExternalReference><cbc:URI>https://example.org/a</cbc:URI></cac:ExternalReference></cac:Attachment></cac:AdditionalDocumentReference>', 'cac:AccountingSupplierParty'),
  ),
  // BR-DEC-13/15 compare @currencyID with a *child* of TaxAmount; only a TaxAmount with such a child (not
  // schema-valid) reaches them, and its string value must stay a decimal for the other rules not to abort.
  t('BR-DEC-13/tax-amount-with-currency-child', (d) => {
    d.attr('cac:TaxTotal/cbc:TaxAmount', 'currencyID', '1');
    return d.add('cac:TaxTotal/cbc:TaxAmount', '<cbc:DocumentCurrencyCode>1</cbc:DocumentCurrencyCode>');
  }),
  t('BR-DEC-15/tax-currency-amount-with-child', (d) =>
    d.add('.', '<cac:TaxTotal><cbc:TaxAmount currencyID="2">3000.00<cbc:TaxCurrencyCode>2</cbc:TaxCurrencyCode></cbc:TaxAmount></cac:TaxTotal>', 'cac:LegalMonetaryTotal'),
  ),
  // --- totals (BR-CO-10..17, BR-CO-25) ---
  t('BR-CO-10/line-sum', (d) => bump(d, `${LMT}/cbc:LineExtensionAmount`, 1), BOTH),
  t('BR-CO-11/allowance-total', (d) => d.set(`${LMT}/cbc:AllowanceTotalAmount`, '5.00', true), BOTH),
  t('BR-CO-12/charge-total', (d) => bump(d, `${LMT}/cbc:ChargeTotalAmount`, 1), BOTH),
  t('BR-CO-13/tax-exclusive', (d) => bump(d, `${LMT}/cbc:TaxExclusiveAmount`, 1), BOTH),
  t('BR-CO-14/tax-total', (d) => bump(d, 'cac:TaxTotal/cbc:TaxAmount', 1), BOTH),
  t('BR-CO-15/tax-inclusive', (d) => bump(d, `${LMT}/cbc:TaxInclusiveAmount`, 1), BOTH),
  t('BR-CO-16/payable', (d) => bump(d, `${LMT}/cbc:PayableAmount`, 1), BOTH),
  t('BR-CO-16/prepaid', (d) => d.add(LMT, '<cbc:PrepaidAmount currencyID="EUR">100.00</cbc:PrepaidAmount>', 'cbc:PayableAmount'), BOTH),
  t('BR-CO-16/rounding', (d) => d.add(LMT, '<cbc:PayableRoundingAmount currencyID="EUR">0.01</cbc:PayableRoundingAmount>', 'cbc:PayableAmount'), BOTH),
  t('BR-CO-16/prepaid-and-rounding', (d) =>
    d.add(LMT, '<cbc:PrepaidAmount currencyID="EUR">1</cbc:PrepaidAmount><cbc:PayableRoundingAmount currencyID="EUR">0.01</cbc:PayableRoundingAmount>', 'cbc:PayableAmount'),
  ),
  t('BR-CO-17/subtotal-tax', (d) => bump(d, `${SUB}/cbc:TaxAmount`, 1), BOTH),
  t('BR-CO-17/zero-rate-tax', (d) => d.set(`${SUB}/cac:TaxCategory/cbc:Percent`, '0')),
  t('BR-CO-25/no-due-date', (d) => {
    d.remove('cbc:DueDate');
    d.remove('cac:PaymentTerms');
    d.remove('cac:PaymentMeans/cbc:PaymentDueDate');
  }),
  t('BR-CO-03/tax-point-and-code', (d) => {
    d.add('.', '<cbc:TaxPointDate>2017-11-01</cbc:TaxPointDate>', 'cbc:InvoiceTypeCode');
    d.add('.', '<cac:InvoicePeriod><cbc:DescriptionCode>3</cbc:DescriptionCode></cac:InvoicePeriod>', 'cac:AccountingSupplierParty');
  }),
  t('BR-CO-19/empty-period', (d) => d.add('.', '<cac:InvoicePeriod><cbc:Description>x</cbc:Description></cac:InvoicePeriod>', 'cac:AccountingSupplierParty')),
  t('BR-CO-20/empty-line-period', (d) => d.add(d.L, '<cac:InvoicePeriod><cbc:Description>x</cbc:Description></cac:InvoicePeriod>', 'cac:OrderLineReference')),
  t('BR-29/period-reversed', (d) =>
    d.add('.', '<cac:InvoicePeriod><cbc:StartDate>2017-12-01</cbc:StartDate><cbc:EndDate>2017-11-01</cbc:EndDate></cac:InvoicePeriod>', 'cac:AccountingSupplierParty'),
  ),
  t('BR-30/line-period-reversed', (d) =>
    d.add(d.L, '<cac:InvoicePeriod><cbc:StartDate>2017-12-01</cbc:StartDate><cbc:EndDate>2017-11-01</cbc:EndDate></cac:InvoicePeriod>', 'cac:OrderLineReference'),
  ),
  t('PEPPOL-R110-R111/line-period-outside', (d) => {
    d.add('.', '<cac:InvoicePeriod><cbc:StartDate>2017-11-01</cbc:StartDate><cbc:EndDate>2017-11-30</cbc:EndDate></cac:InvoicePeriod>', 'cac:AccountingSupplierParty');
    d.add(d.L, '<cac:InvoicePeriod><cbc:StartDate>2017-10-01</cbc:StartDate><cbc:EndDate>2017-12-31</cbc:EndDate></cac:InvoicePeriod>', 'cac:OrderLineReference');
  }, BOTH),
  t('BR-CO-09/vat-no-prefix', (d) => d.set(`${SUP}/cac:PartyTaxScheme/cbc:CompanyID`, '1232434')),
  t('BR-CO-26/no-seller-ids', (d) => {
    d.remove(`${SUP}/cac:PartyTaxScheme`);
    d.remove(`${SUP}/cac:PartyIdentification`);
    d.remove(`${SUP}/cac:PartyLegalEntity/cbc:CompanyID`);
  }),
  t('BR-27/negative-price', (d) => d.set(`${d.L}/cac:Price/cbc:PriceAmount`, '-400'), BOTH),
  t('BR-28/negative-base', (d) =>
    d.add(`${d.L}/cac:Price`, '<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:Amount currencyID="EUR">10</cbc:Amount><cbc:BaseAmount currencyID="EUR">-410</cbc:BaseAmount></cac:AllowanceCharge>'),
  ),
  t('BR-17/payee-same-as-seller', (d) => d.add('.', '<cac:PayeeParty><cac:PartyName><cbc:Name>SupplierTradingName Ltd.</cbc:Name></cac:PartyName></cac:PayeeParty>', 'cac:Delivery')),
  t('BR-18-19-56/tax-representative-empty', (d) => d.add('.', '<cac:TaxRepresentativeParty><cac:PartyName><cbc:Name></cbc:Name></cac:PartyName></cac:TaxRepresentativeParty>', 'cac:Delivery')),
  t('BR-20/tax-representative-no-country', (d) =>
    d.add('.', '<cac:TaxRepresentativeParty><cac:PartyName><cbc:Name>Rep</cbc:Name></cac:PartyName><cac:PostalAddress><cbc:CityName>X</cbc:CityName></cac:PostalAddress></cac:TaxRepresentativeParty>', 'cac:Delivery'),
  ),
  t('BR-51/full-card-number', (d) =>
    d.add('.', '<cac:PaymentMeans><cbc:PaymentMeansCode>48</cbc:PaymentMeansCode><cac:CardAccount><cbc:PrimaryAccountNumberID>1234567890123456</cbc:PrimaryAccountNumberID><cbc:NetworkID>VISA</cbc:NetworkID></cac:CardAccount></cac:PaymentMeans>', 'cac:PaymentTerms'),
  ),
  t('BR-53/tax-currency-no-amount', (d) => d.add('.', '<cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode>', 'cbc:AccountingCost')),
  t('BR-53/tax-currency-amount', (d) => {
    d.add('.', '<cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode>', 'cbc:AccountingCost');
    d.add('.', '<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">3000</cbc:TaxAmount></cac:TaxTotal>', 'cac:LegalMonetaryTotal');
  }),
  t('PEPPOL-R055/tax-currency-sign', (d) => {
    d.add('.', '<cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode>', 'cbc:AccountingCost');
    d.add('.', '<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">-3000</cbc:TaxAmount></cac:TaxTotal>', 'cac:LegalMonetaryTotal');
  }),
  t('PEPPOL-R005/tax-currency-same', (d) => d.add('.', '<cbc:TaxCurrencyCode>EUR</cbc:TaxCurrencyCode>', 'cbc:AccountingCost')),
  t('BR-61/credit-transfer-no-account', (d) => d.remove('cac:PaymentMeans/cac:PayeeFinancialAccount')),
  t('BR-61/code-58-no-account', (d) => {
    d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '58');
    d.remove('cac:PaymentMeans/cac:PayeeFinancialAccount');
  }),
  t('PEPPOL-R061/direct-debit-no-mandate', (d) => d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '49')),
  t('BR-B/split-payment-outside-IT', (d) => asCategory(d, 'B', '25.0')),
  t('BR-B/split-payment-with-S', (d) => {
    country(d, SUP, 'IT');
    country(d, CUS, 'IT');
    d.set(`${d.L}[1]/cac:Item/cac:ClassifiedTaxCategory/cbc:ID`, 'B');
  }),
  // --- code lists (BR-CL-*, PEPPOL-EN16931-CL*) ---
  t('BR-CL-01/type-code', (d) => d.set(d.T, '999'), BOTH),
  t('BR-CL-03/amount-currency', (d) => d.attr(`${LMT}/cbc:PayableAmount`, 'currencyID', 'XYZ'), BOTH),
  t('BR-CL-04/document-currency', (d) => d.set('cbc:DocumentCurrencyCode', 'XYZ')),
  t('BR-CL-05/tax-currency', (d) => d.add('.', '<cbc:TaxCurrencyCode>XYZ</cbc:TaxCurrencyCode>', 'cbc:AccountingCost')),
  t('BR-CL-06/period-code', (d) => d.add('.', '<cac:InvoicePeriod><cbc:DescriptionCode>99</cbc:DescriptionCode></cac:InvoicePeriod>', 'cac:AccountingSupplierParty')),
  t('BR-CL-07/object-scheme', (d) =>
    d.add('.', '<cac:AdditionalDocumentReference><cbc:ID schemeID="ZZZZ">OBJ1</cbc:ID><cbc:DocumentTypeCode>130</cbc:DocumentTypeCode></cac:AdditionalDocumentReference>', 'cac:AccountingSupplierParty'),
  ),
  t('BR-CL-08/note-subject', (d) => d.add('.', '<cbc:Note>#QQQ#text</cbc:Note>', 'cbc:DocumentCurrencyCode')),
  t('BR-CL-08/note-subject-ok', (d) => d.add('.', '<cbc:Note>#AAI#text</cbc:Note>', 'cbc:DocumentCurrencyCode')),
  t('BR-CL-10/party-scheme', (d) => d.attr(`${CUS}/cac:PartyIdentification/cbc:ID`, 'schemeID', '9999')),
  t('BR-CL-11/legal-scheme', (d) => d.attr(`${CUS}/cac:PartyLegalEntity/cbc:CompanyID`, 'schemeID', '9999')),
  t('BR-CL-13/classification-list', (d) => d.attr(`${d.L}/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode`, 'listID', 'ZZZ')),
  t('BR-CL-14/country', (d) => d.set(`${CUS}/cac:PostalAddress/cac:Country/cbc:IdentificationCode`, 'XX')),
  t('BR-CL-15/origin-country', (d) => d.set(`${d.L}/cac:Item/cac:OriginCountry/cbc:IdentificationCode`, 'XX')),
  t('BR-CL-16/payment-means', (d) => d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '999')),
  t('BR-CL-17/tax-category', (d) => d.set(`${SUB}/cac:TaxCategory/cbc:ID`, 'X')),
  t('BR-CL-18/line-category', (d) => d.set(`${d.L}/cac:Item/cac:ClassifiedTaxCategory/cbc:ID`, 'X')),
  t('BR-CL-19-CL002/allowance-reason', (d) => d.add('cac:AllowanceCharge', '<cbc:AllowanceChargeReasonCode>ZZZ</cbc:AllowanceChargeReasonCode>', 'cbc:AllowanceChargeReason'), ['Allowance-example']),
  t('BR-CL-20-CL003/charge-reason', (d) => d.add('cac:AllowanceCharge', '<cbc:AllowanceChargeReasonCode>QQQ</cbc:AllowanceChargeReasonCode>', 'cbc:AllowanceChargeReason')),
  t('BR-CL-21/item-scheme', (d) => d.attr(`${d.L}/cac:Item/cac:StandardItemIdentification/cbc:ID`, 'schemeID', '9999')),
  t('BR-CL-22/exemption-code', (d) => d.add(`${SUB}/cac:TaxCategory`, '<cbc:TaxExemptionReasonCode>VATEX-XX</cbc:TaxExemptionReasonCode>', 'cac:TaxScheme')),
  t('BR-CL-23/unit-code', (d) => d.attr(`${d.L}/${d.Q}`, 'unitCode', 'XYZ'), BOTH),
  t('BR-CL-24-CL001/mime-code', (d) =>
    d.add('.', '<cac:AdditionalDocumentReference><cbc:ID>A1</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="text/plain" filename="a.txt">QUJD</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>', 'cac:AccountingSupplierParty'),
  ),
  t('BR-CL-25-CL008/endpoint-scheme', (d) => d.attr(`${SUP}/cbc:EndpointID`, 'schemeID', '9999')),
  t('BR-CL-26/delivery-scheme', (d) => d.attr('cac:Delivery/cac:DeliveryLocation/cbc:ID', 'schemeID', '9999')),
  t('PEPPOL-CL006/period-code', (d) => d.add('.', '<cac:InvoicePeriod><cbc:DescriptionCode>3</cbc:DescriptionCode></cac:InvoicePeriod>', 'cac:AccountingSupplierParty')),
  t('PEPPOL-CL007/currency', (d) => d.attr(`${LMT}/cbc:PayableAmount`, 'currencyID', 'XXX')),
  // --- decimals (BR-DEC-*) ---
  ...DEC_PATHS.map((p) =>
    t(`BR-DEC/${p.replace(/c[ab]c:/g, '')}`, (d) => {
      const el = d.first(p) ?? d.ensure(p);
      el.setAttribute('currencyID', 'EUR');
      return d.set(p, `${(el.textContent ?? '').trim() || '1'}${(el.textContent ?? '').includes('.') ? '' : '.'}001`.replace(/\.(\d*)001$/, (m, x: string) => `.${x.padEnd(2, '0').slice(0, 2)}1`));
    }, ['base-example', 'Allowance-example']),
  ),
  t('BR-DEC/line-allowance', (d) => d.set(`${d.L}/cac:AllowanceCharge/cbc:Amount`, '1.001'), ['Allowance-example']),
  t('BR-DEC/line-allowance-base', (d) => d.set(`${d.L}/cac:AllowanceCharge/cbc:BaseAmount`, '1.001', true), ['Allowance-example']),
  t('BR-DEC/line-amount', (d) => d.set(`${d.L}/cbc:LineExtensionAmount`, '2800.001'), BOTH),
  t('BR-DEC/tax-currency-amount', (d) => {
    d.add('.', '<cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode>', 'cbc:AccountingCost');
    d.add('.', '<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">3000.001</cbc:TaxAmount></cac:TaxTotal>', 'cac:LegalMonetaryTotal');
  }),
  // --- Peppol BIS rules ---
  t('PEPPOL-R002/two-notes', (d) => d.add('.', '<cbc:Note>one</cbc:Note><cbc:Note>two</cbc:Note>', 'cbc:DocumentCurrencyCode')),
  t('PEPPOL-R003/no-buyer-reference', (d) => d.remove('cbc:BuyerReference') && (d.remove('cac:OrderReference') || true)),
  t('PEPPOL-R004/customization', (d) => d.set('cbc:CustomizationID', 'urn:cen.eu:en16931:2017'), BOTH),
  t('PEPPOL-R004/customization-double-colon', (d) => d.set('cbc:CustomizationID', 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::x')),
  t('PEPPOL-R007/profile', (d) => d.set('cbc:ProfileID', 'urn:fdc:peppol.eu:2017:poacc:billing:99:1.0'), BOTH),
  t('PEPPOL-R007/profile-02', (d) => d.set('cbc:ProfileID', 'urn:peppol:bis:billing_with_response')),
  t('PEPPOL-R008/empty-element', (d) => d.add('.', '<cbc:Note></cbc:Note>', 'cbc:DocumentCurrencyCode')),
  t('PEPPOL-R008/empty-aggregate', (d) => d.add('.', '<cac:OrderReference></cac:OrderReference>', 'cac:AccountingSupplierParty')),
  t('PEPPOL-R040/multiplier', (d) =>
    d.add('cac:AllowanceCharge', '<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric><cbc:BaseAmount currencyID="EUR">100</cbc:BaseAmount>', 'cbc:Amount'),
  ),
  t('PEPPOL-R041/multiplier-no-base', (d) => d.add('cac:AllowanceCharge', '<cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>', 'cbc:Amount')),
  t('PEPPOL-R042/base-no-multiplier', (d) => d.add('cac:AllowanceCharge', '<cbc:BaseAmount currencyID="EUR">100</cbc:BaseAmount>')),
  t('PEPPOL-R043/indicator', (d) => d.set('cac:AllowanceCharge/cbc:ChargeIndicator', 'TRUE'), BOTH),
  t('PEPPOL-R044/price-charge', (d) =>
    d.add(`${d.L}/cac:Price`, '<cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator><cbc:Amount currencyID="EUR">10</cbc:Amount></cac:AllowanceCharge>'),
  ),
  t('PEPPOL-R046/price-base', (d) =>
    d.add(`${d.L}/cac:Price`, '<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:Amount currencyID="EUR">10</cbc:Amount><cbc:BaseAmount currencyID="EUR">500</cbc:BaseAmount></cac:AllowanceCharge>'),
  ),
  t('PEPPOL-R051/amount-currency', (d) => d.attr(`${LMT}/cbc:PayableAmount`, 'currencyID', 'SEK'), BOTH),
  t('PEPPOL-R053/two-breakdowns', (d) => d.duplicate('cac:TaxTotal')),
  t('PEPPOL-R080/two-invoiced-objects', (d) =>
    d.add('.', '<cac:AdditionalDocumentReference><cbc:ID>1</cbc:ID><cbc:DocumentTypeCode>50</cbc:DocumentTypeCode></cac:AdditionalDocumentReference><cac:AdditionalDocumentReference><cbc:ID>2</cbc:ID><cbc:DocumentTypeCode>50</cbc:DocumentTypeCode></cac:AdditionalDocumentReference>', 'cac:AccountingSupplierParty'),
    ['base-creditnote-correction'],
  ),
  t('PEPPOL-R100-R101/line-document-references', (d) =>
    d.add(d.L, '<cac:DocumentReference><cbc:ID>1</cbc:ID><cbc:DocumentTypeCode>50</cbc:DocumentTypeCode></cac:DocumentReference><cac:DocumentReference><cbc:ID>2</cbc:ID></cac:DocumentReference>', 'cac:Item'),
  ),
  t('PEPPOL-R120/line-amount', (d) => bump(d, `${d.L}/cbc:LineExtensionAmount`, 3), BOTH),
  t('PEPPOL-R120/line-amount-in-slack', (d) => bump(d, `${d.L}/cbc:LineExtensionAmount`, 2)),
  t('PEPPOL-R121/base-quantity-zero', (d) => d.add(`${d.L}/cac:Price`, '<cbc:BaseQuantity unitCode="DAY">0</cbc:BaseQuantity>')),
  t('PEPPOL-R130/base-quantity-unit', (d) => d.add(`${d.L}/cac:Price`, '<cbc:BaseQuantity unitCode="HUR">1</cbc:BaseQuantity>'), BOTH),
  t('PEPPOL-P0100/type-not-in-profile', (d) => d.set('cbc:InvoiceTypeCode', '325')),
  t('PEPPOL-P0101/cn-type-not-in-profile', (d) => d.set('cbc:CreditNoteTypeCode', '261'), ['base-creditnote-correction']),
  t('PEPPOL-P0112/type-326', (d) => d.set('cbc:InvoiceTypeCode', '326')),
  ...(
    [
      ['G', 'P0104'],
      ['O', 'P0105'],
      ['IC', 'P0106'],
      ['AE', 'P0107'],
      ['D', 'P0108'],
      ['F', 'P0109'],
      ['I', 'P0110'],
      ['J', 'P0111'],
    ] as const
  ).map(([code, rule]) => t(`PEPPOL-${rule}/exemption-VATEX-EU-${code}`, (d) => d.add(`${SUB}/cac:TaxCategory`, `<cbc:TaxExemptionReasonCode>VATEX-EU-${code}</cbc:TaxExemptionReasonCode>`, 'cac:TaxScheme'))),
  t('PEPPOL-F001/date-format', (d) => d.set('cbc:IssueDate', '2017-11-1'), BOTH),
  t('PEPPOL-F001/date-impossible', (d) => d.set('cbc:DueDate', '2017-02-30')),
  // --- identifiers with check digits (PEPPOL-COMMON-R040..R057) ---
  ...(
    [
      ['0088', '1234567890123', 'gln-bad'],
      ['0088', '5790000435975', 'gln-ok'],
      ['0192', '123456789', 'mod11-bad'],
      ['0192', '810305848', 'mod11-ok'],
      ['0184', 'DK1234567', 'dk-bad'],
      ['0096', '12345', 'dk-p-bad'],
      ['0198', 'DK123', 'dk-se-bad'],
      ['0208', '0123456789', 'mod97-bad'],
      ['0208', '0776095076', 'mod97-ok'],
      ['0201', 'ABCDEFG', 'ipa-bad'],
      ['0210', 'XXXXXX', 'cf-bad'],
      ['9907', 'XXXXXX', 'cf-9907-bad'],
      ['0211', 'IT123', 'piva-bad'],
      ['9906', 'IT123', 'piva-9906-bad'],
      ['0007', '5567164818', 'se-orgnr-bad'],
      ['0007', '5560360793', 'se-orgnr-ok'],
      ['0151', '12345678901', 'abn-bad'],
      ['0151', '51824753556', 'abn-ok'],
      ['0106', '1234', 'kvk-bad'],
      ['0190', '1234', 'oin-bad'],
      ['9944', 'NL123', 'nl-vat-bad'],
      ['0217', '1234', 'lei-bad'],
    ] as const
  ).flatMap(([scheme, value, label]) => [
    t(`PEPPOL-COMMON/endpoint-${scheme}-${label}`, (d) => d.attr(`${SUP}/cbc:EndpointID`, 'schemeID', scheme) && d.set(`${SUP}/cbc:EndpointID`, value)),
    t(`PEPPOL-COMMON/legal-${scheme}-${label}`, (d) => d.attr(`${CUS}/cac:PartyLegalEntity/cbc:CompanyID`, 'schemeID', scheme) && d.set(`${CUS}/cac:PartyLegalEntity/cbc:CompanyID`, value)),
  ]),
  t('PEPPOL-COMMON-R056-2/nl-vat', (d) => d.set(`${SUP}/cac:PartyTaxScheme/cbc:CompanyID`, 'NL12345')),
  // --- VAT category families (BR-S, BR-Z, BR-E, BR-AE, BR-IC, BR-G, BR-O, BR-AF, BR-AG) ---
  ...categoryFamily('S', '25.0', 'BR-S', '0'),
  ...categoryFamily('Z', '0', 'BR-Z', '5'),
  ...categoryFamily('E', '0', 'BR-E', '5'),
  ...categoryFamily('AE', '0', 'BR-AE', '5'),
  ...categoryFamily('K', '0', 'BR-IC', '5'),
  ...categoryFamily('G', '0', 'BR-G', '5'),
  ...categoryFamily('O', null, 'BR-O', '5'),
  ...categoryFamily('L', '7', 'BR-AF', '-1'),
  ...categoryFamily('M', '7', 'BR-AG', '-1'),
  ...NATIONAL,
];
