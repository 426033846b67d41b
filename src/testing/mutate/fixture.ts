/**
 * The committed form of the reference's results: per corpus document, its SHA-256 and the fired asserts
 * as [layer, rule id, flag, location]. Locations are the SVRL XPaths with the namespace tests written as
 * prefixes (`/*:Invoice[namespace-uri()='…Invoice-2'][1]` becomes `/inv:Invoice[1]`), which keeps the
 * file small and readable; XSD findings keep only their line (processors word their messages differently).
 */
import { compactLocation } from '../../validation/report-format.js';

export { compactLocation };

export type FiredTuple = [layer: string, id: string, flag: string, location: string];

export interface FixtureDoc {
  id: string;
  sha256: string;
  /** Absent when the reference stopped with a dynamic error instead (then `error` says which). */
  fired?: FiredTuple[];
  error?: string;
}

export interface ReferenceFixture {
  reference: string;
  /** SHA-256 of each .sch file the results were produced with, by file name. */
  schematron: Record<string, string>;
  /** Rule ids of the .sch files that fired at least once, and those that never did. */
  coverage: { total: number; fired: number; neverFired: string[] };
  documents: FixtureDoc[];
}

/** XSD findings are compared by presence; their location keeps the line number only. */
export function compactXsdLocation(loc: string): string {
  const m = /^line (-?\d+)/.exec(loc);
  return m ? `line ${m[1]}` : loc.slice(0, 80);
}

/** Writes the fixture with one document per line, so that a change shows as a readable diff. */
export function serializeFixture(f: ReferenceFixture): string {
  const head = JSON.stringify({ reference: f.reference, schematron: f.schematron, coverage: f.coverage }, null, 2);
  const docs = f.documents.map((d) => '    ' + JSON.stringify(d)).join(',\n');
  return `${head.slice(0, -2)},\n  "documents": [\n${docs}\n  ]\n}\n`;
}
