/**
 * Reads, for each failed finding, what the document holds where it is (FindingFacts): the field the rule
 * is about and its value, the amounts a sum rule compared, which check of an identifier failed, and for
 * XSD findings the element, value and expected type that libxml2's message names. Runs after the rules,
 * only when there are findings: a valid document pays nothing.
 */
import { ATTR, ELEM, type XDocument, type XNode } from '../dom.js';
import { UBL_PREFIXES, prefixedNames } from '../report-format.js';
import type { FindingFacts, ValidationIssue } from '../types.js';
import { Dec } from '../xpath/decimal.js';
import { familyOf, RULES, type Computed } from './catalogue.js';

const NS_OF: Record<string, string> = Object.fromEntries(Object.entries(UBL_PREFIXES).map(([ns, p]) => [p, ns]));
const CBC = NS_OF['cbc']!;
const CAC = NS_OF['cac']!;

/** Adds `facts` to every finding the document can say something about. */
export function readFacts(issues: ValidationIssue[], xdoc: XDocument): void {
  for (const issue of issues) {
    const facts = issue.layer === 'XSD' ? xsdFacts(issue, xdoc.root) : ruleFacts(issue, xdoc.root);
    if (facts && Object.keys(facts).length) issue.facts = facts;
  }
}

// --- locating nodes -------------------------------------------------------------------------------

const SVRL_STEP = /^\*:([^[]+)\[namespace-uri\(\)='([^']*)'\]\[(\d+)\]$/;
const PLAIN_STEP = /^(?:([^:[]+):)?([^:[]+)(?:\[(\d+)\])?$/;

/**
 * The element a location names: SVRL's `/*:Invoice[namespace-uri()='…'][1]/*:TaxTotal[…][1]` or
 * libxml2's `/*\/cbc:IssueDate[2]` (prefixes as the document writes them).
 */
export function nodeAt(root: XNode, location: string): XNode | null {
  const steps = location.split('/').slice(1);
  if (!steps.length) return null;
  let n: XNode | null = null;
  for (const step of steps) {
    const siblings: XNode[] = n ? n.elems : [root];
    let found: XNode | null = null;
    if (step === '*') found = n ? (n.elems[0] ?? null) : root;
    else {
      const svrl = SVRL_STEP.exec(step);
      const plain = svrl ? null : PLAIN_STEP.exec(step);
      if (!svrl && !plain) return null;
      const local = svrl ? svrl[1]! : plain![2]!;
      const position = Number((svrl ? svrl[3] : plain![3]) ?? 1);
      const prefix = plain?.[1];
      let seen = 0;
      for (const s of siblings) {
        if (s.local !== local || (svrl ? s.ns !== svrl[2] : prefix !== undefined && !s.qname.startsWith(`${prefix}:`))) continue;
        if (++seen === position) {
          found = s;
          break;
        }
      }
    }
    if (!found) return null;
    n = found;
  }
  return n;
}

const nameOf = (n: XNode): string => {
  const p = UBL_PREFIXES[n.ns];
  return n.kind === ATTR ? `@${n.local}` : p && p !== 'inv' && p !== 'cn' && p !== 'ar' ? `${p}:${n.local}` : n.local;
};

/** The path of a node from the document root (excluded), with the UBL prefixes: `cac:TaxTotal/cbc:TaxAmount`. */
export function ublPath(n: XNode): string {
  const names: string[] = [];
  for (let m: XNode | null = n; m && m.parent && (m.kind === ATTR || m.parent.kind === ELEM); m = m.parent) names.unshift(nameOf(m));
  return names.join('/');
}

/** Follows a relative path (`cbc:A/cac:B`, `@attr`, `.`, `..`) from `n`: the first node it reaches. */
function follow(n: XNode, path: string): XNode | null {
  let m: XNode | null = n;
  for (const step of path.split('/')) {
    if (!m || step === '.') continue;
    if (step === '..') m = m.parent && m.parent.kind === ELEM ? m.parent : null;
    else if (step.startsWith('@')) m = m.attrs.find((a) => a.local === step.slice(1) && a.ns === '') ?? null;
    else {
      const [p, local] = step.split(':') as [string, string];
      m = m.elems.find((e) => e.local === local && e.ns === NS_OF[p]) ?? null;
    }
  }
  return m;
}

const normalized = (n: XNode): string => n.stringValue().replace(/\s+/g, ' ').trim();

// --- schematron findings ---------------------------------------------------------------------------

function ruleFacts(issue: ValidationIssue, root: XNode): FindingFacts | null {
  const rule = RULES.rules[issue.id];
  if (!rule) {
    const family = familyOf(issue.id);
    const element = family?.element?.exec(issue.message)?.[1];
    return element ? { field: element.trim() } : null;
  }
  const context = issue.location ? nodeAt(root, issue.location) : null;
  if (!context) return null;
  const facts: FindingFacts = {};
  if (rule.field) {
    const target = follow(context, rule.field);
    facts.field = target ? ublPath(target) : [ublPath(context), rule.field === '.' ? '' : rule.field].filter(Boolean).join('/');
    if (target && (target.kind === ATTR || target.elems.length === 0)) {
      const v = normalized(target);
      if (v !== '') facts.value = v;
    }
  }
  if (rule.compute) Object.assign(facts, COMPUTE[rule.compute](context, root));
  return facts;
}

const kids = (n: XNode | null | undefined, ns: string, local: string): XNode[] => (n ? n.elems.filter((e) => e.local === local && e.ns === ns) : []);
const kid = (n: XNode | null | undefined, ns: string, local: string): XNode | null => kids(n, ns, local)[0] ?? null;
const decOf = (n: XNode | null): Dec | null => (n ? Dec.parse(normalized(n)) : null);
const sum = (nodes: XNode[]): Dec => nodes.reduce((a, n) => a.add(decOf(n) ?? ZERO), ZERO);
const ZERO = new Dec(0n, 0);
const ONE = new Dec(1n, 0);
const HUNDRED = new Dec(100n, 0);

/** An amount as people write it: at least two decimals (25 → 25.00), no more than it has. */
export function amount(d: Dec | null): string | undefined {
  if (!d) return undefined;
  const s = d.toString();
  const dot = s.indexOf('.');
  if (dot < 0) return `${s}.00`;
  return s.length - dot - 1 < 2 ? `${s}0` : s;
}

function values(entries: Record<string, Dec | string | null | undefined>): FindingFacts {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entries)) {
    const text = v instanceof Dec ? amount(v) : v;
    if (text !== undefined && text !== null) out[k] = text;
  }
  return { values: out };
}

