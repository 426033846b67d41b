import { loadConfig } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { buildStores, openCommandDatabase } from '../../composition/index.js';
import { documentTypeFromText } from '../../peppol/document-types.js';
import { formatId, parseParticipantId } from '../../peppol/identifiers.js';
import { ParticipantsService, type CapabilityInput, type HostedParticipant } from '../../services/participants.js';
import type { CliCommand } from '../command.js';
import { asUsage, parseArgs, pemInput } from './discovery-args.js';

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

/** The options that stand for the service's fields, so that its messages name what the user typed. */
const OPTION_OF: Record<string, string> = {
  countryCode: '--country',
  endpointUrl: '--endpoint',
  certificatePem: '--cert',
  serviceActivationDate: '--from',
  serviceExpirationDate: '--until',
};

/** Runs a service call; an invalid identifier or field is a usage error (exit 2) naming the option. */
async function asCommand<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const field = err instanceof ApError ? err.details?.['field'] : undefined;
    const option = typeof field === 'string' ? OPTION_OF[field] : undefined;
    if (option) throw new ApError('api.bad-request', (err as ApError).message.replace(field as string, option), (err as ApError).details);
    if (err instanceof ApError && err.kind === 'identifier.invalid') throw new ApError('api.bad-request', err.message, err.details);
    throw err;
  }
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
    const certFile = a.options.get('--cert');
    const certificatePem = certFile === undefined ? undefined : pemInput('--cert', certFile, 'certificate').pem;

    const config = loadConfig();
    const logger = createLogger(config.logging.level === 'info' ? 'warn' : config.logging.level);
    const db = await openCommandDatabase(config, logger);
    // No SML registrar: see the usage text.
    const service = new ParticipantsService({ store: buildStores(db.knex).participants });
    const option = (name: string, field: keyof CapabilityInput): Partial<CapabilityInput> => (a.options.has(name) ? { [field]: a.options.get(name)! } : {});
    try {
      switch (verb) {
        case 'list': {
          const all = await service.list();
          if (a.flags.has('--json')) io.out(JSON.stringify(all, null, 2));
          else io.out(all.length ? all.map(describe).join('\n') : 'No hosted participants');
          return 0;
        }
        case 'add': {
          const country = a.options.get('--country');
          const added = await asCommand(() =>
            service.add({
              participant: a.positional[0]!,
              ...(a.options.has('--name') ? { name: a.options.get('--name')! } : {}),
              ...(country !== undefined ? { countryCode: country } : {}),
              documentTypes: a.positional.slice(1).map((documentType) => ({ documentType })),
            }),
          );
          io.out(describe(added));
          return 0;
        }
        case 'remove': {
          if (!(await service.remove(participant!))) {
            io.err(`${formatId(participant!)} is not hosted here`);
            return 1;
          }
          io.out(`Removed ${formatId(participant!)}`);
          return 0;
        }
        case 'add-doctype': {
          await asCommand(() =>
            service.addCapability(participant!, {
              documentType: a.positional[1]!,
              ...option('--process', 'process'),
              ...option('--endpoint', 'endpointUrl'),
              ...(certificatePem !== undefined ? { certificatePem } : {}),
              ...option('--from', 'serviceActivationDate'),
              ...option('--until', 'serviceExpirationDate'),
            }),
          );
          io.out(describe((await service.get(participant!))!));
          return 0;
        }
        default: {
          const n = await asCommand(() => service.removeCapabilities(participant!, a.positional[1]!, a.options.get('--process')));
          if (n === 0) {
            io.err(`${formatId(participant!)} has no entry for ${formatId(documentTypeFromText(a.positional[1]!))}`);
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
