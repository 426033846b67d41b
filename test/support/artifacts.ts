/**
 * Where the installed validation artifacts are (after `npm run artifacts`, which `npm test` runs first):
 * UBL schemas, schematron rules and the official example documents.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/config/index.js';

export const UBL_SCHEMAS_DIR = join(PROJECT_ROOT, 'ubl-schemas');
export const SCHEMATRON_DIR = join(PROJECT_ROOT, 'schematron');
export const PEPPOL_EXAMPLES_DIR = join(SCHEMATRON_DIR, 'examples', 'peppol-3.0.21');
export const CEN_EXAMPLES_DIR = join(SCHEMATRON_DIR, 'examples', 'cen-1.3.16', 'ubl-examples');

/** Absolute paths of the official example documents (Peppol BIS 3.0.21 and CEN 1.3.16 UBL examples). */
export function officialExamples(): string[] {
  return [PEPPOL_EXAMPLES_DIR, CEN_EXAMPLES_DIR].flatMap((d) =>
    readdirSync(d)
      .filter((f) => /\.xml$/i.test(f))
      .sort()
      .map((f) => join(d, f)),
  );
}

export const BASE_INVOICE = join(PEPPOL_EXAMPLES_DIR, 'base-example.xml');
export const BASE_CREDIT_NOTE = join(PEPPOL_EXAMPLES_DIR, 'base-creditnote-correction.xml');
