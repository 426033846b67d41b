/**
 * Targeted mutations for the national rules of the Peppol BIS (NO, DK, IT, SE, GR, IS, NL, DE): each
 * moves the parties into the country that activates the rules, then breaks one requirement.
 */
import type { UblDoc } from './dom.js';
import type { Targeted } from './targeted.js';

const SUP = 'cac:AccountingSupplierParty/cac:Party';
const CUS = 'cac:AccountingCustomerParty/cac:Party';
const BOTH = ['base-example', 'base-creditnote-correction'];

function country(d: UblDoc, party: string, cc: string, vat: string): void {
  d.set(`${party}/cac:PostalAddress/cac:Country/cbc:IdentificationCode`, cc, true);
  d.set(`${party}/cac:PartyTaxScheme/cbc:CompanyID`, vat);
}

/** A family: `setup` makes the country rules apply; each break is one document (plus the setup alone). */
function family(prefix: string, setup: (d: UblDoc) => void, breaks: Record<string, (d: UblDoc) => boolean | void>, bases = ['base-example']): Targeted[] {
  const all: Record<string, (d: UblDoc) => boolean | void> = { 'as-is': () => true, ...breaks };
  return Object.entries(all).map(([name, fn]) => ({
    name: `${prefix}/${name}`,
    bases,
    apply: (d: UblDoc) => {
      setup(d);
      return fn(d) !== false;
    },
  }));
}

const tax = (d: UblDoc, party: string, scheme: string, id: string): boolean =>
  d.add(party, `<cac:PartyTaxScheme><cbc:CompanyID>${id}</cbc:CompanyID><cac:TaxScheme><cbc:ID>${scheme}</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>`, 'cac:PartyLegalEntity');

const adr = (desc: string, id: string, extra = ''): string =>
  `<cac:AdditionalDocumentReference><cbc:ID>${id}</cbc:ID><cbc:DocumentDescription>${desc}</cbc:DocumentDescription>${extra}</cac:AdditionalDocumentReference>`;

const payment = (code: string, inner: string): string => `<cac:PaymentMeans><cbc:PaymentMeansCode>${code}</cbc:PaymentMeansCode>${inner}</cac:PaymentMeans>`;

