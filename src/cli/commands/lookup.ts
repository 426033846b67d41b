import { loadConfig } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { buildLookup, buildLookupService } from '../../composition/index.js';
import { formatId } from '../../peppol/identifiers.js';
import type { CliCommand } from '../command.js';
import { asUsage, cliValidator, parseArgs } from './discovery-args.js';

const USAGE =
  'lookup <participant> [<document type>] [--process <id>] [--trust <ca.pem>] [--zone <sml zone>] [--dns <ip[:port]>] [--allow-http] [--json]';

export const lookup: CliCommand = {
  name: ['lookup'],
  summary: 'Resolve a participant (and document type) through the SML and its SMP; prints each step of the chain',
  usage: `${USAGE}\n\n  <document type>: a short name (invoice, creditnote, invoice-response, mlr, mls, ...) or a busdox-docid-qns identifier.\n  Without it, the document types of the participant's ServiceGroup are listed.\n  Exit 0 resolved, 1 not resolvable (not registered, not supported, bad signature...), 2 usage.`,
  async run(args, io) {
    const a = parseArgs(args, ['--process', '--trust', '--zone', '--dns'], ['--allow-http', '--json']);
    if (a.positional.length < 1 || a.positional.length > 2) {
      io.err(`Usage: peppol-ap ${USAGE}`);
      return 2;
    }
    const config = loadConfig();
    const query = {
      participant: a.positional[0]!,
      ...(a.positional[1] ? { documentType: a.positional[1] } : {}),
      ...(a.options.has('--process') ? { process: a.options.get('--process')! } : {}),
    };
    const zone = a.options.get('--zone') ?? config.discovery.sml.zone;
    const dnsServer = a.options.get('--dns');
    const service = buildLookupService(
      buildLookup(config.discovery, cliValidator(config.pki, a.options.get('--trust')), { zone, ...(dnsServer ? { dnsServer } : {}), allowHttp: a.flags.has('--allow-http') }),
      zone,
    );
    const { participant } = asUsage(() => service.parse(query));
    const json = a.flags.has('--json');
    const show = (rows: Array<[string, string]>) => io.out(rows.map(([k, v]) => `${k.padEnd(14)} ${v}`).join('\n'));
    try {
      const answer = await service.resolve(query);
      if ('serviceGroup' in answer) {
        const g = answer.serviceGroup;
        if (json) {
          io.out(JSON.stringify({ ...g, participant: formatId(g.participant), documentTypes: g.documentTypes.map(formatId) }, null, 2));
        } else {
          show([
            ['participant', formatId(participant)],
            ['DNS name', g.dnsName],
            ['NAPTR', `${g.naptr.order} ${g.naptr.preference} "${g.naptr.flags}" "${g.naptr.service}" "${g.naptr.regexp}"`],
            ['SMP URL', g.smpUrl],
            ...g.documentTypes.map((d, i): [string, string] => [i === 0 ? 'document types' : '', formatId(d)]),
          ]);
        }
        return 0;
      }
      const r = answer.endpoint;
      const cert = r.certificate;
      if (json) {
        io.out(
          JSON.stringify(
            {
              ...r,
              participant: formatId(r.participant),
              documentType: formatId(r.documentType),
              process: formatId(r.process),
              certificate: { subject: cert.subject, issuer: cert.issuer, validTo: cert.validTo, serialNumber: cert.serialNumber, fingerprint256: cert.fingerprint256, pem: cert.toString() },
              cache: r.fromCache ? 'hit' : 'miss',
            },
            null,
            2,
          ),
        );
      } else {
        show([
          ['participant', formatId(r.participant)],
          ['DNS name', r.dnsName],
          ['NAPTR', `${r.naptr.order} ${r.naptr.preference} "${r.naptr.flags}" "${r.naptr.service}" "${r.naptr.regexp}"`],
          ['SMP URL', r.smpUrl],
          ['metadata', r.metadataUrl + (r.redirectedFrom ? ` (redirected from ${r.redirectedFrom})` : '')],
          ['SMP signer', `${r.smpSigner.replace(/\n/g, ', ')} (${r.signatureAlgorithm.replace(/^.*#/, '')})`],
          ['document type', formatId(r.documentType)],
          ['process', formatId(r.process)],
          ['endpoint', `${r.endpointUrl} (${r.transportProfile})`],
          ['active', `${r.serviceActivationDate?.toISOString() ?? '-'} .. ${r.serviceExpirationDate?.toISOString() ?? '-'}`],
          ['certificate', cert.subject.replace(/\n/g, ', ')],
          ['  issuer', cert.issuer.replace(/\n/g, ', ')],
          ['  valid to', cert.validTo],
          ['  SHA-256', cert.fingerprint256],
          ['cache', `${r.fromCache ? 'hit' : 'miss (resolved now)'}; valid until ${r.expiresAt.toISOString()}`],
          ...r.warnings.map((w): [string, string] => ['warning', w]),
        ]);
      }
      return 0;
    } catch (err) {
      if (!(err instanceof ApError) || err.kind === 'internal' || err.kind === 'config.invalid') throw err;
      const dnsName = service.dnsName(participant);
      if (json) io.out(JSON.stringify({ participant: formatId(participant), dnsName, ...err.toJSON() }, null, 2));
      else io.err(`${formatId(participant)} (${dnsName}): ${err.kind}: ${err.message}`);
      return 1;
    }
  },
};