const lines = (root: XNode): XNode[] => [...kids(root, CAC, 'InvoiceLine'), ...kids(root, CAC, 'CreditNoteLine')];
const charges = (n: XNode, charge: boolean): XNode[] => kids(n, CAC, 'AllowanceCharge').filter((a) => normalized(kid(a, CBC, 'ChargeIndicator') ?? a) === String(charge));
const docTaxAmount = (root: XNode): XNode | null => {
  const currency = normalized(kid(root, CBC, 'DocumentCurrencyCode') ?? root);
  const amounts = kids(root, CAC, 'TaxTotal').map((t) => kid(t, CBC, 'TaxAmount')).filter((a): a is XNode => a !== null);
  return amounts.find((a) => a.attrs.some((x) => x.local === 'currencyID' && normalized(x) === currency)) ?? amounts[0] ?? null;
};
const totals = (root: XNode) => kid(root, CAC, 'LegalMonetaryTotal');

/** The amounts of what a document-level allowance or charge, or a line, adds to a VAT category (BR-S-08 and its siblings). */
function categoryOf(n: XNode, kind: 'ClassifiedTaxCategory' | 'TaxCategory'): { code: string; rate: Dec | null } | null {
  const host = kind === 'ClassifiedTaxCategory' ? kid(kid(n, CAC, 'Item'), CAC, kind) : kid(n, CAC, kind);
  if (!host) return null;
  return { code: normalized(kid(host, CBC, 'ID') ?? host), rate: decOf(kid(host, CBC, 'Percent')) };
}

