import { loadConfig } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { documentTypeFromText, resolveDocumentType } from '../../peppol/document-types.js';
import { formatId, parseParticipantId, parseProcessId } from '../../peppol/identifiers.js';
import { openDatabase } from '../../store/database.js';
import { SmpParticipantStore, type HostedParticipant, type NewCapability } from '../../store/participants-smp.js';
import type { CliCommand } from '../command.js';
import { asUsage, isoDate, parseArgs, pemInput } from './discovery-args.js';

const USAGE = `participants list [--json]
       participants add <participant> [<document type>...] [--name <name>] [--country <CC>]
       participants remove <participant>
       participants add-doctype <participant> <document type> [--process <id>] [--endpoint <url>] [--cert <pem file>] [--from <ISO>] [--until <ISO>]
       participants remove-doctype <participant> <document type> [--process <id>]

  <document type>: a short name (invoice, creditnote, invoice-response, mlr, mls, ...) or a busdox-docid-qns
  identifier (then --process is required). Without --endpoint/--cert, this access point's own endpoint and
  certificate are published. --from/--until set ServiceActivationDate/ServiceExpirationDate.
  This command writes the database only (like the admin API of a server without an SML registrar): it does
  not register participants in the SML. The only registrar is the local test-zone one, which lives in the
  process serving that DNS zone; a client of the real SML (BDMSL) does not exist yet.`;

function describe(p: HostedParticipant): string {
  const lines = [`${formatId(p.participant)}${p.name ? `  "${p.name}"` : ''}${p.countryCode ? `  ${p.countryCode}` : ''}`];
  for (const c of p.capabilities) {
    const dates = c.serviceActivationDate || c.serviceExpirationDate
      ? `  [${c.serviceActivationDate?.toISOString() ?? ''} .. ${c.serviceExpirationDate?.toISOString() ?? ''}]`
      : '';
    lines.push(`  ${formatId(c.documentType)}`);
    lines.push(`    process ${formatId(c.process)}  ${c.transportProfile}  ${c.endpointUrl ?? '(this access point)'}${c.certificatePem ? '  own certificate' : ''}${dates}`);
  }
  return lines.join('\n');
}

export const participants: CliCommand = {
  name: ['participants'],
  summary: 'Manage the participants hosted here and the document types the SMP publishes for them',
  usage: USAGE,
  async run(args, io) {
    const [verb, ...rest] = args;
    const a = parseArgs(rest, ['--name', '--country', '--process', '--endpoint', '--cert', '--from', '--until'], ['--json']);
    const need = (n: number) => {
      if (a.positional.length !== n) throw new ApError('api.bad-request', `Usage: peppol-ap ${USAGE}`);
    };
    if (!verb || !['list', 'add', 'remove', 'add-doctype', 'remove-doctype'].includes(verb)) {
      io.err(`Usage: peppol-ap ${USAGE}`);
      return 2;
    }
    if (verb === 'list') need(0);
    else if (verb === 'remove') need(1);
    else if (verb === 'add-doctype' || verb === 'remove-doctype') need(2);
    else if (a.positional.length < 1) need(1);
    const participant = a.positional[0] ? asUsage(() => parseParticipantId(a.positional[0]!)) : null;
    const country = a.options.get('--country');
    if (country !== undefined && !/^[A-Z]{2}$/.test(country)) throw new ApError('api.bad-request', '--country must be two upper-case letters');

    const config = loadConfig();
    const logger = createLogger(config.logging.level === 'info' ? 'warn' : config.logging.level);
    const db = await openDatabase({ url: config.database.url, poolMax: 2, embedded: config.database.embedded, logger });
    const store = new SmpParticipantStore(db.knex);
    try {
      switch (verb) {
        case 'list': {
          const all = await store.listParticipants();
          if (a.flags.has('--json')) io.out(JSON.stringify(all, null, 2));
          else io.out(all.length ? all.map(describe).join('\n') : 'No hosted participants');
          return 0;
        }
        case 'add': {
          const caps = asUsage(() => a.positional.slice(1).map((t) => resolveDocumentType(t)));
          await db.knex.transaction(async (trx) => {
            const s = new SmpParticipantStore(trx);
            await s.addParticipant({ participant: participant!, name: a.options.get('--name') ?? null, countryCode: country ?? null });
            for (const c of caps) await s.addCapability(participant!, c);
          });
          io.out(describe((await store.getParticipant(participant!))!));
          return 0;
        }
        case 'remove': {
          if (!(await store.removeParticipant(participant!))) {
            io.err(`${formatId(participant!)} is not hosted here`);
            return 1;
          }
          io.out(`Removed ${formatId(participant!)}`);
          return 0;
        }
        case 'add-doctype': {
          const cap: NewCapability = asUsage(() => resolveDocumentType(a.positional[1]!, a.options.get('--process')));
          const endpoint = a.options.get('--endpoint');
          if (endpoint !== undefined) {
            if (!/^https?:\/\//.test(endpoint)) throw new ApError('api.bad-request', '--endpoint must be an http(s) URL');
            cap.endpointUrl = endpoint;
          }
          const certFile = a.options.get('--cert');
          if (certFile !== undefined) cap.certificatePem = pemInput('--cert', certFile, 'certificate').pem;
          if (a.options.has('--from')) cap.serviceActivationDate = isoDate(a.options.get('--from')!, '--from');
          if (a.options.has('--until')) cap.serviceExpirationDate = isoDate(a.options.get('--until')!, '--until');
          await store.addCapability(participant!, cap);
          io.out(describe((await store.getParticipant(participant!))!));
          return 0;
        }
        default: {
          const { documentType, process } = asUsage(() => ({
            documentType: documentTypeFromText(a.positional[1]!),
            process: a.options.has('--process') ? parseProcessId(a.options.get('--process')!) : undefined,
          }));
          const n = await store.removeCapabilities(participant!, documentType, process);
          if (n === 0) {
            io.err(`${formatId(participant!)} has no entry for ${formatId(documentType)}`);
            return 1;
          }
          io.out(`Removed ${n} entr${n === 1 ? 'y' : 'ies'}`);
          return 0;
        }
      }
    } catch (err) {
      if (err instanceof ApError && (err.kind === 'api.conflict' || err.kind === 'api.not-found')) {
        io.err(err.message);
        return 1;
      }
      throw err;
    } finally {
      await db.close();
    }
  },
};
