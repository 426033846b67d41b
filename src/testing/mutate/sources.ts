/** Reads the corpus inputs from folders: example documents and schematron files (no config here). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { type DocumentType, readRuleSets, releaseOn } from '../../validation/rule-sets.js';
import type { CorpusExample } from './corpus.js';

function walk(dir: string, keep: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, keep));
    else if (keep(name)) out.push(p);
  }
  return out;
}

/** Every .xml/.XML file below `dir`, sorted by path; names must be unique. */
export function loadExamples(dir: string): CorpusExample[] {
  const files = walk(dir, (f) => extname(f).toLowerCase() === '.xml');
  const seen = new Set<string>();
  return files.map((f) => {
    const name = basename(f, extname(f));
    if (seen.has(name)) throw new Error(`two example files are named ${name}`);
    seen.add(name);
    return { name, xml: readFileSync(f, 'utf8') };
  });
}

/**
 * The example folders of the business responses and the Peppol reports under `schematron/examples/`;
 * every other one holds billing examples.
 */
const OWN_EXAMPLE_FOLDERS: Partial<Record<DocumentType, string>> = { 'invoice-response': 'invoice-response', mls: 'mls', tsr: 'reporting/tsr', eusr: 'reporting/eusr' };

/** The installed official examples of one document type. */
export function examplesOf(schDir: string, type: DocumentType): CorpusExample[] {
  const dir = join(schDir, 'examples');
  const folder = OWN_EXAMPLE_FOLDERS[type];
  if (folder) return loadExamples(join(dir, folder));
  const others = new Set(Object.values(OWN_EXAMPLE_FOLDERS).map((f) => f.split('/')[0]));
  return readdirSync(dir)
    .sort()
    .filter((f) => !others.has(f))
    .flatMap((f) => loadExamples(join(dir, f)));
}

/** The .sch files of the release of a document type in force today, in the order its layers run. */
export function schFilesOf(schDir: string, type: DocumentType): string[] {
  const release = releaseOn(readRuleSets(schDir).get(type) ?? [], new Date().toISOString().slice(0, 10));
  if (!release) throw new Error(`no ${type} rules in force under ${schDir} (run npm run artifacts, or set SCHEMATRON_DIR)`);
  return release.layers.map((l) => l.file);
}
