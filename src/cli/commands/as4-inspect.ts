import type { KeyObject, X509Certificate } from 'node:crypto';
import { loadConfig } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { inspectMessage, parseMimeDump } from '../../as4/index.js';
import type { CertificateValidator } from '../../pki/index.js';
import type { CliCommand } from '../command.js';
import { cliValidator, isoDate, parseArgs, pemInput, readInput } from './discovery-args.js';

const USAGE = 'as4 inspect <file> [--key <receiver-key.pem>] [--cert <receiver-cert.pem>] [--no-decrypt] [--at <ISO time>] [--trust <ca.pem>]';

const HELP = `${USAGE}

  <file>        a raw AS4 message: the MIME body, optionally preceded by its MIME headers or by the
                HTTP request/response head (a stale Transfer-Encoding: chunked is tolerated)
  --key         the receiver's private key (PEM) to decrypt the payload and check the attachment digest
  --cert        the receiver's certificate (PEM); default: the one the message is encrypted for
  --no-decrypt  do not decrypt (signature of the headers and the certificate are still checked)
  --at          validation time for the signer certificate (default: now), for old messages
  --trust       PEM bundle of trusted CAs instead of PEPPOL_TRUST_FILE (e.g. an older test CA generation)

Prints a JSON report: ebMS header fields, MIME parts, each check in inbound order, the signature check per
reference, the signer certificate and chain, and with --key the decryption and the payload SHA-256. When a
CRL cannot be fetched the revocation check soft-fails and the certificate lists a warning.
Exit 0 only if every check that could run passed; 1 if one failed; 2 for unusable input.`;

export const as4Inspect: CliCommand = {
  name: ['as4', 'inspect'],
  summary: 'Check a raw AS4 message (headers, signature, certificate, decryption, payload); JSON; exit 0 only if all checks pass',
  usage: HELP,
  async run(args, io) {
    let file: string;
    let raw: Buffer;
    let at: Date | undefined;
    let key: KeyObject | undefined;
    let cert: X509Certificate | undefined;
    let validator: CertificateValidator;
    let decrypt: boolean;
    try {
      const a = parseArgs(args, ['--key', '--cert', '--at', '--trust'], ['--no-decrypt']);
      if (a.positional.length !== 1) {
        io.err(`Usage: peppol-ap ${USAGE}`);
        return 2;
      }
      file = a.positional[0]!;
      raw = readInput(file, 'message');
      if (a.options.has('--at')) at = isoDate(a.options.get('--at')!, '--at');
      decrypt = !a.flags.has('--no-decrypt');
      if (a.options.has('--key')) key = pemInput('--key', a.options.get('--key')!, 'private key').key;
      if (a.options.has('--cert')) cert = pemInput('--cert', a.options.get('--cert')!, 'certificate').x509;
      validator = cliValidator(loadConfig().pki, a.options.get('--trust'));
    } catch (err) {
      io.err(err instanceof Error ? err.message : String(err));
      return 2;
    }
    let dump;
    try {
      dump = parseMimeDump(raw);
    } catch (err) {
      if (!(err instanceof ApError)) throw err;
      io.out(JSON.stringify({ file, ok: false, ebmsErrorCode: err.ebmsCode, error: { kind: err.kind, message: err.message } }, null, 2));
      return 1;
    }
    const report = await inspectMessage(dump.message, {
      certificateValidator: validator,
      decrypt,
      ...(at ? { at } : {}),
      ...(key ? { receiverKey: key } : {}),
      ...(cert ? { receiverCertificate: cert } : {}),
    });
    const head = { file, ...(dump.startLine ? { startLine: dump.startLine } : {}), ...(dump.chunked ? { transferEncoding: dump.chunked } : {}) };
    io.out(JSON.stringify({ ...head, ...report }, null, 2));
    return report.ok ? 0 : 1;
  },
};
