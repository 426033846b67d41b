/**
 * The document validator: UBL 2.1 XSD, then EN 16931 (CEN) and Peppol BIS Billing 3 schematron, all
 * compiled once at start-up. Like the reference, the schematron layers run even when the XSD layer
 * fails, so rule results are reported for incomplete documents too.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApError } from '../errors.js';
import { lineColumn, parseDocument, type XNode } from './dom.js';
import { evaluateSchema } from './schematron/evaluate.js';
import { loadSchematron } from './schematron/load.js';
import type { CompiledSchema } from './schematron/model.js';
import { FindingCap, type DocumentValidator, type UblDocumentKind, type ValidationIssue, type ValidationReport } from './types.js';
import { UBL_NAMESPACES, UblXsdValidator } from './xsd.js';

export interface ValidatorOptions {
  ublSchemasDir: string;
  schematronDir: string;
  maxBytes?: number;
}

export interface Validator extends DocumentValidator {
  validate(input: Buffer | string): ValidationReport;
  validateParsed(input: Buffer | string): { report: ValidationReport; root: XNode | null };
  /** Milliseconds spent loading and compiling the XSD and both rule sets. */
  readonly loadMs: number;
}

/** The one `<sub>/<version>/<file>` of an installed schematron layout. */
export function findSchematron(dir: string, sub: string, file: string): string {
  const base = join(dir, sub);
  const found = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, file))) : [];
  if (found.length === 0) throw new ApError('validation.artifacts-missing', `${file} not found under ${base}/<version>/; run \`npm run artifacts\``);
  if (found.length > 1) throw new ApError('validation.artifacts-missing', `Several versions of ${file} under ${base}: ${found.join(', ')}; keep one`);
  return join(base, found[0], file);
}

export interface RuleSetInfo {
  layer: 'CEN' | 'PEPPOL';
  file: string;
  rules: number;
  asserts: number;
}

class UblValidator implements Validator {
  constructor(
    private readonly xsd: UblXsdValidator,
    private readonly schemas: CompiledSchema[],
    private readonly maxBytes: number,
    readonly loadMs: number,
    readonly ruleSets: RuleSetInfo[],
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
    const done = (documentKind: UblDocumentKind | null, root: XNode | null) => {
      const summary = cap.summary();
      const all = summary ? [...issues, summary] : issues;
      return { report: { valid: !all.some((i) => i.flag === 'fatal'), documentKind, issues: all, elapsedMs: performance.now() - started }, root };
    };
    let xdoc;
    try {
      xdoc = parseDocument(input, { maxBytes: this.maxBytes });
    } catch (e) {
      if (!(e instanceof ApError)) throw e;
      const d = (e.details ?? {}) as { line?: number; column?: number };
      list({ layer: 'PARSE', id: 'PARSE', flag: 'fatal', error: e.kind, message: e.message, line: d.line, column: d.column });
      return done(null, null);
    }
    const root = xdoc.root;
    const localKind = (['Invoice', 'CreditNote'] as const).find((k) => k === root.local);
    if (!localKind) {
      list({
        layer: 'XSD',
        id: 'XSD',
        flag: 'fatal',
        message: `Unsupported document: the root element {${root.ns}}${root.local} is not a UBL 2.1 Invoice or CreditNote`,
        location: '/*',
        ...lineColumn(xdoc.text, root.offset),
      });
      return done(null, root);
    }
    // A UBL local name in another namespace still runs every layer, as the reference does (the XSD layer reports it).
    const kind = root.ns === UBL_NAMESPACES[localKind] ? localKind : null;
    // parseDocument decoded the input with the same size limit and refused DTDs: the XSD layer reuses that text.
    const xsdIssues = this.xsd.validateDecoded(input, xdoc.text, started, kind).issues;
    // libxml2 is the stricter parser (name characters, encodings): if it finds the text not well-formed,
    // the answer is that alone, as the reference gives it, and there is no document to read fields from.
    const parseIssues = xsdIssues.filter((i) => i.layer === 'PARSE');
    for (const i of parseIssues.length ? parseIssues : xsdIssues) list(i);
    if (parseIssues.length) return done(null, null);
    for (const s of this.schemas) evaluateSchema(s, xdoc, issues, cap);
    return done(kind, root);
  }
}

/** Loads and compiles the UBL XSD and both schematron files (once); report loadMs at start-up. */
export async function createValidator(opts: ValidatorOptions): Promise<Validator> {
  const t0 = performance.now();
  const maxBytes = opts.maxBytes ?? 100 * 1024 * 1024;
  const xsd = UblXsdValidator.load(opts.ublSchemasDir, { maxBytes });
  const cenFile = findSchematron(opts.schematronDir, 'cen', 'CEN-EN16931-UBL.sch');
  const peppolFile = findSchematron(opts.schematronDir, 'peppol', 'PEPPOL-EN16931-UBL.sch');
  const cen = loadSchematron(cenFile, 'CEN');
  const peppol = loadSchematron(peppolFile, 'PEPPOL');
  const ruleSets: RuleSetInfo[] = [
    { layer: 'CEN', file: cenFile, rules: cen.ruleCount, asserts: cen.assertCount },
    { layer: 'PEPPOL', file: peppolFile, rules: peppol.ruleCount, asserts: peppol.assertCount },
  ];
  return new UblValidator(xsd, [cen, peppol], maxBytes, performance.now() - t0, ruleSets);
}
