/**
 * `validate <file…> [--json]`: full validation of one or more files with the rules compiled once for the
 * whole call: UBL 2.1 XSD, then the rule set of the document's type (Invoice and CreditNote: EN 16931 and
 * Peppol BIS Billing 3; Invoice Response: T111; MLS; TSR and EUSR: their Peppol Reporting rules) in the release in force today. Each report names its
 * file and that release. Exit 0 when every file is valid, 1 when any is invalid, 2 when any file is
 * unusable (unreadable, too large, not well-formed XML, of no supported document type) or the arguments
 * are wrong.
 */
import { readFileSync, statSync } from 'node:fs';
import { loadConfig } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { formatText, toJson, type FileReport } from '../../validation/report-format.js';
import { createValidator } from '../../validation/validator.js';
import type { ValidationReport } from '../../validation/types.js';
import type { CliCommand } from '../command.js';

const EXIT_VALID = 0;
const EXIT_INVALID = 1;
const EXIT_UNUSABLE = 2;

/** A report that stands for a file that could not be read: one PARSE issue saying why. */
function unusable(message: string): ValidationReport {
  return { valid: false, documentKind: null, ruleSet: null, issues: [{ layer: 'PARSE', id: 'PARSE', flag: 'fatal', message }], elapsedMs: 0 };
}

function isUnusable(r: ValidationReport): boolean {
  return r.documentKind === null && r.issues.some((i) => i.flag === 'fatal' && (i.layer === 'PARSE' || i.layer === 'XSD' || i.layer === 'UNSUPPORTED'));
}

export const validate: CliCommand = {
  name: ['validate'],
  summary: 'Validate UBL 2.1 Invoice/CreditNote (EN 16931, BIS Billing 3), Invoice Response (T111), MLS, and Peppol TSR and EUSR files; exit 0 all valid, 1 any invalid, 2 unusable input',
  usage: 'validate <file…> [--json]',
  async run(args, io) {
    const json = args.includes('--json');
    const files = args.filter((a) => a !== '--json');
    const unknown = files.find((f) => f.startsWith('-'));
    if (files.length === 0 || unknown) {
      io.err(`${unknown ? `Unknown option ${unknown}\n` : ''}Usage: peppol-ap validate <file…> [--json]`);
      return EXIT_UNUSABLE;
    }
    const config = loadConfig().validation;
    let validator;
    try {
      validator = await createValidator({ ublSchemasDir: config.ublSchemasDir, schematronDir: config.schematronDir, maxBytes: config.maxDocumentBytes });
    } catch (err) {
      if (err instanceof ApError) {
        io.err(err.message);
        return EXIT_UNUSABLE;
      }
      throw err;
    }
    const reports: FileReport[] = [];
    let exit = EXIT_VALID;
    for (const file of files) {
      let report: ValidationReport;
      try {
        const size = statSync(file).size;
        report =
          size > config.maxDocumentBytes
            ? unusable(`The file is ${size} bytes; MAX_DOCUMENT_BYTES is ${config.maxDocumentBytes}`)
            : validator.validate(readFileSync(file));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (err instanceof ApError) report = unusable(err.message);
        else if (code) report = unusable(`Cannot read the file (${code})`);
        else throw err;
      }
      if (isUnusable(report)) exit = EXIT_UNUSABLE;
      else if (!report.valid && exit === EXIT_VALID) exit = EXIT_INVALID;
      if (json) reports.push(toJson(file, report));
      else io.out(formatText(file, report));
    }
    if (json) io.out(JSON.stringify(reports, null, 2));
    return exit;
  },
};
