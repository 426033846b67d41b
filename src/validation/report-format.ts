/**
 * The two forms of a validation report: JSON for machines (the report as is, plus the file it is about)
 * and a readable text form for the CLI. The text form writes SVRL locations with prefixes instead of
 * namespace tests (`/*:Invoice[namespace-uri()='…:Invoice-2'][1]` becomes `/inv:Invoice[1]`).
 */
import type { RuleSetRef, ValidationIssue, ValidationReport } from './types.js';

/** The prefixes UBL's own documents use, by namespace: what locations and XSD messages are written with. */
export const UBL_PREFIXES: Record<string, string> = {
  'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2': 'inv',
  'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2': 'cn',
  'urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2': 'ar',
  'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2': 'cac',
  'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2': 'cbc',
  'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2': 'ext',
};

/** Rewrites the namespace tests of an SVRL location as prefixes (unknown namespaces stay as they are). */
export function compactLocation(loc: string): string {
  return loc.replace(/\/\*:([A-Za-z0-9_.-]+)\[namespace-uri\(\)='([^']*)'\]/g, (m, local: string, uri: string) => {
    const p = UBL_PREFIXES[uri];
    return p ? `/${p}:${local}` : m;
  });
}

/** Rewrites the Clark names libxml2 writes (`{urn:…:CommonBasicComponents-2}IssueDate`) as prefixed names (`cbc:IssueDate`). */
export function prefixedNames(text: string): string {
  return text.replace(/\{([^{}]*)\}([A-Za-z_][\w.-]*)/g, (m, uri: string, local: string) => {
    const p = UBL_PREFIXES[uri];
    return p ? `${p}:${local}` : m;
  });
}

export interface FileReport extends ValidationReport {
  file: string;
}

export function toJson(file: string, report: ValidationReport): FileReport {
  return { file, ...report };
}

function count(issues: ValidationIssue[], flag: string): number {
  return issues.filter((i) => i.flag === flag).length;
}

/** The rule set release of a report, as the text form names it: `billing 3.0.21 (CEN, PEPPOL; in force from 2026-08-24)`. */
export function formatRuleSet(r: RuleSetRef): string {
  return `${r.documentType} ${r.release} (${r.layers.join(', ')}; in force from ${r.effectiveFrom})`;
}

/**
 * One header line per file (validity, document kind, the rule set release that judged it, counts), then
 * one block per fired assert: flag, layer, rule, position, message.
 */
export function formatText(file: string, report: ValidationReport): string {
  const fatal = count(report.issues, 'fatal');
  const warnings = count(report.issues, 'warning');
  const kind = report.documentKind ?? 'unsupported document';
  const rules = report.ruleSet ? ` under ${formatRuleSet(report.ruleSet)}` : '';
  const lines = [
    `${file}: ${report.valid ? 'valid' : 'INVALID'} (${kind}; ${fatal} fatal, ${warnings} warning${warnings === 1 ? '' : 's'}; ${report.elapsedMs.toFixed(1)} ms)${rules}`,
  ];
  for (const i of report.issues) {
    const at = i.line !== undefined ? ` line ${i.line}${i.column !== undefined ? `:${i.column}` : ''}` : '';
    lines.push(`  ${i.flag === 'fatal' ? 'FATAL  ' : 'warning'} ${i.layer.padEnd(6)} ${i.id}${at}`);
    lines.push(`          ${i.message.replace(/\s+/g, ' ').trim()}`);
    if (i.location) lines.push(`          at ${compactLocation(i.location)}`);
  }
  return lines.join('\n');
}
