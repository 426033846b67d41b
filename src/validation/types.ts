/** Shared shapes of the validation layer: what the API, CLI and pipelines receive. */
import type { ErrorKind } from '../errors.js';
import type { XNode } from './dom.js';

/** The layers a rule set's schematron files are run as (rule-sets.ts reads them from the manifest). */
export const SCHEMATRON_LAYERS = ['CEN', 'PEPPOL', 'T111', 'MLS', 'TSR', 'EUSR'] as const;
export type SchematronLayer = (typeof SCHEMATRON_LAYERS)[number];
/**
 * REPORT: about the report itself (the summary of the findings a capped report leaves out);
 * UNSUPPORTED: no rule set release applies to the document (of another type, or none in force yet).
 */
export type ValidationLayer = 'PARSE' | 'XSD' | SchematronLayer | 'UNSUPPORTED' | 'REPORT';
export type Flag = 'fatal' | 'warning';

export interface ValidationIssue {
  layer: ValidationLayer;
  /** Rule id for schematron asserts (e.g. BR-CO-15, PEPPOL-EN16931-R003, PEPPOL-T111-R001); the layer's name otherwise. */
  id: string;
  /** PARSE issues: the catalogue's kind for the unusable input (malformed, DTD, encoding, size...). */
  error?: ErrorKind;
  flag: Flag;
  message: string;
  /** XPath of the context node, in the form SVRL uses (schematron layers). */
  location?: string;
  line?: number;
  column?: number;
  /**
   * What the document holds where the finding is, read after the rules ran and only for failed findings
   * (explain/facts.ts); language-independent, stored with the report, and what explanations quote.
   */
  facts?: FindingFacts;
}

/** The field a finding is about and the values found, as the explanations (explain/) name them. */
export interface FindingFacts {
  /** The field as a prefixed UBL path, relative to the document root where known: `cbc:BuyerReference`, `cac:TaxTotal/cbc:TaxAmount`. */
  field?: string;
  /** The value found in that field; absent when the field is missing. */
  value?: string;
  /** Which check of the rule failed, when it makes several: PEPPOL-COMMON-R043 `format` or `checkDigits`; XSD `date`, `unexpected`, `missing`... */
  check?: string;
  /** Further values a rule's explanation names, e.g. BR-CO-14 `{ taxTotal: '21.00', categoriesSum: '25.00' }`. */
  values?: Record<string, string>;
}

