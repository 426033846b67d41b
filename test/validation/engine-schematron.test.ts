/**
 * Schematron semantics of the engine on small inline schemas: first matching rule per pattern, lets at
 * every level, abstract patterns, flags, reports, messages, SVRL locations, XSLT pattern error handling,
 * and loud failure at load time for constructs it cannot compile.
 */
import assert from 'node:assert/strict';
import { ApError } from '../../src/errors.js';
import { parseDocument } from '../../src/validation/dom.js';
import { evaluateSchema } from '../../src/validation/schematron/evaluate.js';
import { compileSchematron } from '../../src/validation/schematron/load.js';
import type { ValidationIssue } from '../../src/validation/types.js';

const sch = (body: string, extra = ''): string => `<?xml version="1.0"?>
<schema xmlns="http://purl.oclc.org/dsdl/schematron" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" queryBinding="xslt2">
  <ns prefix="i" uri="urn:inv"/>
  <ns prefix="u" uri="utils"/>
  ${extra}
  ${body}
</schema>`;

const DOC = `<Invoice xmlns="urn:inv" xmlns:p="urn:p">
  <Line><Amount>10.10</Amount><Amount>5</Amount></Line>
  <Line><Amount>-1</Amount></Line>
  <p:Note>x</p:Note>
  <Empty/>
</Invoice>`;

function run(schema: string, xml = DOC): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  evaluateSchema(compileSchematron(schema, 'CEN'), parseDocument(xml), out);
  return out;
}
const ids = (issues: ValidationIssue[]): string[] => issues.map((i) => i.id);

