import { loadConfig } from '../../config/index.js';
import { ApError } from '../../errors.js';
import { parseMimeDump, readSignal, sentMessageEvidence, type ReadSignal } from '../../as4/index.js';
import { oneLineName, type CertificateValidator } from '../../pki/index.js';
import type { CliCommand } from '../command.js';
import { cliValidator, isoDate, parseArgs, readInput } from './discovery-args.js';

const USAGE = 'as4 verify-receipt <file> [--sent <message>] [--at <ISO time>] [--trust <ca.pem>]';

const HELP = `${USAGE}

  <file>    the receipt as received: plain SOAP or multipart, optionally preceded by its HTTP/MIME headers
  --sent    the user message it answers (raw dump as for 'as4 inspect'): RefToMessageId must be its
            MessageId and the NonRepudiationInformation must hold exactly the references it was signed with
  --at      validation time for the signer certificate (default: now)
  --trust   PEM bundle of trusted CAs instead of PEPPOL_TRUST_FILE

Prints a JSON report. Exit 0 only if the file is a receipt whose signature, signer and (with --sent)
non-repudiation information check out; 1 otherwise (also for an eb:Error signal); 2 for unusable input.`;

function describe(r: ReadSignal) {
  return {
    kind: r.kind,
    messageId: r.signal.messageId,
    timestamp: r.signal.timestamp,
    refToMessageId: r.signal.refToMessageId,
    signed: r.signed,
    signer: r.signer
      ? { subject: r.signer.subject, seatId: r.signer.seatId, chain: r.signer.chain.map((c) => oneLineName(c.subject)), revocation: r.signer.revocation, warnings: r.signer.warnings }
      : null,
    nonRepudiation: r.nonRepudiation,
    errors: r.signal.errors,
  };
}

export const as4VerifyReceipt: CliCommand = {
  name: ['as4', 'verify-receipt'],
  summary: 'Check an AS4 receipt (signature, signer, and with --sent the non-repudiation digests); JSON',
  usage: HELP,
  async run(args, io) {
    let file: string;
    let raw: Buffer;
    let sentRaw: Buffer | undefined;
    let at: Date | undefined;
    let validator: CertificateValidator;
    try {
      const a = parseArgs(args, ['--sent', '--at', '--trust'], []);
      if (a.positional.length !== 1) {
        io.err(`Usage: peppol-ap ${USAGE}`);
        return 2;
      }
      file = a.positional[0]!;
      raw = readInput(file, 'receipt');
      if (a.options.has('--sent')) sentRaw = readInput(a.options.get('--sent')!, 'sent message');
      if (a.options.has('--at')) at = isoDate(a.options.get('--at')!, '--at');
      validator = cliValidator(loadConfig().pki, a.options.get('--trust'));
    } catch (err) {
      io.err(err instanceof Error ? err.message : String(err));
      return 2;
    }
    const base = { file, ...(sentRaw ? { sent: true } : {}), validAt: (at ?? new Date()).toISOString() };
    try {
      const sent = sentRaw ? sentMessageEvidence(parseMimeDump(sentRaw).message) : undefined;
      const r = await readSignal(parseMimeDump(raw).message, { certificateValidator: validator, ...(at ? { at } : {}), ...(sent ? { sent } : {}) });
      const ok = r.kind === 'receipt';
      io.out(JSON.stringify({ ...base, ok, ...describe(r), ...(ok ? {} : { problem: 'the signal is an eb:Error, not a receipt' }) }, null, 2));
      return ok ? 0 : 1;
    } catch (err) {
      if (!(err instanceof ApError)) throw err;
      io.out(JSON.stringify({ ...base, ok: false, error: { kind: err.kind, message: err.message, ...(err.ebmsCode ? { ebmsCode: err.ebmsCode } : {}) } }, null, 2));
      return 1;
    }
  },
};