/** The languages reports are explained in. */
export const LANGUAGES = ['nl', 'fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** A business term of EN 16931 (BT-n) or a business group (BG-n), named in one language. */
export interface BusinessTerm {
  id: string;
  name: string;
}

/** A finding in plain language, for an accounts-payable clerk: what is wrong (with the value found) and what to change. */
export interface Explanation {
  language: Language;
  /** What is wrong, naming the business term, the field and the value found. */
  text: string;
  /** What the supplier must change; null when the rule has no entry in the catalogue (text is then the official message). */
  fix: string | null;
}

/** A finding with its explanation in one language (explainFindings). */
export interface ExplainedIssue extends ValidationIssue {
  /** The business term the rule is about (the first it names), in the explanation's language; null when none. */
  businessTerm: BusinessTerm | null;
  explanation: Explanation;
}

export interface ExplainedReport extends ValidationReport {
  issues: ExplainedIssue[];
}

export type UblDocumentKind = 'Invoice' | 'CreditNote' | 'ApplicationResponse';
/** The roots of the Peppol Reporting documents (TSR 1.0, EUSR 1.1): not UBL, each with its own schema. */
export type ReportDocumentKind = 'TransactionStatisticsReport' | 'EndUserStatisticsReport';
/** The root element of a document an XSD of the validator checks. */
export type DocumentKind = UblDocumentKind | ReportDocumentKind;

/** The release of a rule set that judged a document: what the report is valid under. */
export interface RuleSetRef {
  /** The manifest's document type: billing, invoice-response, mls, tsr, eusr. */
  documentType: string;
  release: string;
  /** YYYY-MM-DD: the day from which this release applies. */
  effectiveFrom: string;
  /** Its schematron layers, in the order they ran. */
  layers: string[];
}

export interface ValidationReport {
  /** True when no issue is fatal. */
  valid: boolean;
  /**
   * The root (UBL Invoice, CreditNote, ApplicationResponse; TransactionStatisticsReport, EndUserStatisticsReport);
   * null when the document did not parse, is not of a supported type, or has a UBL local name in another
   * namespace (then an issue explains it).
   */
  documentKind: DocumentKind | null;
  /** The rule set release that judged the document; null when it did not parse or is unsupported. */
  ruleSet: RuleSetRef | null;
  issues: ValidationIssue[];
  /** Milliseconds spent, for logs and the console. */
  elapsedMs: number;
}

/**
 * What the API, the CLI and the pipelines validate with. Implementations compile their schemas and rules
 * once when built; validate() does no file access. Malformed XML is reported as a PARSE issue, not thrown.
 */
export interface DocumentValidator {
  validate(input: Buffer | string): ValidationReport;
  /**
   * validate(), also handing back the root element of the validator's own parse (null when the document
   * did not parse), so that a caller reads fields of the document without parsing it a second time.
   */
  validateParsed?(input: Buffer | string): { report: ValidationReport; root: XNode | null };
}

/**
 * What one report lists, so that a hostile document (thousands of attributes or lines each breaking a
 * rule, a name of a megabyte in every message) makes neither a report of many megabytes nor time spent on
 * messages nobody reads: findings per rule and in all, characters of one message or location, and of all
 * of them. Far above real reports: the differential test compares every count and location of its
 * corpus with the reference, which a limit that bit would break; bounded-input.test.ts checks that no
 * official example's message is clipped.
 */
export const REPORT_LIMITS = Object.freeze({ perRule: 200, total: 1000, fieldChars: 4096, textChars: 1024 * 1024 });

/** Rules named in the truncation summary's message, at most. */
const SUMMARY_RULES = 10;

function clip(s: string): string {
  return s.length <= REPORT_LIMITS.fieldChars ? s : `${s.slice(0, REPORT_LIMITS.fieldChars)}… (${s.length - REPORT_LIMITS.fieldChars} more characters)`;
}

/**
 * Admits the findings of one report under REPORT_LIMITS, in the order they are found (deterministic:
 * layer by layer, document order within one), and counts the ones it leaves out.
 */
export class FindingCap {
  private readonly perRule = new Map<string, number>();
  private admitted = 0;
  private text = 0;
  private readonly omitted = new Map<string, number>();
  private omittedTotal = 0;
  private omittedFatal = false;

  /**
   * The finding `build` makes, its message and location clipped, when the limits admit one more of this
   * rule; otherwise null, the finding counted as left out and `build` not called.
   */
  take(layer: ValidationLayer, id: string, flag: Flag, build: () => ValidationIssue): ValidationIssue | null {
    const rule = id === layer ? layer : `${layer} ${id}`;
    const n = this.perRule.get(rule) ?? 0;
    if (n >= REPORT_LIMITS.perRule || this.admitted >= REPORT_LIMITS.total || this.text >= REPORT_LIMITS.textChars) {
      this.omitted.set(rule, (this.omitted.get(rule) ?? 0) + 1);
      this.omittedTotal++;
      if (flag === 'fatal') this.omittedFatal = true;
      return null;
    }
    this.perRule.set(rule, n + 1);
    this.admitted++;
    const issue = build();
    const message = clip(issue.message);
    const location = issue.location === undefined ? undefined : clip(issue.location);
    this.text += message.length + (location?.length ?? 0);
    return message === issue.message && location === issue.location ? issue : { ...issue, message, ...(location === undefined ? {} : { location }) };
  }

  /**
   * The entry that ends a truncated report, null when nothing was left out. Fatal when a left-out finding
   * was, so that the report's validity stays that of every finding.
   */
  summary(): ValidationIssue | null {
    if (this.omittedTotal === 0) return null;
    const rules = [...this.omitted].slice(0, SUMMARY_RULES).map(([rule, n]) => `${rule} ×${n}`);
    if (this.omitted.size > SUMMARY_RULES) rules.push(`${this.omitted.size - SUMMARY_RULES} more rules`);
    const { perRule, total, textChars } = REPORT_LIMITS;
    return {
      layer: 'REPORT',
      id: 'REPORT-TRUNCATED',
      flag: this.omittedFatal ? 'fatal' : 'warning',
      message: `The report is truncated: ${this.omittedTotal} more findings are not listed (at most ${perRule} per rule, ${total} in all and ${textChars} characters of messages and locations are): ${rules.join(', ')}`,
    };
  }
}
