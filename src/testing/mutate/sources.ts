/** Reads the corpus inputs from folders: example documents and schematron files (no config here). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
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

/** The .sch files below `dir` (sorted by path: CEN before Peppol in the official layout). */
export function findSchFiles(dir: string): string[] {
  return walk(dir, (f) => f.endsWith('.sch'));
}
