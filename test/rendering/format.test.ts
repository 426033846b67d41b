import assert from 'node:assert/strict';
import { formatAmount, formatDate, formatDecimal, formatIban, formatPercent, structuredCommunication } from '../../src/rendering/format.js';

describe('rendering formats', () => {
  it('formats a decimal from its digits, never through a float: every digit of the document is kept', () => {
    assert.equal(formatDecimal('12345678901234567890.123456789', 'nl'), '12.345.678.901.234.567.890,123456789');
    assert.equal(formatDecimal('0.10', 'en'), '0.10');
    assert.equal(formatDecimal('-1234.5', 'fr'), '-1\u202f234,5');
    assert.equal(formatDecimal('1000', 'en'), '1,000');
    assert.equal(formatDecimal('.5', 'nl'), '0,5');
    assert.equal(formatDecimal('+7', 'nl'), '7');
  });

  it('shows text that is not a decimal as written', () => {
    for (const odd of ['1e3', '12,50', 'abc', '', '1.2.3']) assert.equal(formatDecimal(odd, 'nl'), odd);
  });

  it('agrees with ICU (Intl) on every language: grouping, decimal mark, percent', () => {
    const locales = { nl: 'nl-BE', fr: 'fr-BE', en: 'en-GB' } as const;
    for (const [lang, locale] of Object.entries(locales) as [keyof typeof locales, string][]) {
      for (const v of ['0', '1', '999', '1000', '123456.78', '-98765432.1']) {
        const decimals = v.split('.')[1]?.length ?? 0;
        assert.equal(formatDecimal(v, lang), new Intl.NumberFormat(locale, { minimumFractionDigits: decimals }).format(Number(v)), `${lang} ${v}`);
      }
      assert.equal(formatPercent('21', lang), new Intl.NumberFormat(locale, { style: 'percent' }).format(0.21));
    }
  });

  it('puts the currency after the amount, and dates in the long form of each language', () => {
    assert.equal(formatAmount({ value: '1656.25', currency: 'EUR' }, 'nl'), '1.656,25\u00a0EUR');
    assert.equal(formatDate('2017-11-13', 'nl'), '13 november 2017');
    assert.equal(formatDate('2017-11-13', 'fr'), '13 novembre 2017');
    assert.equal(formatDate('2017-11-13', 'en'), '13 November 2017');
    assert.equal(formatDate('2017-02-31', 'en'), '2017-02-31');
    assert.equal(formatDate('13/11/2017', 'en'), '13/11/2017');
  });

  it('reads the Belgian structured communication only when its check digits are right', () => {
    assert.equal(structuredCommunication('090933755493'), '+++090/9337/55493+++');
    assert.equal(structuredCommunication('+++090/9337/55493+++'), '+++090/9337/55493+++');
    assert.equal(structuredCommunication('090933755494'), null);
    assert.equal(structuredCommunication('Snippet1'), null);
    // 10 first digits divisible by 97: the check digits are 97, not 00.
    assert.equal(structuredCommunication('000000009797'), '+++000/0000/09797+++');
  });

  it('prints an IBAN in groups of four', () => {
    assert.equal(formatIban('BE71096123456769'), 'BE71 0961 2345 6769');
    assert.equal(formatIban('IBAN32423940'), 'IBAN32423940');
  });
});
