/**
 * The explanation catalogue, as data: `rules.json` says, per rule id, which business term it is about,
 * where its field is (relative to the rule's context node) and which values it computes; one file per
 * language (`en.json`, `nl.json`, `fr.json`) holds the names of the business terms and, per rule, the
 * plain-language text and fix. Loaded once, at import. `test/validation/explain-catalogue.test.ts` checks
 * that every rule id exists in the installed rule sets and that every language has every entry.
 */
import type { Language } from '../types.js';
import rulesData from './rules.json' with { type: 'json' };
import en from './en.json' with { type: 'json' };
import nl from './nl.json' with { type: 'json' };
import fr from './fr.json' with { type: 'json' };

/** Values facts.ts computes for a rule (the `compute` of its entry), named in its templates as {name}. */
export const COMPUTED = ['vatTotal', 'lineTotal', 'totalWithoutVat', 'totalWithVat', 'amountDue', 'categoryTax', 'categoryTaxable', 'lineNet', 'enterpriseNumber'] as const;
export type Computed = (typeof COMPUTED)[number];

/** What rules.json says about one rule: language-independent. */
export interface RuleFacts {
  /** The business term (BT-n) or group (BG-n) the rule is about. */
  term?: string;
  /**
   * The field, relative to the rule's context node: `cbc:BuyerReference`, `@currencyID`, `.` for the
   * context itself, `cac:Party/cbc:EndpointID`. Its value, when present, is the finding's value.
   */
  field?: string;
  /** Values beyond the field's (sums, expected amounts) that facts.ts computes. */
  compute?: Computed;
}

/** A rule family explained by one entry: every rule id matching `pattern`. */
export interface FamilyFacts {
  pattern: string;
  term?: string;
  /** A regular expression on the official message whose first group is the {element} the templates name. */
  element?: string;
}

export interface RulesFile {
  rules: Record<string, RuleFacts>;
  families: Record<string, FamilyFacts>;
  /** UBL paths (from the root, prefixed, without positions) to the business term they carry: what names the term of an XSD finding. */
  fields: Record<string, string>;
}

/** One explanation: {placeholders} are the facts (field, value, term) and the computed values. */
export interface Template {
  text: string;
  fix: string;
}

/** Entries whose text depends on which check failed (FindingFacts.check) give one template per check. */
export type Entry = Template | { checks: Record<string, Template> };

export interface LanguageFile {
  /** How a value that is absent from the document is written. */
  missing: string;
  terms: Record<string, string>;
  rules: Record<string, Entry>;
  families: Record<string, Template>;
  /** XSD findings, by the check facts.ts reads from libxml2's message (date, decimal, unexpected, missing...). */
  xsd: Record<string, Template>;
}

export const RULES: RulesFile = rulesData as RulesFile;

export const LANGUAGE_FILES: Record<Language, LanguageFile> = { en: en as LanguageFile, nl: nl as LanguageFile, fr: fr as LanguageFile };

const FAMILIES = Object.entries(RULES.families).map(([name, f]) => ({ name, facts: f, pattern: new RegExp(f.pattern), element: f.element ? new RegExp(f.element) : null }));

/** The family a rule id belongs to, when it has no entry of its own. */
export function familyOf(id: string): (typeof FAMILIES)[number] | null {
  return FAMILIES.find((f) => f.pattern.test(id)) ?? null;
}

/** The template of an entry for the check that failed (the first when the finding names none or another). */
export function templateOf(entry: Entry, check: string | undefined): Template {
  if (!('checks' in entry)) return entry;
  return entry.checks[check ?? ''] ?? Object.values(entry.checks)[0]!;
}
