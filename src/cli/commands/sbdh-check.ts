import { ApError } from '../../errors.js';
import { formatId } from '../../peppol/identifiers.js';
import { checkSbd } from '../../sbdh/parse.js';
import type { CliCommand } from '../command.js';
import { readInput } from './discovery-args.js';

export const sbdhCheck: CliCommand = {
  name: ['sbdh', 'check'],
  summary: 'Check a standalone Standard Business Document (any payload, XML or BinaryContent); JSON report; exit 0 valid, 1 invalid',
  usage: 'sbdh check <file>',
  async run(args, io) {
    if (args.length !== 1 || args[0]!.startsWith('--')) {
      io.err('Usage: peppol-ap sbdh check <file>');
      return 2;
    }
    const file = args[0]!;
    const bytes = readInput(file);
    try {
      const r = checkSbd(bytes);
      const h = r.header;
      const header = h && {
        ...h,
        sender: formatId(h.sender),
        receiver: formatId(h.receiver),
        documentType: formatId(h.documentType),
        process: formatId(h.process),
        ...(h.mlsTo ? { mlsTo: formatId(h.mlsTo) } : {}),
      };
      io.out(JSON.stringify({ file, valid: r.valid, issues: r.issues, header, payload: r.payload }, null, 2));
      return r.valid ? 0 : 1;
    } catch (err) {
      // Not well-formed, DTD, empty, too large: the file is not a valid SBD either.
      if (!(err instanceof ApError) || err.kind === 'internal') throw err;
      io.out(JSON.stringify({ file, valid: false, issues: [{ field: 'XML', message: err.message }], header: null, payload: null }, null, 2));
      return 1;
    }
  },
};
