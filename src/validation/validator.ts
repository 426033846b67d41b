/**
 * The document validator: the document's type picks its rule set (rule-sets.ts: Invoice and CreditNote
 * the billing rules, EN 16931 and Peppol BIS Billing 3; an Invoice Response the T111 rules; an MLS the MLS
 * rules; a TSR or EUSR the Peppol Reporting rules), the release in force on the day of the call picks the rules' version, and the document is
 * checked against its XSD (UBL 2.1, or the report's own) and then that release's schematron layers. Every installed release is
 * compiled at start-up, so that validate() only compares dates. Like the reference, the schematron layers
 * run even when the XSD layer fails, so rule results are reported for incomplete documents too.
 */
import { ApError } from '../errors.js';
import { lineColumn, parseDocument, type XDocument, type XNode } from './dom.js';
import { type DocumentType, readRuleSets, recognise, releaseOn, unsupportedMessage } from './rule-sets.js';
import { readFacts } from './explain/facts.js';
import { evaluateSchema } from './schematron/evaluate.js';
import { loadSchematron } from './schematron/load.js';
import type { CompiledSchema } from './schematron/model.js';
import { FindingCap, type DocumentValidator, type RuleSetRef, type DocumentKind, type ValidationIssue, type ValidationReport } from './types.js';
import { UBL_NAMESPACES, UblXsdValidator } from './xsd.js';

export interface ValidatorOptions {
  ublSchemasDir: string;
  /** The installed schematron folder: its manifest.json lists the rule set releases (rule-sets.ts). */
  schematronDir: string;
  maxBytes?: number;
  /** The clock that picks the release in force, read once per validate() call; real time by default. */
  now?: () => Date;
}

export interface Validator extends DocumentValidator {
  validate(input: Buffer | string): ValidationReport;
  validateParsed(input: Buffer | string): { report: ValidationReport; root: XNode | null };
  /** Milliseconds spent loading and compiling the XSD and every installed rule set release. */
  readonly loadMs: number;
}

/** An installed release, compiled. */
interface CompiledRelease {
  ref: RuleSetRef;
  schemas: CompiledSchema[];
}

/** The day of `d` as YYYY-MM-DD, in UTC: what effectiveFrom dates are compared with. */
const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

class UblValidator implements Validator {
  constructor(
    private readonly xsd: UblXsdValidator,
    private readonly releases: ReadonlyMap<DocumentType, readonly CompiledRelease[]>,
    private readonly maxBytes: number,
    private readonly now: () => Date,
    readonly loadMs: number,
  ) {}

  validate(input: Buffer | string): ValidationReport {
    return this.validateParsed(input).report;
  }

  validateParsed(input: Buffer | string): { report: ValidationReport; root: XNode | null } {
    const started = performance.now();
    // Every finding goes through one cap (REPORT_LIMITS); a report it truncated ends with its summary.
    const cap = new FindingCap();
    const issues: ValidationIssue[] = [];
    const list = (i: ValidationIssue): void => {
      const listed = cap.take(i.layer, i.id, i.flag, () => i);
      if (listed) issues.push(listed);
    };
    const done = (documentKind: DocumentKind | null, ruleSet: RuleSetRef | null, root: XNode | null) => {
      const summary = cap.summary();
      const all = summary ? [...issues, summary] : issues;
      return { report: { valid: !all.some((i) => i.flag === 'fatal'), documentKind, ruleSet, issues: all, elapsedMs: performance.now() - started }, root };
    };
    let xdoc: XDocument;
    try {
      xdoc = parseDocument(input, { maxBytes: this.maxBytes });
    } catch (e) {
      if (!(e instanceof ApError)) throw e;
      const d = (e.details ?? {}) as { line?: number; column?: number };
      list({ layer: 'PARSE', id: 'PARSE', flag: 'fatal', error: e.kind, message: e.message, line: d.line, column: d.column });
      return done(null, null, null);
    }
    const root = xdoc.root;
    const unsupported = (message: string) => {
      list({ layer: 'UNSUPPORTED', id: 'UNSUPPORTED', flag: 'fatal', message, location: '/*', ...lineColumn(xdoc.text, root.offset) });
      return done(null, null, root);
    };
    const type = recognise(root);
    if (!type) return unsupported(unsupportedMessage(root));
    const installed = this.releases.get(type.documentType) ?? [];
    const day = utcDay(this.now());
    const release = releaseOn(installed, day);
    if (!release) {
      const have = installed.map((r) => `${r.ref.release} from ${r.ref.effectiveFrom}`).join(', ') || 'none';
      return unsupported(`No release of the ${type.documentType} rules applies on ${day} (installed: ${have})`);
    }
    // A UBL local name in another namespace still runs every layer, as the reference does (the XSD layer reports it).
    const kind = root.ns === UBL_NAMESPACES[type.xsdRoot] ? type.xsdRoot : null;
    // parseDocument decoded the input with the same size limit and refused DTDs: the XSD layer reuses that text.
    const xsdIssues = this.xsd.validateDecoded(input, xdoc.text, started, kind).issues;
    // libxml2 is the stricter parser (name characters, encodings): if it finds the text not well-formed,
    // the answer is that alone, as the reference gives it, and there is no document to read fields from.
    const parseIssues = xsdIssues.filter((i) => i.layer === 'PARSE');
    for (const i of parseIssues.length ? parseIssues : xsdIssues) list(i);
    if (parseIssues.length) return done(null, null, null);
    for (const s of release.schemas) evaluateSchema(s, xdoc, issues, cap);
    // What the explanations quote (values, sums, the check that failed): read for failed findings only.
    if (issues.length) readFacts(issues, xdoc);
    // A copy: reports outlive the call and travel (worker threads, the store); the release's own stays unshared.
    return done(kind, { ...release.ref, layers: [...release.ref.layers] }, root);
  }
}

/**
 * Loads and compiles the UBL XSD and every rule set release the schematron manifest lists (once; a file
 * two releases share is compiled once); report loadMs at start-up.
 */
export async function createValidator(opts: ValidatorOptions): Promise<Validator> {
  const t0 = performance.now();
  const maxBytes = opts.maxBytes ?? 100 * 1024 * 1024;
  const xsd = UblXsdValidator.load(opts.ublSchemasDir, { maxBytes });
  const registry = readRuleSets(opts.schematronDir);
  const compiled = new Map<string, CompiledSchema>();
  const releases = new Map<DocumentType, CompiledRelease[]>();
  for (const [type, list] of registry) {
    releases.set(
      type,
      list.map((r) => ({
        ref: r.ref,
        schemas: r.layers.map(({ layer, file }) => {
          const key = `${layer} ${file}`;
          let s = compiled.get(key);
          if (!s) compiled.set(key, (s = loadSchematron(file, layer)));
          return s;
        }),
      })),
    );
  }
  return new UblValidator(xsd, releases, maxBytes, opts.now ?? (() => new Date()), performance.now() - t0);
}
