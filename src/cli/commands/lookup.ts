import { loadConfig } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { documentTypeFromText } from '../../peppol/document-types.js';
import { formatId, parseParticipantId, parseProcessId } from '../../peppol/identifiers.js';
import { PeppolLookup } from '../../peppol/lookup.js';
import { smlDnsName } from '../../peppol/sml.js';
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
    const { sml, smp } = config.discovery;
    const { participant, documentType, process } = asUsage(() => ({
      participant: parseParticipantId(a.positional[0]!),
      documentType: a.positional[1] ? documentTypeFromText(a.positional[1]) : undefined,
      process: a.options.has('--process') ? parseProcessId(a.options.get('--process')!) : undefined,
    }));
    const zone = a.options.get('--zone') ?? sml.zone;
    const dns = a.options.get('--dns');
    const lookup = new PeppolLookup({
      sml: {
        zone,
        dnsServers: dns ? [dns] : (sml.dnsServers ?? []),
        timeoutMs: sml.dnsTimeoutMs,
        requireHttps: a.flags.has('--allow-http') ? false : sml.requireHttps,
      },
      validator: cliValidator(config.pki, a.options.get('--trust')),
      smpTimeoutMs: smp.timeoutMs,
      cacheTtlMs: smp.cacheTtlMs,
    });
    const json = a.flags.has('--json');
    const show = (rows: Array<[string, string]>) => io.out(rows.map(([k, v]) => `${k.padEnd(14)} ${v}`).join('\n'));
    try {
      if (!documentType) {
        const g = await lookup.serviceGroup(participant);
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
      const r = await lookup.lookup(participant, documentType, process);
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
      const dnsName = smlDnsName(participant, zone);
      if (json) io.out(JSON.stringify({ participant: formatId(participant), dnsName, ...err.toJSON() }, null, 2));
      else io.err(`${formatId(participant)} (${dnsName}): ${err.kind}: ${err.message}`);
      return 1;
    }
  },
};
