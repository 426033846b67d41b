import { readFileSync, statSync } from 'node:fs';
import { loadConfig } from '../../config.js';
import { ApError } from '../../errors.js';
import { createValidator } from '../../main.js';
import type { ValidationReport } from '../../validation/types.js';
import type { CliCommand } from '../command.js';

function format(file: string, r: ValidationReport): string {
  const lines = [`${file}: ${r.valid ? 'valid' : 'INVALID'} (${r.documentKind ?? 'unknown document'}, ${r.elapsedMs.toFixed(1)} ms)`];
  for (const i of r.issues) {
    const at = i.line ? ` line ${i.line}${i.column ? `:${i.column}` : ''}` : '';
    lines.push(`  [${i.flag}] ${i.layer} ${i.id}${at}${i.location ? ` ${i.location}` : ''}: ${i.message}`);
  }
  return lines.join('\n');
}

export const validate: CliCommand = {
  name: ['validate'],
  summary: 'Validate a UBL 2.1 Invoice or CreditNote file; exit 0 valid, 1 invalid, 2 unusable input',
  usage: 'validate [--json] <file>',
  async run(args, io) {
    const json = args.includes('--json');
    const files = args.filter((a) => a !== '--json');
    if (files.length !== 1 || files[0]!.startsWith('-')) {
      io.err('Usage: peppol-ap validate [--json] <file>');
      return 2;
    }
    const file = files[0]!;
    const config = loadConfig();
    let input: Buffer;
    try {
      if (statSync(file).size > config.maxDocumentBytes) {
        io.err(`${file}: larger than MAX_DOCUMENT_BYTES (${config.maxDocumentBytes} bytes)`);
        return 2;
      }
      input = readFileSync(file);
    } catch (err) {
      io.err(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      return 2;
    }
    const validator = createValidator(config);
    try {
      const report = validator.validate(input);
      if (report.issues.some((i) => i.layer === 'PARSE' && i.flag === 'fatal')) {
        io.err(format(file, report));
        return 2;
      }
      io.out(json ? JSON.stringify(report, null, 2) : format(file, report));
      return report.valid ? 0 : 1;
    } catch (err) {
      if (err instanceof ApError && err.httpStatus < 500) {
        io.err(`${file}: ${err.message}`);
        return 2;
      }
      throw err;
    } finally {
      validator.close();
    }
  },
};
