/** Parties and addresses, shared by the Invoice, CreditNote and Invoice Response readers. */
import { all, at, attr, text } from './dom.js';
import type { Address, Amount, Identifier, Party } from './model.js';

export function identifier(e: Element | undefined): Identifier | undefined {
  const value = text(e);
  if (value === undefined) return undefined;
  const scheme = attr(e, 'schemeID');
  return scheme === undefined ? { value } : { value, scheme };
}

export function amount(e: Element | undefined): Amount | undefined {
  const value = text(e);
  if (value === undefined) return undefined;
  const currency = attr(e, 'currencyID');
  return currency === undefined ? { value } : { value, currency };
}

export function address(e: Element | undefined): Address | undefined {
  if (!e) return undefined;
  const lines = [text(e, 'cbc:StreetName'), text(e, 'cbc:AdditionalStreetName'), ...all(e, 'cac:AddressLine').map((l) => text(l, 'cbc:Line'))].filter(
    (l): l is string => l !== undefined,
  );
  return {
    lines,
    city: text(e, 'cbc:CityName'),
    postalZone: text(e, 'cbc:PostalZone'),
    subdivision: text(e, 'cbc:CountrySubentity'),
    country: text(e, 'cac:Country/cbc:IdentificationCode'),
  };
}

/** A cac:Party (or a party-like element such as PayeeParty), with what BIS 3.0 puts in it. */
export function party(p: Element | undefined): Party {
  const taxSchemes = all(p, 'cac:PartyTaxScheme');
  const vat = taxSchemes.find((t) => text(t, 'cac:TaxScheme/cbc:ID')?.toUpperCase() === 'VAT');
  const other = taxSchemes.find((t) => t !== vat);
  const legal = at(p, 'cac:PartyLegalEntity');
  const tradingName = text(p, 'cac:PartyName/cbc:Name');
  const registrationName = text(legal, 'cbc:RegistrationName');
  return {
    name: registrationName ?? tradingName,
    tradingName: registrationName !== undefined && tradingName !== registrationName ? tradingName : undefined,
    endpoint: identifier(at(p, 'cbc:EndpointID')),
    identifiers: all(p, 'cac:PartyIdentification')
      .map((i) => identifier(at(i, 'cbc:ID')))
      .filter((i): i is Identifier => i !== undefined),
    vatNumber: text(vat, 'cbc:CompanyID'),
    taxNumber: text(other, 'cbc:CompanyID'),
    legalId: identifier(at(legal, 'cbc:CompanyID')),
    legalForm: text(legal, 'cbc:CompanyLegalForm'),
    address: address(at(p, 'cac:PostalAddress')),
    contact: {
      name: text(p, 'cac:Contact/cbc:Name'),
      telephone: text(p, 'cac:Contact/cbc:Telephone'),
      email: text(p, 'cac:Contact/cbc:ElectronicMail'),
    },
  };
}
