/**
 * The differential test corpus: the official examples, plus documents derived from them by mutation.
 * Deterministic: the same examples and schematron texts give the same documents, byte for byte, with
 * stable ids, so expected results recorded once by the reference can be checked without Java.
 */
import { createHash } from 'node:crypto';
import { UblDoc } from './dom.js';
import { applyDerived, deriveMutations } from './derived.js';
import { largeInvoice } from './large.js';
import { randomMutation } from './random.js';
import { readSchAsserts } from './sch-asserts.js';
import { TARGETED } from './targeted.js';

export interface CorpusExample {
  /** File name without extension, e.g. `base-example`. */
  name: string;
  xml: string;
}

export interface CorpusDoc {
  /** Stable mutation id, e.g. `orig/base-example`, `derived/UBL-CR-001/add@base-example`. */
  id: string;
  xml: string;
  sha256: string;
}

export interface CorpusOptions {
  /** Random mutations per example (examples above `maxRandomBytes` get none). */
  randomPerExample?: number;
  maxRandomBytes?: number;
}

/** Bases tried in order for derived mutations: the first one offering the rule's context is used. */
const DERIVED_BASES = [
  'base-example',
  'base-creditnote-correction',
  'Allowance-example',
  'Vat-category-S',
  'sales-order-example',
  'vat-category-E',
  'ubl-tc434-example1',
  'ubl-tc434-example2',
  'guide-example2',
];

export const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

export function generateCorpus(examples: CorpusExample[], schTexts: string[], opts: CorpusOptions = {}): CorpusDoc[] {
  const perExample = opts.randomPerExample ?? 24;
  const maxRandomBytes = opts.maxRandomBytes ?? 100_000;
  const byName = new Map(examples.map((e) => [e.name, e]));
  // Each example is parsed once; mutations work on deep copies.
  const masters = new Map<string, UblDoc>();
  const copyOf = (e: CorpusExample): UblDoc => {
    let m = masters.get(e.name);
    if (!m) masters.set(e.name, (m = new UblDoc(e.xml)));
    return new UblDoc(m);
  };
  const docs: CorpusDoc[] = [];
  const seen = new Set<string>();
  const push = (id: string, xml: string): void => {
    if (seen.has(id)) throw new Error(`duplicate corpus id ${id}`);
    seen.add(id);
    docs.push({ id, xml, sha256: sha256(xml) });
  };

  for (const e of examples) push(`orig/${e.name}`, e.xml);

  // Derived from the rules: each one on the first base that has its context, else created in the first base.
  const bases = DERIVED_BASES.map((n) => byName.get(n)).filter((e): e is CorpusExample => e !== undefined);
  const derivedCount = new Map<string, number>();
  const parsed = new Map<string, UblDoc>();
  for (const m of schTexts.flatMap((t) => deriveMutations(readSchAsserts(t)))) {
    const n = (derivedCount.get(m.ruleId) ?? 0) + 1;
    derivedCount.set(m.ruleId, n);
    const tag = `derived/${m.ruleId}${n > 1 ? `.${n}` : ''}/${m.kind}`;
    let done = false;
    for (const create of [false, true]) {
      for (const b of bases) {
        // A document is parsed once per base and reused until a mutation touches it.
        const d = parsed.get(b.name) ?? copyOf(b);
        const r = applyDerived(d, m, create);
        if (r === 'no-context') {
          parsed.set(b.name, d);
          continue;
        }
        parsed.delete(b.name);
        if (r) {
          push(`${tag}@${b.name}`, d.serialize());
          done = true;
          break;
        }
      }
      if (done) break;
    }
  }

  // Hand-written mutations aimed at computed rules (sums, VAT categories, identifiers, national rules).
  for (const t of TARGETED) {
    for (const baseName of t.bases ?? ['base-example']) {
      const b = byName.get(baseName);
      if (!b) continue;
      const d = copyOf(b);
      if (t.apply(d)) push(`t/${t.name}@${baseName}`, d.serialize());
    }
  }

  // Seeded random mutations of every example small enough.
  for (const e of examples) {
    if (Buffer.byteLength(e.xml) > maxRandomBytes) continue;
    for (let i = 1; i <= perExample; i++) {
      const id = `rnd/${e.name}/${i}`;
      const d = copyOf(e);
      if (randomMutation(d, id)) push(id, d.serialize());
    }
  }
  // The benchmark's large invoice: valid, 1000 lines.
  const base = byName.get('base-example');
  if (base) push('large/base-example-1000-lines', largeInvoice(base.xml, 1000));
  return docs;
}
