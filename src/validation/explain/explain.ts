/**
 * Explains a report's findings in one language, for the people who fix invoices: the catalogue's text
 * and fix for the rule (or its family, or the XSD check), filled with the facts the validator read from
 * the document; for a rule the catalogue does not cover, the official message with its business term.
 * Pure and cheap: stored reports are explained when they are read, in the reader's language.
 */
import { LANGUAGES, type BusinessTerm, type ExplainedIssue, type ExplainedReport, type Language, type ValidationIssue, type ValidationReport } from '../types.js';
import { familyOf, LANGUAGE_FILES, RULES, templateOf, type Template } from './catalogue.js';

const TERM = /\b(B[TG])-(\d+)\b/;

/**
 * The business term a finding is about: the catalogue's for the rule, else its field's (a rule on every
 * identifier names the buyer's or the seller's by where it fired), else the first its message names.
 */
function termOf(issue: ValidationIssue): string | null {
  const rule = RULES.rules[issue.id] ?? (familyOf(issue.id)?.facts ?? null);
  if (rule?.term) return rule.term;
  const field = issue.facts?.field;
  const byField = field ? (RULES.fields[field] ?? RULES.fields[field.replace(/\/@[^/]+$/, '')]) : undefined;
  if (byField) return byField;
  const m = TERM.exec(issue.message);
  return m ? `${m[1]}-${m[2]}` : null;
}

function fill(template: string, vars: Record<string, string>, missing: string): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (_, k: string) => vars[k] ?? missing);
}

function templateFor(issue: ValidationIssue, lang: Language): Template | null {
  const file = LANGUAGE_FILES[lang];
  if (issue.layer === 'XSD') return file.xsd[issue.facts?.check ?? 'other'] ?? file.xsd['other'] ?? null;
  const entry = file.rules[issue.id];
  if (entry) return templateOf(entry, issue.facts?.check);
  const family = familyOf(issue.id);
  return family && issue.facts?.field ? (file.families[family.name] ?? null) : null;
}

/** One finding explained in `lang`. */
export function explainIssue(issue: ValidationIssue, lang: Language): ExplainedIssue {
  const file = LANGUAGE_FILES[lang];
  const termId = termOf(issue);
  const businessTerm: BusinessTerm | null = termId ? { id: termId, name: file.terms[termId] ?? LANGUAGE_FILES.en.terms[termId] ?? termId } : null;
  const template = templateFor(issue, lang);
  if (!template) {
    const text = businessTerm && !issue.message.includes(businessTerm.id) ? `${issue.message} (${businessTerm.id} ${businessTerm.name})` : issue.message;
    return { ...issue, businessTerm, explanation: { language: lang, text, fix: null } };
  }
  const facts = issue.facts ?? {};
  const vars: Record<string, string> = {
    ...facts.values,
    ...(facts.field !== undefined ? { field: facts.field, element: facts.field } : {}),
    ...(facts.value !== undefined ? { value: facts.value } : {}),
    ...(businessTerm ? { term: `${businessTerm.id} ${businessTerm.name}` } : {}),
    message: issue.message,
  };
  return { ...issue, businessTerm, explanation: { language: lang, text: fill(template.text, vars, file.missing), fix: fill(template.fix, vars, file.missing) } };
}

/** Every finding of a report explained in `lang` (English by default). */
export function explainFindings(report: ValidationReport, lang: Language = 'en'): ExplainedReport {
  return { ...report, issues: report.issues.map((i) => explainIssue(i, lang)) };
}

/**
 * The language of an HTTP `Accept-Language` header (RFC 9110 §12.5.4) among nl, fr and en, by quality
 * then order (`nl-BE` counts as nl); English when it names none of them or is absent.
 */
export function languageOf(acceptLanguage: string | undefined | null): Language {
  if (!acceptLanguage) return 'en';
  let best: { lang: Language; q: number } | null = null;
  for (const part of acceptLanguage.split(',').slice(0, 32)) {
    const [tag, ...params] = part.trim().split(';');
    const primary = tag!.trim().toLowerCase().split('-')[0];
    const lang = LANGUAGES.find((l) => l === primary);
    if (!lang) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? 'en';
}

/** A language argument (`lang=nl`), or null when it is none of nl, fr, en. */
export function parseLanguage(value: unknown): Language | null {
  return LANGUAGES.find((l) => l === value) ?? null;
}
