/**
 * UBL 2.1 XSD layer: one-time schema compilation and per-document validation time (parse + validate) for
 * an official example. Last line: `xsd-validate compile_ms=<n> per_doc_ms=<n> docs_per_s=<n>`.
 *
 *   npx tsx bench/xsd.ts [file] [iterations]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/config/index.js';
import { UblXsdValidator } from '../src/validation/xsd.js';

const file = process.argv[2] ?? join(PROJECT_ROOT, 'schematron/examples/peppol-3.0.21/base-example.xml');
const n = Number(process.argv[3] ?? 2000);
const doc = readFileSync(file);

const c = performance.now();
const validator = UblXsdValidator.load(join(PROJECT_ROOT, 'ubl-schemas'));
const compileMs = performance.now() - c;

// Warm-up lets the WebAssembly code reach its optimised tier before timing.
for (let i = 0; i < Math.min(500, n); i++) validator.validate(doc);
const t = performance.now();
for (let i = 0; i < n; i++) {
  if (!validator.validate(doc).valid) throw new Error(`${file} is not XSD-valid`);
}
const perDoc = (performance.now() - t) / n;
validator.close();
console.log(`${file}: ${doc.length} bytes, ${n} validations`);
console.log(`xsd-validate compile_ms=${compileMs.toFixed(1)} per_doc_ms=${perDoc.toFixed(3)} docs_per_s=${Math.round(1000 / perDoc)}`);