const COMPUTE: Record<Computed, (context: XNode, root: XNode) => FindingFacts> = {
  vatTotal: (tt) => values({ taxTotal: decOf(kid(tt, CBC, 'TaxAmount')), categoriesSum: sum(kids(tt, CAC, 'TaxSubtotal').map((s) => kid(s, CBC, 'TaxAmount')).filter((x): x is XNode => !!x)) }),
  lineTotal: (lmt, root) => values({ lineExtension: decOf(kid(lmt, CBC, 'LineExtensionAmount')), linesSum: sum(lines(root).map((l) => kid(l, CBC, 'LineExtensionAmount')).filter((x): x is XNode => !!x)) }),
  totalWithoutVat: (lmt, root) => {
    const linesSum = sum(lines(root).map((l) => kid(l, CBC, 'LineExtensionAmount')).filter((x): x is XNode => !!x));
    const allowances = sum(charges(root, false).map((a) => kid(a, CBC, 'Amount')).filter((x): x is XNode => !!x));
    const chargesSum = sum(charges(root, true).map((a) => kid(a, CBC, 'Amount')).filter((x): x is XNode => !!x));
    return values({ taxExclusive: decOf(kid(lmt, CBC, 'TaxExclusiveAmount')), linesSum, allowances, charges: chargesSum, expected: linesSum.sub(allowances).add(chargesSum) });
  },
  totalWithVat: (_root, root) => {
    const lmt = totals(root);
    const taxExclusive = decOf(kid(lmt, CBC, 'TaxExclusiveAmount'));
    const taxTotal = decOf(docTaxAmount(root));
    return values({ taxInclusive: decOf(kid(lmt, CBC, 'TaxInclusiveAmount')), taxExclusive, taxTotal: taxTotal ?? ZERO, expected: (taxExclusive ?? ZERO).add(taxTotal ?? ZERO) });
  },
  amountDue: (lmt) => {
    const taxInclusive = decOf(kid(lmt, CBC, 'TaxInclusiveAmount'));
    const prepaid = decOf(kid(lmt, CBC, 'PrepaidAmount')) ?? ZERO;
    const rounding = decOf(kid(lmt, CBC, 'PayableRoundingAmount')) ?? ZERO;
    return values({ payable: decOf(kid(lmt, CBC, 'PayableAmount')), taxInclusive, prepaid, rounding, expected: (taxInclusive ?? ZERO).sub(prepaid).add(rounding) });
  },
  categoryTax: (n) => {
    const subtotal = n.local === 'TaxSubtotal' ? n : n.parent!;
    const taxable = decOf(kid(subtotal, CBC, 'TaxableAmount'));
    const rate = decOf(kid(kid(subtotal, CAC, 'TaxCategory'), CBC, 'Percent'));
    const expected = taxable && rate ? taxable.mul(rate).div(HUNDRED).round(2) : null;
    return values({ taxable, rate: rate?.toString(), tax: decOf(kid(subtotal, CBC, 'TaxAmount')), expected });
  },
  categoryTaxable: (category, root) => {
    const code = normalized(kid(category, CBC, 'ID') ?? category);
    const rate = decOf(kid(category, CBC, 'Percent'));
    // Standard rate: one breakdown per rate (BR-S-08); the other categories sum all their lines.
    const inCategory = (c: { code: string; rate: Dec | null } | null) => !!c && c.code === code && (code !== 'S' || (!!rate && !!c.rate && c.rate.cmp(rate) === 0));
    const lineSum = sum(lines(root).filter((l) => inCategory(categoryOf(l, 'ClassifiedTaxCategory'))).map((l) => kid(l, CBC, 'LineExtensionAmount')).filter((x): x is XNode => !!x));
    const docSum = (charge: boolean) => sum(charges(root, charge).filter((a) => inCategory(categoryOf(a, 'TaxCategory'))).map((a) => kid(a, CBC, 'Amount')).filter((x): x is XNode => !!x));
    return values({ category: code, rate: rate?.toString(), taxable: decOf(kid(category.parent, CBC, 'TaxableAmount')), expected: lineSum.add(docSum(true)).sub(docSum(false)) });
  },
  lineNet: (line) => {
    const quantity = decOf(kid(line, CBC, 'InvoicedQuantity') ?? kid(line, CBC, 'CreditedQuantity'));
    const price = kid(line, CAC, 'Price');
    const priceAmount = decOf(kid(price, CBC, 'PriceAmount'));
    const base = decOf(kid(price, CBC, 'BaseQuantity'));
    const unitPrice = priceAmount ? priceAmount.div(base && !base.isZero() ? base : ONE) : null;
    const lineCharges = sum(charges(line, true).map((a) => kid(a, CBC, 'Amount')).filter((x): x is XNode => !!x));
    const lineAllowances = sum(charges(line, false).map((a) => kid(a, CBC, 'Amount')).filter((x): x is XNode => !!x));
    const expected = quantity && unitPrice ? quantity.mul(unitPrice).add(lineCharges).sub(lineAllowances).round(2) : null;
    return values({ lineAmount: decOf(kid(line, CBC, 'LineExtensionAmount')), quantity: quantity?.toString(), price: priceAmount?.toString(), baseQuantity: (base ?? ONE).toString(), charges: lineCharges, allowances: lineAllowances, expected });
  },
  enterpriseNumber: (id): FindingFacts => {
    const v = normalized(id);
    if (!/^[0-9]{10}$/.test(v)) return { check: 'format', values: { length: String([...v].length) } };
    const expected = String(97 - (Number(v.slice(0, 8)) % 97)).padStart(2, '0');
    return { check: 'checkDigits', values: { checkDigits: v.slice(8), expected, base: v.slice(0, 8) } };
  },
};