describe('validation engine: schematron semantics', () => {
  it('fires the first matching rule of a pattern only, and every pattern independently', () => {
    const out = run(
      sch(`
      <pattern>
        <rule context="i:Line[i:Amount = '-1']"><assert id="A" test="false()" flag="fatal">negative line</assert></rule>
        <rule context="i:Line"><assert id="B" test="false()" flag="warning">any line</assert></rule>
      </pattern>
      <pattern>
        <rule context="i:Line"><assert id="C" test="count(i:Amount) = 2" flag="fatal">two amounts</assert></rule>
      </pattern>`),
    );
    assert.deepEqual(ids(out), ['B', 'A', 'C']);
    assert.deepEqual(
      out.map((i) => i.flag),
      ['warning', 'fatal', 'fatal'],
    );
  });

  it('writes SVRL locations and source positions of the context node', () => {
    const out = run(sch(`<pattern><rule context="i:Amount | p:Note"><assert id="L" test="false()">x</assert></rule></pattern>`, '<ns prefix="p" uri="urn:p"/>'));
    assert.deepEqual(
      out.map((i) => i.location),
      [
        "/*:Invoice[namespace-uri()='urn:inv'][1]/*:Line[namespace-uri()='urn:inv'][1]/*:Amount[namespace-uri()='urn:inv'][1]",
        "/*:Invoice[namespace-uri()='urn:inv'][1]/*:Line[namespace-uri()='urn:inv'][1]/*:Amount[namespace-uri()='urn:inv'][2]",
        "/*:Invoice[namespace-uri()='urn:inv'][1]/*:Line[namespace-uri()='urn:inv'][2]/*:Amount[namespace-uri()='urn:inv'][1]",
        "/*:Invoice[namespace-uri()='urn:inv'][1]/*:Note[namespace-uri()='urn:p'][1]",
      ],
    );
    assert.deepEqual([out[0].line, out[0].column], [2, 9]);
    assert.deepEqual([out[3].line, out[3].column], [4, 3]);
    const plain = run(sch(`<pattern><rule context="b"><assert id="P" test="false()">x</assert></rule></pattern>`), '<a><b/><b/></a>');
    assert.deepEqual(
      plain.map((i) => i.location),
      ['/a[1]/b[1]', '/a[1]/b[2]'],
    );
  });

  it('evaluates schema, pattern and rule lets (sequence-valued too) and renders value-of and name in messages', () => {
    const out = run(
      sch(
        `<pattern>
          <let name="lineCount" value="count(//i:Line)"/>
          <rule context="i:Line">
            <let name="amounts" value="i:Amount/xs:decimal(.)"/>
            <let name="total" value="sum($amounts)"/>
            <assert id="T" test="$total &lt; $limit" flag="fatal">Line <value-of select="count(preceding-sibling::i:Line) + 1"/> of <value-of select="$lineCount"/> in <name/>: total <value-of select="$total"/>, amounts <value-of select="$amounts"/></assert>
          </rule>
        </pattern>`,
        '<let name="limit" value="xs:decimal(10)"/>',
      ),
    );
    assert.deepEqual(
      out.map((i) => i.message),
      ['Line 1 of 2 in Line: total 15.1, amounts 10.1 5'],
    );
  });

  it('instantiates abstract patterns with is-a and params, and abstract rules through extends', () => {
    const out = run(
      sch(`
      <pattern abstract="true" id="positive">
        <rule context="$item"><assert id="$code" test="xs:decimal(.) &gt;= $min" flag="fatal">$item must be at least $min</assert></rule>
      </pattern>
      <pattern is-a="positive" id="amounts">
        <param name="item" value="i:Amount"/><param name="min" value="0"/><param name="code" value="AMT-01"/>
      </pattern>
      <pattern>
        <rule abstract="true" id="mustBeX"><assert id="X-1" test=". = 'x'" flag="warning">not x</assert></rule>
        <rule context="p:Note | i:Empty"><extends rule="mustBeX"/></rule>
      </pattern>`, '<ns prefix="p" uri="urn:p"/>'),
    );
    assert.deepEqual(ids(out), ['AMT-01', 'X-1']);
    assert.match(out[0].location!, /Line\[namespace-uri\(\)='urn:inv'\]\[2\]/);
  });

  it('runs only the patterns of the default phase when one is set', () => {
    const body = `
      <phase id="lines"><active pattern="p-lines"/></phase>
      <pattern id="p-lines"><rule context="i:Line"><assert id="IN" test="false()">x</assert></rule></pattern>
      <pattern id="p-notes"><rule context="i:Empty"><assert id="OUT" test="false()">x</assert></rule></pattern>`;
    assert.deepEqual(ids(run(sch(body))), ['IN', 'IN', 'OUT']);
    assert.deepEqual(ids(run(sch(body).replace('queryBinding="xslt2"', 'queryBinding="xslt2" defaultPhase="lines"'))), ['IN', 'IN']);
  });

  it('treats report as firing when its test is true', () => {
    const out = run(sch(`<pattern><rule context="i:Empty"><report id="R" test="not(node())" flag="warning">empty</report></rule></pattern>`));
    assert.deepEqual(ids(out), ['R']);
  });

  it('compiles xsl:function definitions (recursion, variables, choose) and calls them from rules', () => {
    const out = run(
      sch(
        `<pattern><rule context="i:Line"><assert id="F" test="u:digits(string(count(i:Amount))) = 1" flag="fatal">f</assert></rule></pattern>`,
        `<xsl:function name="u:digits" as="xs:integer">
          <xsl:param name="s" as="xs:string"/>
          <xsl:variable name="rest" select="substring($s, 2)"/>
          <xsl:choose>
            <xsl:when test="$s = ''"><xsl:sequence select="0"/></xsl:when>
            <xsl:otherwise><xsl:sequence select="1 + u:digits($rest)"/></xsl:otherwise>
          </xsl:choose>
        </xsl:function>`,
      ),
    );
    assert.deepEqual(ids(out), []);
  });

  it('treats an error while matching a rule context as no match, and an error in an assert as a failed layer', () => {
    const noMatch = run(
      sch(`<pattern>
        <rule context="i:Line[normalize-space(i:Amount) = '5']"><assert id="E1" test="false()">never: the context errs on two amounts</assert></rule>
        <rule context="i:Line"><assert id="E2" test="false()">fallback rule</assert></rule>
      </pattern>`),
    );
    assert.deepEqual(ids(noMatch), ['E2', 'E2']);
    const failed = run(sch(`<pattern><rule context="i:Line"><assert id="E3" test="normalize-space(i:Amount) != ''">x</assert></rule></pattern>`));
    assert.equal(failed.length, 1);
    assert.equal(failed[0].id, 'XPATH-ERROR');
    assert.match(failed[0].message, /XPTY0004/);
  });

  it('fails at load time, naming the rule, on a construct it cannot compile', () => {
    const bad = (schema: string, pattern: RegExp): void => {
      assert.throws(
        () => compileSchematron(schema, 'PEPPOL'),
        (e: unknown) => e instanceof ApError && e.kind === 'validation.unsupported-construct' && pattern.test(e.message),
      );
    };
    bad(sch(`<pattern><rule context="i:Line"><assert id="Z" test="i:Amount intersect i:Amount">x</assert></rule></pattern>`), /intersect.*rule context="i:Line".*assert Z/);
    bad(sch(`<pattern><rule context="i:Line"><assert id="Z" test="u:nope(1)">x</assert></rule></pattern>`), /Unknown function nope/);
    bad(sch(`<pattern><rule context="i:Line/ancestor::i:Invoice"><assert id="Z" test="true()">x</assert></rule></pattern>`), /ancestor axis/);
    bad(sch(`<pattern><rule context="i:Line"><assert id="Z" test="$undefined">x</assert></rule></pattern>`), /Unknown variable \$undefined/);
    bad(sch(`<pattern><rule context="i:Line"><diagnostic-ref id="d"/></rule></pattern>`), /Element <diagnostic-ref>/);
    bad(sch(`<include href="other.sch"/>`), /include/);
  });
});
