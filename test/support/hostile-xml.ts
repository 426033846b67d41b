/**
 * Hostile XML for the parser-bound tests: documents shaped to make a parser do more than linear work
 * (many attributes or namespace declarations on one element, many distinct element names), and a check
 * that a parser's time grows linearly with such a document.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ApError } from '../../src/errors.js';
import { NS } from '../../src/as4/ns.js';
import { BASE_INVOICE } from './artifacts.js';

/** ` a0=""`, ` a1=""`, …: `count` distinct unprefixed attributes (base-36 names, 8 or 9 bytes each). */
export function attributeList(count: number, prefix = ''): string {
  let s = '';
  for (let i = 0; i < count; i++) s += ` ${prefix}a${i.toString(36)}=""`;
  return s;
}

/** The SOAP envelope of the finding: 110,000 attributes on eb:Messaging, about 0.94 MB (under the 1 MB limit). */
export function manyAttributeEnvelope(attributes = 110_000): string {
  return `<S12:Envelope xmlns:S12="${NS.S12}"><S12:Header><eb:Messaging xmlns:eb="${NS.EB}"${attributeList(attributes)}/></S12:Header><S12:Body/></S12:Envelope>`;
}

/** The official base example with attributes on cbc:CustomizationID until it is `bytes` long (the finding: 789 KB). */
export function manyAttributeInvoice(bytes = 789 * 1024): string {
  const base = readFileSync(BASE_INVOICE, 'utf8');
  const count = Math.floor((bytes - Buffer.byteLength(base)) / 9);
  const doc = base.replace('<cbc:CustomizationID', `<cbc:CustomizationID${attributeList(count)}`);
  return doc + ' '.repeat(Math.max(0, bytes - Buffer.byteLength(doc)));
}

/**
 * The base example with `lines` copies of its first invoice line, each carrying `attributes` attributes
 * the schema does not allow: a document within every parser limit whose full report would list one
 * finding per attribute.
 */
export function invoiceWithForeignAttributes(lines: number, attributes: number): string {
  const base = readFileSync(BASE_INVOICE, 'utf8');
  const line = /<cac:InvoiceLine>[\s\S]*?<\/cac:InvoiceLine>/.exec(base)![0];
  return base.replace(line, line.replace('<cac:InvoiceLine', `<cac:InvoiceLine${attributeList(attributes)}`).repeat(lines));
}

/**
 * The base example with `lines` copies of its first invoice line, each breaking five EN 16931 rules
 * (unit, scheme and list codes, country, negative price): thousands of findings from one document.
 */
export function invoiceWithBrokenLines(lines: number): string {
  const base = readFileSync(BASE_INVOICE, 'utf8');
  const line = /<cac:InvoiceLine>[\s\S]*?<\/cac:InvoiceLine>/.exec(base)![0];
  const broken = line
    .replace('unitCode="DAY"', 'unitCode="XXX"')
    .replace('schemeID="0088"', 'schemeID="9999"')
    .replace('<cbc:IdentificationCode>NO<', '<cbc:IdentificationCode>XX<')
    .replace('listID="SRV"', 'listID="XXX"')
    .replace('<cbc:PriceAmount currencyID="EUR">400<', '<cbc:PriceAmount currencyID="EUR">-400<');
  return base.replace(line, broken.repeat(lines));
}

/** Shapes of n attributes (or names), each of which a parser must parse or refuse in linear time. */
const HOSTILE_SHAPES: ReadonlyArray<{ name: string; make: (n: number) => string }> = [
  { name: 'n attributes on one element', make: (n) => `<r${attributeList(n)}/>` },
  { name: 'n prefixed attributes on one element', make: (n) => `<r xmlns:p="urn:p"${attributeList(n, 'p:')}/>` },
  {
    name: 'n namespace declarations on one element',
    make: (n) => `<r${Array.from({ length: n }, (_, i) => ` xmlns:p${i.toString(36)}="urn:${i}"`).join('')}/>`,
  },
  { name: 'n attributes, 256 to an element', make: (n) => `<r>${`<e${attributeList(256)}/>`.repeat(Math.ceil(n / 256))}</r>` },
  { name: 'n distinct element names', make: (n) => `<r>${Array.from({ length: n }, (_, i) => `<e${i.toString(36)}></e${i.toString(36)}>`).join('')}</r>` },
];

/** Best of three runs in milliseconds; a refusal (ApError) is an outcome like a parse. */
function bestTime(run: () => unknown): number {
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    try {
      run();
    } catch (e) {
      if (!(e instanceof ApError)) throw e;
    }
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/**
 * Asserts that parsing the shape with 4n costs at most 8 times the time with n (twice the linear
 * expectation, a quadratic parser costs 16 times; a 25 ms floor for timer and collector noise on a
 * loaded machine, far below what the quadratic parsers took), and stays under maxMs.
 */
export function assertLinear(parse: (xml: string) => unknown, n: number, maxMs = 2000): void {
  for (const { name, make } of HOSTILE_SHAPES) {
    const small = make(n);
    const large = make(4 * n);
    const t1 = bestTime(() => parse(small));
    const t4 = bestTime(() => parse(large));
    assert.ok(t4 <= 8 * Math.max(t1, 25) && t4 < maxMs, `${name}: ${t1.toFixed(1)} ms for n = ${n}, ${t4.toFixed(1)} ms for 4n`);
  }
}