// --- XSD findings ----------------------------------------------------------------------------------

const XSD_ELEMENT = /^Element '([^']+)'(?:, attribute '([^']+)')?: ([\s\S]*)$/;
const ATOMIC = /^'([\s\S]*)' is not a valid value of the (?:local )?(?:atomic|union|list) type '(?:xs:)?([^']+)'/;

/** A date as people often write it (13/11/2017, 13.11.2017, 20171113), in the form XSD wants (2017-11-13); null when it cannot tell. */
export function isoDate(v: string): string | null {
  const t = v.trim();
  let m = /^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$/.exec(t);
  const ymd = m ? [m[3]!, m[2]!, m[1]!] : (m = /^(\d{4})[/.]?(\d{1,2})[/.]?(\d{1,2})$/.exec(t)) ? [m[1]!, m[2]!, m[3]!] : null;
  if (!ymd) return null;
  const [y, mo, d] = [ymd[0], ymd[1].padStart(2, '0'), ymd[2].padStart(2, '0')];
  const iso = `${y}-${mo}-${d}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso) ? iso : null;
}

/** An amount as people often write it (1.234,56 or 1,234.56 or 12,50 EUR), in the form XSD wants (1234.56); null when it cannot tell. */
export function xsdDecimal(v: string): string | null {
  let t = v.replace(/[^0-9,.\-]/g, '');
  if (!/\d/.test(t)) return null;
  const lastComma = t.lastIndexOf(',');
  const lastDot = t.lastIndexOf('.');
  if (lastComma > lastDot) t = t.replace(/\./g, '').replace(',', '.');
  else t = t.replace(/,/g, '');
  return /^-?\d+(\.\d+)?$/.test(t) ? t : null;
}

const DATE_TYPES = new Set(['date', 'dateTime', 'time']);

function xsdFacts(issue: ValidationIssue, root: XNode): FindingFacts | null {
  const m = XSD_ELEMENT.exec(issue.message);
  if (!m) return null;
  const node = issue.location ? nodeAt(root, issue.location) : null;
  const element = prefixedNames(m[1]!);
  const facts: FindingFacts = { field: node ? ublPath(node) : element };
  const rest = m[3]!;
  const expected = /Expected is (?:one of )?\( ([\s\S]*?) \)/.exec(rest)?.[1];
  const names = expected ? prefixedNames(expected).split(', ') : [];
  const atomic = ATOMIC.exec(rest);
  if (atomic) {
    const [, value, type] = atomic as unknown as [string, string, string];
    facts.value = value;
    if (DATE_TYPES.has(type)) {
      facts.check = type === 'date' ? 'date' : 'atomic';
      const iso = type === 'date' ? isoDate(value) : null;
      facts.values = { type: `xs:${type}`, suggestion: iso ?? 'YYYY-MM-DD' };
    } else if (type === 'decimal') {
      facts.check = 'decimal';
      facts.values = { type: 'xs:decimal', suggestion: xsdDecimal(value) ?? '1234.56' };
    } else {
      facts.check = 'atomic';
      facts.values = { type: `xs:${type}` };
    }
  } else if (/not expected/.test(rest)) {
    facts.check = 'unexpected';
    facts.values = { element, expected: names.length ? names.slice(0, 6).join(', ') + (names.length > 6 ? ', …' : '') : '—' };
  } else if (/^Missing child element/.test(rest)) {
    facts.check = 'missing';
    facts.values = { element, expected: names.slice(0, 6).join(', ') + (names.length > 6 ? ', …' : '') };
  } else if (/is not allowed/.test(rest) && m[2]) {
    facts.check = 'attributeNotAllowed';
    facts.values = { element, attribute: m[2] };
  } else if (/is required but missing/.test(rest)) {
    facts.check = 'attributeMissing';
    facts.values = { element, attribute: /attribute '([^']+)'/.exec(rest)?.[1] ?? '' };
  } else {
    facts.check = 'other';
    facts.values = { element, detail: prefixedNames(rest) };
  }
  return facts;
}
