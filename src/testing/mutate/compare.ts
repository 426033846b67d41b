/**
 * Compares an engine report with the reference's recorded result for one document, rule by rule:
 * same schematron rule ids (and UNSUPPORTED verdicts) with the same flag and the same count; XSD and PARSE by presence (processors
 * word and split schema errors differently); locations as a second, separate figure. A reference
 * dynamic error (Saxon aborts the transformation) must be matched by an XPATH-ERROR issue.
 */
import { compactLocation } from '../../validation/report-format.js';
import type { DocumentValidator, ValidationReport } from '../../validation/types.js';
import type { CorpusDoc } from './corpus.js';
import type { FixtureDoc, ReferenceFixture } from './fixture.js';

export interface DocComparison {
  id: string;
  /** Readable differences of rule ids/flags/counts; empty when they agree. */
  ruleDiffs: string[];
  /** Readable differences of locations (only meaningful when the rules agree). */
  locationDiffs: string[];
}

type Bag = Map<string, number>;

function bag(keys: string[]): Bag {
  const m: Bag = new Map();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

function diffBags(expected: Bag, actual: Bag, what: string): string[] {
  const out: string[] = [];
  for (const k of new Set([...expected.keys(), ...actual.keys()])) {
    const e = expected.get(k) ?? 0;
    const a = actual.get(k) ?? 0;
    if (e > a) out.push(`${what} missing ${k} ×${e - a} (reference ${e}, engine ${a})`);
    else if (a > e) out.push(`${what} extra ${k} ×${a - e} (reference ${e}, engine ${a})`);
  }
  return out.sort();
}

export function compareWithReference(ref: FixtureDoc, report: ValidationReport | { thrown: string }): DocComparison {
  const res: DocComparison = { id: ref.id, ruleDiffs: [], locationDiffs: [] };
  if ('thrown' in report) {
    res.ruleDiffs.push(`engine threw: ${report.thrown}`);
    return res;
  }
  if (ref.error !== undefined) {
    if (!report.issues.some((i) => i.id === 'XPATH-ERROR')) {
      res.ruleDiffs.push(`reference stopped with a dynamic error (${ref.error.slice(0, 120)}); engine reported no XPATH-ERROR`);
    }
    return res;
  }
  const fired = ref.fired ?? [];
  const present = (layers: string[], xs: { layer: string }[]): boolean => xs.some((x) => layers.includes(x.layer));
  const refTuples = fired.map(([layer, id, flag, location]) => ({ layer, id, flag, location }));
  for (const layer of ['PARSE', 'XSD']) {
    const r = present([layer], refTuples);
    const e = present([layer], report.issues);
    if (r !== e) res.ruleDiffs.push(`${layer} ${r ? 'reference reports errors, engine none' : 'engine reports errors, reference none'}`);
  }
  // Schematron layers and UNSUPPORTED by id, flag and count; UNSUPPORTED has no XPath location to compare.
  const rules = (xs: { layer: string; id: string; flag: string }[]): string[] =>
    xs.filter((x) => x.layer !== 'PARSE' && x.layer !== 'XSD').map((x) => `${x.layer} ${x.id} ${x.flag}`);
  res.ruleDiffs.push(...diffBags(bag(rules(refTuples)), bag(rules(report.issues)), 'rule'));
  if (res.ruleDiffs.length === 0) {
    const locs = (xs: { layer: string; id: string; location?: string }[]): string[] =>
      xs.filter((x) => !['PARSE', 'XSD', 'UNSUPPORTED'].includes(x.layer)).map((x) => `${x.id} at ${compactLocation(x.location ?? '(none)')}`);
    res.locationDiffs.push(...diffBags(bag(locs(refTuples)), bag(locs(report.issues)), 'location'));
  }
  return res;
}

/** The differences of up to `max` documents, one block per document, for an assertion message. */
export function explainDiffs(list: DocComparison[], pick: (c: DocComparison) => string[], max = 40): string {
  const shown = list.slice(0, max).map((c) => `  ${c.id}\n${pick(c).map((d) => `      ${d}`).join('\n')}`);
  return shown.join('\n') + (list.length > max ? `\n  … and ${list.length - max} more documents` : '');
}

/**
 * Where the regenerated corpus and the fixture the reference was run on part ways: documents new or
 * changed (id or SHA-256) and the fixture's documents no longer generated. Empty when they are the same.
 */
export function corpusDrift(corpus: readonly CorpusDoc[], fixture: ReferenceFixture): string[] {
  const expected = new Map(fixture.documents.map((d) => [d.id, d.sha256]));
  const generated = new Set(corpus.map((d) => d.id));
  const drift = corpus.filter((d) => expected.get(d.id) !== d.sha256).map((d) => `${d.id}${expected.has(d.id) ? ' (content changed)' : ' (new)'}`);
  return [...drift, ...[...expected.keys()].filter((id) => !generated.has(id)).map((g) => `${g} (no longer generated)`)];
}

/** Validates every corpus document the fixture holds unchanged and compares it with the reference's result. */
export function compareCorpus(corpus: readonly CorpusDoc[], fixture: ReferenceFixture, validator: DocumentValidator): DocComparison[] {
  const byId = new Map(fixture.documents.map((d) => [d.id, d]));
  const results: DocComparison[] = [];
  for (const doc of corpus) {
    const ref = byId.get(doc.id);
    if (!ref || ref.sha256 !== doc.sha256) continue; // corpusDrift reports it
    let report: ValidationReport | { thrown: string };
    try {
      report = validator.validate(doc.xml);
    } catch (e) {
      report = { thrown: e instanceof Error ? e.message : String(e) };
    }
    results.push(compareWithReference(ref, report));
  }
  return results;
}
