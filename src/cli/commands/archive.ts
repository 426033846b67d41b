/**
 * `peppol-ap archive ...`: verify the archive chain, export a tenant's period and verify an export
 * offline (no database), and legal holds. Every command prints JSON; verify and verify-export exit 1 when
 * something does not match.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { verifyExport } from '../../archive/export.js';
import { buildCommandArchive } from '../../composition/archive.js';
import { Closers, openCommandDatabase } from '../../composition/index.js';
import { loadConfig, readPemFile } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { ArchiveService } from '../../services/archive.js';
import { commandLineCaller } from '../../services/tenants.js';
import type { CliCommand, CliIo } from '../command.js';
import { isoDate, parseArgs } from './discovery-args.js';

const USAGE = `archive verify [--from <entry|ISO date>] [--to <entry|ISO date>] [--cert <AP certificate PEM>]
       archive export --tenant <tenant id> --from <ISO date> --to <ISO date> --out <file.zip>
       archive verify-export <file.zip> [--cert <AP certificate PEM>]
       archive hold (--tenant <tenant id> | --document <document id>) --reason <text>
       archive release <hold id>
       archive holds [--all]

  verify recomputes the hash chain and compares every entry with the rows and bytes it covers; it names
  the first entry that no longer matches. verify-export needs no database. --cert checks the checkpoints'
  signatures against that certificate instead of the one they carry.`;

function usageError(): never {
  throw new ApError('api.bad-request', `Usage: peppol-ap ${USAGE}`);
}

function certificateOption(path: string | undefined) {
  if (!path) return undefined;
  const parsed = readPemFile('--cert', path, 'certificate');
  if (!parsed.ok) throw new ApError('api.bad-request', parsed.problems.join('; '));
  return parsed.value.x509;
}

async function withArchive(io: CliIo, fn: (archive: ArchiveService) => Promise<{ output: unknown; code?: number }>): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logging.level === 'info' ? 'warn' : config.logging.level);
  const db = await openCommandDatabase(config, logger);
  const closers = new Closers(logger);
  try {
    const { service } = buildCommandArchive(config, db.knex, closers);
    const { output, code } = await fn(service);
    io.out(JSON.stringify(output, null, 2));
    return code ?? 0;
  } finally {
    await closers.closeAll(Date.now() + 5_000);
    await db.close();
  }
}

const user = () => `cli:${userInfo().username}`;

export const archive: CliCommand = {
  name: ['archive'],
  summary: 'Verify the tamper-evident archive, export a period, verify an export offline, legal holds',
  usage: USAGE,
  async run(args, io) {
    const [verb, ...rest] = args;
    const a = parseArgs(rest, ['--from', '--to', '--cert', '--tenant', '--out', '--document', '--reason'], ['--all']);
    switch (verb) {
      case 'verify':
        return withArchive(io, async (s) => {
          const bound = async (text: string | undefined, end: 'first' | 'last'): Promise<number | undefined> => {
            if (text === undefined) return undefined;
            if (/^\d+$/.test(text)) return Number(text);
            const at = isoDate(text, end === 'first' ? '--from' : '--to');
            const range = end === 'first' ? await s.seqRange(at, new Date(8.64e15)) : await s.seqRange(new Date(0), at);
            return range ? range[end] : end === 'first' ? Number.MAX_SAFE_INTEGER : 0;
          };
          const certificate = certificateOption(a.options.get('--cert'));
          const from = await bound(a.options.get('--from'), 'first');
          const to = await bound(a.options.get('--to'), 'last');
          const result = await s.verify({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(certificate ? { certificate } : {}) });
          return { output: result, code: result.ok ? 0 : 1 };
        });
      case 'export': {
        const tenantId = a.options.get('--tenant');
        const from = a.options.get('--from');
        const to = a.options.get('--to');
        const out = a.options.get('--out');
        if (!tenantId || !from || !to || !out) usageError();
        return withArchive(io, async (s) => {
          const { principal } = commandLineCaller(userInfo().username);
          const result = await s.export(principal, { tenantId, from: isoDate(from, '--from'), to: isoDate(to, '--to') });
          writeFileSync(out, result.zip);
          return { output: { file: out, bytes: result.zip.length, documents: result.documents } };
        });
      }
      case 'verify-export': {
        const [file] = a.positional;
        if (!file || a.positional.length !== 1) usageError();
        const result = verifyExport(readFileSync(file), certificateOption(a.options.get('--cert')));
        io.out(JSON.stringify(result, null, 2));
        return result.ok ? 0 : 1;
      }
      case 'hold': {
        const reason = a.options.get('--reason');
        const tenantId = a.options.get('--tenant');
        const documentId = a.options.get('--document');
        if (!reason || (tenantId === undefined) === (documentId === undefined)) usageError();
        return withArchive(io, async (s) => ({ output: await s.placeHold(user(), tenantId ? { tenantId } : { documentId: documentId! }, reason) }));
      }
      case 'release': {
        const [id] = a.positional;
        if (!id) usageError();
        return withArchive(io, async (s) => ({ output: await s.releaseHold(user(), id) }));
      }
      case 'holds':
        return withArchive(io, async (s) => ({ output: await s.holds(!a.flags.has('--all')) }));
      default:
        return usageError();
    }
  },
};
