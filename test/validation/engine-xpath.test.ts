/**
 * The XPath 2.0 core of the rule engine: exact decimals, XPath's (not JavaScript's) string, number and
 * regex semantics, general comparisons over untyped nodes, and the errors the reference raises.
 */
import assert from 'node:assert/strict';
import { parseDocument } from '../../src/validation/dom.js';
import { Dec } from '../../src/validation/xpath/decimal.js';
import { evaluateXPath } from '../../src/validation/xpath/evaluate.js';
import { XPathSyntaxError } from '../../src/validation/xpath/parser.js';
import { XPathError, stringOf } from '../../src/validation/xpath/values.js';

const doc = parseDocument(`<r xmlns:c="urn:c">
  <a>0.1</a><a>0.2</a>
  <n>10</n><n>9</n>
  <c:x id="k1">  hello \u00a0 world  </c:x>
  <d>2024-02-29</d><d>2024-03-01</d>
  <amt>19.99</amt><amt>0.01</amt>
  <e/>
</r>`);
const ns = { c: 'urn:c' };
const ev = (e: string) => evaluateXPath(e, doc, ns);
const s = (e: string): string => ev(e).map(stringOf).join('|');
const b = (e: string): boolean => {
  const r = ev(e);
  assert.equal(r.length, 1, `${e} gives one item`);
  assert.equal(typeof r[0], 'boolean', `${e} gives a boolean`);
  return r[0] as boolean;
};

