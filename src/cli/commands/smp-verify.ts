import { X509Certificate } from 'node:crypto';
import { loadConfig } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { formatId } from '../../peppol/identifiers.js';
import { verifySmpSignature } from '../../peppol/smp-signature.js';
import { readSignedServiceMetadata } from '../../peppol/smp-xml.js';
import { decodeXml } from '../../xml/decode.js';
import { parseDom } from '../../xml/safe.js';
import type { CliCommand } from '../command.js';
import { cliValidator, isoDate, parseArgs, readInput } from './discovery-args.js';

/** SHA-256 of an endpoint certificate, or a note when it does not decode. */
function certificateFingerprint(der: Buffer): string {
  try {
    return new X509Certificate(der).fingerprint256;
  } catch {
    return 'undecodable certificate';
  }
}

const USAGE = 'smp verify <file> [--trust <ca.pem>] [--at <ISO time>]';

export const smpVerify: CliCommand = {
  name: ['smp', 'verify'],
  summary: 'Check a saved SignedServiceMetadata response (signature, signer certificate, content); JSON; exit 0 only if valid',
  usage: `${USAGE}\n\n  --trust  PEM bundle of trusted CAs (default: PEPPOL_TRUST_FILE)\n  --at     validation time for the certificates (default: now)`,
  async run(args, io) {
    const a = parseArgs(args, ['--trust', '--at'], []);
    if (a.positional.length !== 1) {
      io.err(`Usage: peppol-ap ${USAGE}`);
      return 2;
    }
    const file = a.positional[0]!;
    const at = a.options.has('--at') ? isoDate(a.options.get('--at')!, '--at') : undefined;
    const validator = cliValidator(loadConfig().pki, a.options.get('--trust'));
    const bytes = readInput(file);
    try {
      const text = decodeXml(bytes);
      const doc = parseDom(text);
      const metadata = readSignedServiceMetadata(doc);
      const sig = await verifySmpSignature(text, doc, validator, at);
      const content =
        metadata.kind === 'redirect'
          ? { redirect: metadata.redirect }
          : {
              participant: formatId(metadata.information.participant),
              documentType: formatId(metadata.information.documentType),
              processes: metadata.information.processes.map((p) => ({
                process: formatId(p.process),
                endpoints: p.endpoints.map((e) => ({
                  transportProfile: e.transportProfile,
                  address: e.address,
                  serviceActivationDate: e.serviceActivationDate?.toISOString() ?? null,
                  serviceExpirationDate: e.serviceExpirationDate?.toISOString() ?? null,
                  certificateSha256: certificateFingerprint(e.certificate),
                })),
              })),
            };
      io.out(
        JSON.stringify(
          {
            file,
            valid: true,
            signer: { subject: sig.signer.subject, issuer: sig.signer.issuer, revocation: sig.signer.revocation },
            signatureAlgorithm: sig.signatureAlgorithm,
            digestAlgorithm: sig.digestAlgorithm,
            warnings: sig.warnings,
            ...(at ? { at: at.toISOString() } : {}),
            content,
          },
          null,
          2,
        ),
      );
      return 0;
    } catch (err) {
      if (!(err instanceof ApError) || err.kind === 'internal' || err.kind === 'config.invalid') throw err;
      io.out(JSON.stringify({ file, valid: false, ...err.toJSON() }, null, 2));
      return 1;
    }
  },
};
