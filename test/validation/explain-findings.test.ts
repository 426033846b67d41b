/**
 * Findings explained with what the document holds: the amounts BR-CO-14 compared, the XSD date with its
 * prefixed name and the date as it must be written, the Belgian enterprise number and the check it
 * failed; in Dutch, French and English. A rule without an entry keeps its official message and term.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { explainFindings, explainIssue, languageOf } from '../../src/validation/explain/explain.js';
import { LANGUAGES, type ExplainedIssue } from '../../src/validation/types.js';
import { createValidator, type Validator } from '../../src/validation/validator.js';
import { BASE_INVOICE, SCHEMATRON_DIR, UBL_SCHEMAS_DIR } from '../support/artifacts.js';

const base = readFileSync(BASE_INVOICE, 'utf8');

describe('explained findings', function () {
  this.timeout(60_000);
  let validator: Validator;
  before(async () => {
    validator = await createValidator({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: SCHEMATRON_DIR, now: () => new Date('2026-12-01T00:00:00Z') });
  });

  const finding = (xml: string, id: string, layer?: string) => {
    const report = validator.validate(xml);
    const i = report.issues.find((x) => x.id === id && (!layer || x.layer === layer));
    assert.ok(i, `${id} did not fire: ${report.issues.map((x) => x.id).join(', ')}`);
    return { report, issue: i, in: (lang: (typeof LANGUAGES)[number]) => explainFindings(report, lang).issues.find((x) => x.id === id && (!layer || x.layer === layer)) as ExplainedIssue };
  };

  it('BR-CO-14 names the VAT total found and what the VAT categories add up to, in every language', () => {
    const xml = base.replace('<cbc:TaxAmount currencyID="EUR">331.25</cbc:TaxAmount>', '<cbc:TaxAmount currencyID="EUR">21.00</cbc:TaxAmount>').replace('<cbc:TaxAmount currencyID="EUR">331.25</cbc:TaxAmount>', '<cbc:TaxAmount currencyID="EUR">25</cbc:TaxAmount>');
    const f = finding(xml, 'BR-CO-14');
    assert.deepEqual(f.issue.facts?.values, { taxTotal: '21.00', categoriesSum: '25.00' });
    assert.match(f.issue.message, /^\[BR-CO-14\]-Invoice total VAT amount \(BT-110\)/, 'the official message stays');
    assert.equal(f.in('en').explanation.text, 'The BT-110 Invoice total VAT amount (cac:TaxTotal/cbc:TaxAmount) is 21.00, but the VAT categories add up to 25.00.');
    assert.equal(f.in('nl').explanation.text, 'De BT-110 Totaal btw-bedrag (cac:TaxTotal/cbc:TaxAmount) is 21.00, maar de btw-categorieën tellen op tot 25.00.');
    assert.equal(f.in('fr').explanation.text, 'Le BT-110 Montant total de la TVA (cac:TaxTotal/cbc:TaxAmount) vaut 21.00, mais les catégories de TVA totalisent 25.00.');
    for (const lang of LANGUAGES) {
      assert.deepEqual(f.in(lang).businessTerm?.id, 'BT-110');
      assert.match(f.in(lang).explanation.fix!, /25\.00/);
    }
  });

  it('an XSD date error names cbc:IssueDate, not its Clark name, and says how the date must be written', () => {
    const f = finding(base.replace('<cbc:IssueDate>2017-11-13</cbc:IssueDate>', '<cbc:IssueDate>13/11/2017</cbc:IssueDate>'), 'XSD', 'XSD');
    assert.equal(f.issue.message, "Element 'cbc:IssueDate': '13/11/2017' is not a valid value of the atomic type 'xs:date'.");
    assert.equal(f.issue.line, 8, 'the line of the source document is kept');
    assert.deepEqual(f.issue.facts, { field: 'cbc:IssueDate', value: '13/11/2017', check: 'date', values: { type: 'xs:date', suggestion: '2017-11-13' } });
    assert.equal(f.in('en').explanation.fix, 'A date must be written year-month-day: 2017-11-13.');
    assert.equal(f.in('nl').explanation.fix, 'Een datum moet geschreven worden als jaar-maand-dag: 2017-11-13.');
    assert.equal(f.in('fr').explanation.fix, 'Une date doit être écrite année-mois-jour : 2017-11-13.');
    for (const lang of LANGUAGES) {
      assert.equal(f.in(lang).businessTerm?.id, 'BT-2');
      assert.match(f.in(lang).explanation.text, /cbc:IssueDate.*13\/11\/2017/);
      assert.doesNotMatch(f.in(lang).explanation.text, /\{urn:/);
    }
  });

  it('PEPPOL-COMMON-R043 names the enterprise number and the check it failed: check digits, or format', () => {
    const endpoint = '<cbc:EndpointID schemeID="0002">FR23342</cbc:EndpointID>';
    const digits = finding(base.replace(endpoint, '<cbc:EndpointID schemeID="0208">0123456748</cbc:EndpointID>'), 'PEPPOL-COMMON-R043');
    assert.deepEqual(digits.issue.facts, { field: 'cac:AccountingCustomerParty/cac:Party/cbc:EndpointID', value: '0123456748', check: 'checkDigits', values: { checkDigits: '48', expected: '49', base: '01234567' } });
    assert.equal(
      digits.in('en').explanation.text,
      "The Belgian enterprise number '0123456748' (cac:AccountingCustomerParty/cac:Party/cbc:EndpointID) fails its check: the last two digits are 48, but 97 minus (01234567 modulo 97) gives 49. The number is mistyped.",
    );
    assert.match(digits.in('nl').explanation.text, /'0123456748'.*de laatste twee cijfers zijn 48, maar 97 min \(01234567 modulo 97\) geeft 49/);
    assert.match(digits.in('fr').explanation.text, /« 0123456748 ».*les deux derniers chiffres sont 48, mais 97 moins \(01234567 modulo 97\) donne 49/);
    assert.equal(digits.in('nl').businessTerm?.name, 'Elektronisch adres van de koper');
    const format = finding(base.replace(endpoint, '<cbc:EndpointID schemeID="0208">BE0123.456.749</cbc:EndpointID>'), 'PEPPOL-COMMON-R043');
    assert.equal(format.issue.facts?.check, 'format');
    for (const lang of LANGUAGES) assert.match(format.in(lang).explanation.text, /BE0123\.456\.749.*14/);
  });

  it('PEPPOL-EN16931-R003 names BT-10 Buyer reference in each language', () => {
    const f = finding(base.replace('<cbc:BuyerReference>0150abc</cbc:BuyerReference>', ''), 'PEPPOL-EN16931-R003');
    assert.deepEqual([f.in('en'), f.in('nl'), f.in('fr')].map((i) => i.businessTerm), [
      { id: 'BT-10', name: 'Buyer reference' },
      { id: 'BT-10', name: 'Referentie van de koper' },
      { id: 'BT-10', name: "Référence de l'acheteur" },
    ]);
  });

  it('a rule the catalogue does not explain keeps its official message, with its business term', () => {
    const message = '[BR-CO-03]-Value added tax point date (BT-7) and Value added tax point date code (BT-8) are mutually exclusive.';
    const issue = explainIssue({ layer: 'CEN', id: 'BR-CO-03', flag: 'fatal', message, location: '/*:Invoice[namespace-uri()=\'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\'][1]' }, 'nl');
    assert.deepEqual(issue.businessTerm, { id: 'BT-7', name: 'Datum van belastbaarheid' });
    assert.deepEqual(issue.explanation, { language: 'nl', text: message, fix: null });
  });

  it('a valid document carries no facts and costs no explanation', () => {
    const report = validator.validate(base);
    assert.deepEqual(report.issues, []);
    assert.deepEqual(explainFindings(report, 'fr').issues, []);
  });

  it('reads the language of Accept-Language among nl, fr and en, English otherwise', () => {
    assert.equal(languageOf(undefined), 'en');
    assert.equal(languageOf('nl-BE,nl;q=0.9,en;q=0.5'), 'nl');
    assert.equal(languageOf('de-DE, fr-BE;q=0.7, en;q=0.6'), 'fr');
    assert.equal(languageOf('en;q=0.2, fr;q=0.9'), 'fr');
    assert.equal(languageOf('de, es'), 'en');
    assert.equal(languageOf('fr;q=0'), 'en');
  });
});