describe('validation engine: XPath 2.0 core', () => {
  describe('numbers', () => {
    it('keeps xs:decimal exact: literals, casts and sums', () => {
      assert.equal(b('0.1 + 0.2 = 0.3'), true);
      assert.equal(b('sum(//a/xs:decimal(.)) = 0.3'), true);
      assert.equal(s('sum(//amt/xs:decimal(.)) * 3'), '60');
    });
    it('uses doubles for untyped values, as XPath does without a schema', () => {
      assert.equal(b('sum(//a) = 0.3'), false);
      assert.equal(s('sum(//a)'), '0.30000000000000004');
    });
    it('divides decimals to 18 places and rounds half towards positive infinity', () => {
      assert.equal(s('1 div 3'), '0.333333333333333333');
      assert.equal(s('round(2.5)'), '3');
      assert.equal(s('round(-2.5)'), '-2');
      assert.equal(s('round(xs:decimal("1.005") * 100) div 100'), '1.01');
      assert.equal(s('round(1.005 * 10 * 10) div 100'), '1.01');
    });
    it('computes mod 97 over integers beyond 2^53 exactly (DE-R-019 / DE-R-020)', () => {
      assert.equal(s("xs:integer('3214282912345698765432161182') mod 97"), '1');
      assert.equal(s("xs:decimal('3214282912345698765432161182') mod 97"), '1');
      assert.equal(s("xs:integer('3214282912345698765432161183') mod 97"), '2');
    });
    it('casts and tests castability like the reference', () => {
      assert.equal(b("'12' castable as xs:integer"), true);
      assert.equal(b("'1.5' castable as xs:integer"), false);
      assert.equal(b("' 7 ' castable as xs:integer"), true);
      assert.equal(b("'2023-02-29' castable as xs:date"), false);
      assert.equal(s("number('abc')"), 'NaN');
      assert.equal(s("number(' 12 ')"), '12');
      assert.equal(s("string(number('1e3'))"), '1000');
      assert.equal(s("xs:string(97 - (xs:integer('12345678') mod 97))"), '94');
    });
    it('raises FORG0001 on a bad cast and FOAR0001 on decimal division by zero', () => {
      assert.throws(() => ev("xs:decimal('abc')"), (e: unknown) => e instanceof XPathError && e.code === 'FORG0001');
      assert.throws(() => ev('1 div 0'), (e: unknown) => e instanceof XPathError && e.code === 'FOAR0001');
      assert.equal(s('1 div 0.0e0'), 'INF');
    });
    it('keeps Dec arithmetic exact', () => {
      const x = Dec.parse('2800.021')!;
      assert.equal(x.sub(Dec.parse('0.021')!).toString(), '2800');
      assert.equal(Dec.parse('-0.50')!.round().toString(), '0');
      assert.equal(Dec.parse('-1.51')!.round(1).toString(), '-1.5');
      assert.equal(Dec.parse('2')!.div(Dec.parse('3')!).toString(), '0.666666666666666667');
    });
  });

  describe('strings', () => {
    it('normalize-space strips only XPath whitespace (NBSP stays)', () => {
      assert.equal(s('normalize-space(//c:x)'), 'hello \u00a0 world');
    });
    it('counts code points, not UTF-16 units', () => {
      assert.equal(s("string-length('a\u{1F600}b')"), '3');
      assert.equal(s("substring('a\u{1F600}bc', 2, 2)"), '\u{1F600}b');
      assert.equal(s("substring('12345', 1.5, 2.6)"), '234');
      assert.equal(s("substring('12345', 0, 3)"), '12');
    });
    it('translate, substring-before/after, concat, string-join, upper-case', () => {
      assert.equal(s("translate('abcabc', 'ab', 'X')"), 'XcXc');
      assert.equal(s("substring-after('12.345', '.')"), '345');
      assert.equal(s("substring-before('12.345', '.')"), '12');
      assert.equal(s("concat('a', (), 1, 'b')"), 'a1b');
      assert.equal(s("string-join(for $i in (1, 2, 3) return string($i * 2), '-')"), '2-4-6');
      assert.equal(s("upper-case('straße')"), 'STRASSE');
    });
    it('translates XPath regular expressions: \\s is only four characters, \\d is Unicode', () => {
      assert.equal(b("matches('a\u00a0b', '^a\\sb$')"), false);
      assert.equal(b("matches('a b', '^a\\sb$')"), true);
      assert.equal(b("matches('\u0663', '^\\d$')"), true);
      assert.equal(b("matches('NL123456789B12', '^NL[0-9]{9}B[0-9]{2}$')"), true);
      assert.equal(s("replace('a1b22', '([0-9]+)', '<$1>')"), 'a<1>b<22>');
      assert.equal(s("tokenize('1 #x# 2', '#.+#')"), '1 | 2');
      assert.equal(s("tokenize('', ',')"), '');
      assert.equal(s("count(tokenize(',a,', ','))"), '3');
    });
  });

  describe('comparisons and sequences', () => {
    it('compares two untyped nodes as strings and untyped against numbers as doubles', () => {
      assert.equal(b('//n[1] < //n[2]'), true); // '10' < '9' as strings
      assert.equal(b('//n[1] > 9'), true);
      assert.equal(b('//n = 9'), true); // general comparison: some pair
      assert.equal(b('//n != 9'), true);
    });
    it('compares dates', () => {
      assert.equal(b('xs:date(//d[1]) < xs:date(//d[2])'), true);
      assert.equal(b("xs:date('2024-01-01Z') = xs:date('2024-01-01')"), true);
    });
    it('evaluates if, some, every, for, ranges, predicates and last()', () => {
      assert.equal(b("every $x in //a satisfies number($x) < 1"), true);
      assert.equal(b("some $x in //n satisfies $x = '9'"), true);
      assert.equal(s('for $i in 1 to 3 return $i * $i'), '1|4|9');
      assert.equal(s("if (//e) then 'yes' else 'no'"), 'yes');
      assert.equal(s('//n[last()]'), '9');
      assert.equal(s("(tokenize('a,b,c', ','))[2]"), 'b');
      assert.equal(s('count(//*[not(*) and not(normalize-space())])'), '1');
      assert.equal(s('//c:x/@id'), 'k1');
      assert.equal(s('name(//c:x)'), 'c:x');
      assert.equal(s('count(//a/following-sibling::*)'), '9');
      assert.equal(s('count(//e/preceding::a)'), '2');
    });
    it('raises XPTY0004 where a single value is required and several are given', () => {
      assert.throws(() => ev('normalize-space(//a)'), (e: unknown) => e instanceof XPathError && e.code === 'XPTY0004');
    });
    it('stops exists(), empty() and boolean tests at the first match, as the reference does (no error from a later candidate)', () => {
      const two = parseDocument('<r><l><s>BV</s></l><l><s>BV</s><s>FD</s></l></r>');
      const at = (e: string) => evaluateXPath(e, two, {});
      for (const e of ["exists(/r/l[normalize-space(s) = 'BV'])", "empty(/r/l[normalize-space(s) = 'BV'])", "if (/r/l[normalize-space(s) = 'BV']) then 1 else 0"])
        assert.doesNotThrow(() => at(e), e);
      assert.throws(() => at("exists(/r/l[normalize-space(s) = 'FD'])"), (e: unknown) => e instanceof XPathError && e.code === 'XPTY0004');
    });
  });

  it('refuses constructs outside the supported subset at compile time', () => {
    assert.throws(() => ev('//a intersect //n'), XPathSyntaxError);
    assert.throws(() => ev('unknown-function(1)'), /Unknown function/);
    assert.throws(() => ev('$undeclared'), /Unknown variable/);
  });
});