export const NATIONAL: Targeted[] = [
  ...family('NO', (d) => country(d, SUP, 'NO', 'NO123456789MVA'), {
    'R-001-vat-format': (d) => d.set(`${SUP}/cac:PartyTaxScheme/cbc:CompanyID`, 'NO12345'),
    'R-002-foretaksregisteret': (d) => tax(d, SUP, 'TAX', 'Foretaksregisteret'),
  }),
  ...family('DK', (d) => {
    country(d, SUP, 'DK', 'DK12345678');
    country(d, CUS, 'DK', 'DK87654321');
  }, {
    'R-002-no-legal-id': (d) => d.remove(`${SUP}/cac:PartyLegalEntity/cbc:CompanyID`),
    'R-014-legal-scheme': (d) => d.attr(`${SUP}/cac:PartyLegalEntity/cbc:CompanyID`, 'schemeID', '0088'),
    'R-017-buyer-legal-scheme': (d) => d.attr(`${CUS}/cac:PartyLegalEntity/cbc:CompanyID`, 'schemeID', '0088'),
    'R-013-party-id-no-scheme': (d) => d.add(SUP, '<cac:PartyIdentification><cbc:ID>123</cbc:ID></cac:PartyIdentification>', 'cac:PartyName'),
    'R-005-payment-code': (d) => d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '57'),
    'R-006-31-no-bic': (d) => {
      d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '31');
      d.remove('cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch');
    },
    'R-007-49-no-mandate': (d) => d.add('.', payment('49', '<cac:PaymentMandate><cbc:ID>1</cbc:ID></cac:PaymentMandate>'), 'cac:PaymentTerms'),
    'R-008-R-009-50-bad-id': (d) => d.add('.', payment('50', '<cbc:PaymentID>04#123</cbc:PaymentID><cac:PayeeFinancialAccount><cbc:ID>12</cbc:ID></cac:PayeeFinancialAccount>'), 'cac:PaymentTerms'),
    'R-008-50-bad-prefix': (d) => d.add('.', payment('50', '<cbc:PaymentID>99#123</cbc:PaymentID><cac:PayeeFinancialAccount><cbc:ID>12345678</cbc:ID></cac:PayeeFinancialAccount>'), 'cac:PaymentTerms'),
    'R-010-R-011-93-bad-id': (d) => d.add('.', payment('93', '<cbc:PaymentID>71#123</cbc:PaymentID><cac:PayeeFinancialAccount><cbc:ID>12</cbc:ID></cac:PayeeFinancialAccount>'), 'cac:PaymentTerms'),
    'R-010-93-bad-prefix': (d) => d.add('.', payment('93', '<cbc:PaymentID>99#123</cbc:PaymentID>'), 'cac:PaymentTerms'),
    'R-003-classification-version': (d) => d.attr(`${d.L}/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode`, 'listID', 'TST'),
    'R-004-zzz-reason': (d) => d.add('cac:AllowanceCharge', '<cbc:AllowanceChargeReasonCode>ZZZ</cbc:AllowanceChargeReasonCode>', 'cbc:AllowanceChargeReason'),
  }),
  ...family('DK-CN', (d) => {
    country(d, SUP, 'DK', 'DK12345678');
    country(d, CUS, 'DK', 'DK87654321');
  }, {
    'R-016-negative-credit-note': (d) => d.set('cac:LegalMonetaryTotal/cbc:PayableAmount', '-1'),
    'R-013-party-id-no-scheme': (d) => d.add(SUP, '<cac:PartyIdentification><cbc:ID>123</cbc:ID></cac:PartyIdentification>', 'cac:PartyName'),
  }, ['base-creditnote-correction']),
  ...family('IT', (d) => country(d, SUP, 'IT', 'IT12345678901'), {
    'R-001-tax-id': (d) => tax(d, SUP, 'TAX', 'bad id'),
    'R-002-R-004-no-address': (d) => {
      d.remove(`${SUP}/cac:PostalAddress/cbc:StreetName`);
      d.remove(`${SUP}/cac:PostalAddress/cbc:CityName`);
      d.remove(`${SUP}/cac:PostalAddress/cbc:PostalZone`);
    },
  }),
  ...family('SE', (d) => {
    country(d, SUP, 'SE', 'SE123456789001');
    d.set(`${SUP}/cac:PartyLegalEntity/cbc:CompanyID`, '5560360793');
  }, {
    'R-001-R-002-vat': (d) => d.set(`${SUP}/cac:PartyTaxScheme/cbc:CompanyID`, 'SE12345ABC'),
    'R-003-R-004-R-013-orgnr': (d) => d.set(`${SUP}/cac:PartyLegalEntity/cbc:CompanyID`, 'ABC123'),
    'R-013-luhn': (d) => d.set(`${SUP}/cac:PartyLegalEntity/cbc:CompanyID`, '5560360794'),
    'R-005-f-skatt': (d) => tax(d, SUP, 'TAX', 'F-skatt'),
    'R-005-f-skatt-ok': (d) => tax(d, SUP, 'TAX', 'Godkänd för F-skatt'),
    'R-006-rate': (d) => d.set('//cac:ClassifiedTaxCategory/cbc:Percent', '20'),
    'R-007-R-010-plusgiro': (d) => {
      d.set('cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID', 'SE:PLUSGIRO');
      d.set('cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID', 'ABCDEFGHIJ');
    },
    'R-008-R-009-bankgiro': (d) => {
      d.set('cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID', 'SE:BANKGIRO');
      d.set('cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID', 'AB');
    },
    'R-011-code-50': (d) => d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '50'),
    'R-012-code-31': (d) => d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '31'),
  }),
  ...family('GR', (d) => {
    country(d, SUP, 'GR', 'EL094222211');
    country(d, CUS, 'GR', 'EL094014201');
    d.set('cbc:ID', '094222211|13/11/2017|1|1.1|A|1');
    d.attr(`${SUP}/cbc:EndpointID`, 'schemeID', '9933');
    d.set(`${SUP}/cbc:EndpointID`, '094222211');
    d.attr(`${CUS}/cbc:EndpointID`, 'schemeID', '9933');
    d.set(`${CUS}/cbc:EndpointID`, '094014201');
    d.add('.', adr('##M.AR.K##', '400001234567890') + adr('##INVOICE|URL##', 'URL1', '<cac:Attachment><cac:ExternalReference><cbc:URI>https://example.org/i</cbc:URI></cac:ExternalReference></cac:Attachment>'), 'cac:AccountingSupplierParty');
  }, {
    'R-001-segments': (d) => d.set('cbc:ID', '094222211|13/11/2017|1'),
    'R-001-2-tin': (d) => d.set('cbc:ID', '123456789|13/11/2017|1|1.1|A|1'),
    'R-001-3-date': (d) => d.set('cbc:ID', '094222211|14/11/2017|1|1.1|A|1'),
    'R-001-4-R-001-5-number-type': (d) => d.set('cbc:ID', '094222211|13/11/2017|x|9.9||'),
    'R-002-R-005-names': (d) => {
      d.remove(`${SUP}/cac:PartyName`);
      d.remove(`${CUS}/cac:PartyName`);
    },
    'R-003-S-011-vat': (d) => d.set(`${SUP}/cac:PartyTaxScheme/cbc:CompanyID`, 'EL123456789'),
    'R-004-mark-missing': (d) => d.remove('cac:AdditionalDocumentReference[1]'),
    'R-004-2-mark-format': (d) => d.set('cac:AdditionalDocumentReference[1]/cbc:ID', 'ABC'),
    'R-008-two-urls': (d) => d.duplicate('cac:AdditionalDocumentReference[2]'),
    'R-008-3-no-uri': (d) => d.remove('cac:AdditionalDocumentReference[2]/cac:Attachment'),
    'R-006-buyer-vat': (d) => d.set(`${CUS}/cac:PartyTaxScheme/cbc:CompanyID`, 'EL123456789'),
    'R-009-R-010-endpoints': (d) => {
      d.attr(`${SUP}/cbc:EndpointID`, 'schemeID', '0088');
      d.set(`${CUS}/cbc:EndpointID`, '123456789');
    },
  }),
  ...family('IS', (d) => {
    country(d, SUP, 'IS', 'IS12345');
    country(d, CUS, 'IS', 'IS54321');
  }, {
    'R-001-type-code': (d) => d.set(d.T, '383'),
    'R-002-legal-scheme': (d) => d.attr(`${SUP}/cac:PartyLegalEntity/cbc:CompanyID`, 'schemeID', '0088'),
    'R-003-R-005-addresses': (d) => {
      d.remove(`${SUP}/cac:PostalAddress/cbc:StreetName`);
      d.remove(`${CUS}/cac:PostalAddress/cbc:PostalZone`);
    },
    'R-004-buyer-legal': (d) => d.attr(`${CUS}/cac:PartyLegalEntity/cbc:CompanyID`, 'schemeID', '0088'),
    'R-006-code-9': (d) => d.add('.', payment('9', '<cac:PayeeFinancialAccount><cbc:ID>123</cbc:ID></cac:PayeeFinancialAccount>'), 'cac:PaymentTerms'),
    'R-007-code-42': (d) => d.add('.', payment('42', '<cac:PayeeFinancialAccount><cbc:ID>123</cbc:ID></cac:PayeeFinancialAccount>'), 'cac:PaymentTerms'),
    'R-008-R-010-eindagi': (d) => d.add('.', adr('EINDAGI', '2017-1-1'), 'cac:AccountingSupplierParty'),
    'R-009-eindagi-no-due-date': (d) => {
      d.remove('cbc:DueDate');
      d.add('.', adr('EINDAGI', '2017-12-31'), 'cac:AccountingSupplierParty');
    },
  }, BOTH),
  ...family('NL', (d) => {
    country(d, SUP, 'NL', 'NL123456789B01');
    country(d, CUS, 'NL', 'NL987654321B01');
    d.attr(`${SUP}/cac:PartyLegalEntity/cbc:CompanyID`, 'schemeID', '0106');
    d.attr(`${CUS}/cac:PartyLegalEntity/cbc:CompanyID`, 'schemeID', '0106');
  }, {
    'R-001-no-billing-reference': (d) => d.remove('cac:BillingReference'),
    'R-002-R-004-addresses': (d) => {
      d.remove(`${SUP}/cac:PostalAddress/cbc:StreetName`);
      d.remove(`${CUS}/cac:PostalAddress/cbc:CityName`);
    },
    'R-003-R-005-legal-scheme': (d) => {
      d.attr(`${SUP}/cac:PartyLegalEntity/cbc:CompanyID`, 'schemeID', '0088');
      d.attr(`${CUS}/cac:PartyLegalEntity/cbc:CompanyID`, 'schemeID', '0088');
    },
    'R-006-tax-representative': (d) =>
      d.add('.', '<cac:TaxRepresentativeParty><cac:PartyName><cbc:Name>R</cbc:Name></cac:PartyName><cac:PostalAddress><cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode></cac:Country></cac:PostalAddress><cac:PartyTaxScheme><cbc:CompanyID>NL123456789B02</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme></cac:TaxRepresentativeParty>', 'cac:Delivery'),
    'R-007-no-payment-means': (d) => d.remove('cac:PaymentMeans'),
    'R-008-payment-code': (d) => d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '31'),
    'R-009-no-order-reference': (d) => d.remove('cac:OrderReference'),
  }, BOTH),
  ...family('DE', (d) => {
    country(d, SUP, 'DE', 'DE123456789');
    country(d, CUS, 'DE', 'DE987654321');
    d.add(SUP, '<cac:Contact><cbc:Name>A</cbc:Name><cbc:Telephone>0301234567</cbc:Telephone><cbc:ElectronicMail>a@b.de</cbc:ElectronicMail></cac:Contact>');
  }, {
    'R-001-no-payment-means': (d) => d.remove('cac:PaymentMeans'),
    'R-002-no-contact': (d) => d.remove(`${SUP}/cac:Contact`),
    'R-003-R-004-R-008-R-009-cities': (d) => {
      d.remove(`${SUP}/cac:PostalAddress/cbc:CityName`);
      d.remove(`${SUP}/cac:PostalAddress/cbc:PostalZone`);
      d.remove(`${CUS}/cac:PostalAddress/cbc:CityName`);
      d.remove(`${CUS}/cac:PostalAddress/cbc:PostalZone`);
    },
    'R-005-R-006-R-007-contact-empty': (d) => {
      d.set(`${SUP}/cac:Contact/cbc:Name`, ' ');
      d.remove(`${SUP}/cac:Contact/cbc:Telephone`);
      d.remove(`${SUP}/cac:Contact/cbc:ElectronicMail`);
    },
    'R-027-R-028-contact-format': (d) => {
      d.set(`${SUP}/cac:Contact/cbc:Telephone`, 'ab');
      d.set(`${SUP}/cac:Contact/cbc:ElectronicMail`, 'no-at-sign');
    },
    'R-010-R-011-delivery-address': (d) => {
      d.remove('cac:Delivery/cac:DeliveryLocation/cac:Address/cbc:CityName');
      d.remove('cac:Delivery/cac:DeliveryLocation/cac:Address/cbc:PostalZone');
    },
    'R-014-no-rate': (d) => d.remove('cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent'),
    'R-015-no-buyer-reference': (d) => d.remove('cbc:BuyerReference'),
    'R-016-no-seller-vat': (d) => d.remove(`${SUP}/cac:PartyTaxScheme`),
    'R-017-type-code': (d) => d.set(d.T, '383'),
    'R-018-skonto': (d) => d.set('cac:PaymentTerms/cbc:Note', '#SKONTO#TAGE=7#PROZENT=2#'),
    'R-018-skonto-ok': (d) => d.set('cac:PaymentTerms/cbc:Note', '#SKONTO#TAGE=7#PROZENT=2.00#\n'),
    'R-022-attachment-names': (d) =>
      d.add('.', ['a', 'b'].map((x) => `<cac:AdditionalDocumentReference><cbc:ID>${x}</cbc:ID><cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="same.pdf">QUJD</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>`).join(''), 'cac:AccountingSupplierParty'),
    'R-T02-url': (d) => d.add('.', '<cac:AdditionalDocumentReference><cbc:ID>u</cbc:ID><cac:Attachment><cac:ExternalReference><cbc:URI>not a url</cbc:URI></cac:ExternalReference></cac:Attachment></cac:AdditionalDocumentReference>', 'cac:AccountingSupplierParty'),
    'R-026-corrected-invoice': (d) => d.set(d.T, '384'),
    'R-019-R-020-iban': (d) => {
      d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '58');
      d.set('cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID', 'DE89370400440532013001');
    },
    'R-019-iban-ok': (d) => {
      d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '58');
      d.set('cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID', 'DE89 3704 0044 0532 0130 00');
    },
    'R-023-card-on-transfer': (d) =>
      d.add('cac:PaymentMeans', '<cac:CardAccount><cbc:PrimaryAccountNumberID>1234</cbc:PrimaryAccountNumberID><cbc:NetworkID>VISA</cbc:NetworkID></cac:CardAccount>', 'cac:PayeeFinancialAccount'),
    'R-023-1-no-account': (d) => d.remove('cac:PaymentMeans/cac:PayeeFinancialAccount'),
    'R-024-card-code-no-card': (d) => d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '48'),
    'R-025-direct-debit': (d) => {
      d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '59');
      d.add('cac:PaymentMeans', '<cac:PaymentMandate><cbc:ID>M1</cbc:ID><cac:PayerFinancialAccount><cbc:ID>DE89370400440532013001</cbc:ID></cac:PayerFinancialAccount></cac:PaymentMandate>');
    },
    'R-025-1-no-mandate': (d) => d.set('cac:PaymentMeans/cbc:PaymentMeansCode', '59'),
    'R-030-R-031-mandate': (d) =>
      d.add('.', payment('59', '<cac:PaymentMandate><cbc:ID>M1</cbc:ID></cac:PaymentMandate>'), 'cac:PaymentTerms'),
    'R-T-vat-representative': (d) => {
      d.remove(`${SUP}/cac:PartyTaxScheme`);
      d.remove(`${SUP}/cac:PartyLegalEntity/cbc:CompanyID`);
    },
    'R-002-two-notes': (d) => d.add('.', '<cbc:Note>one</cbc:Note><cbc:Note>two</cbc:Note>', 'cbc:DocumentCurrencyCode'),
  }, BOTH),
];
