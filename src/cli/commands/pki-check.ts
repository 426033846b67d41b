import { loadConfig, trustOf } from '../../config/index.js';
import { ApError } from '../../errors.js';
import {
  certificateDetails,
  PeppolCertificateValidator,
  readCertificates,
  seatIdOf,
  oneLineName,
  TrustStore,
  DEFAULT_CRL_FETCH_OPTIONS,
  type CertificatePurpose,
} from '../../pki/index.js';
import type { CliCommand } from '../command.js';
import { isoDate, parseArgs, readInput } from './discovery-args.js';

const USAGE =
  'pki check <cert.pem|cert.der> [--purpose ap|smp] [--at <ISO time>] [--trust <ca.pem>] [--crl <file>] [--crl-allow <prefixes>] [--crl-hard-fail] [--no-revocation]';

const HELP = `${USAGE}

  --purpose        ap (default): must chain to an access point CA; smp: to an SMP CA
  --at             validation time (default: now), e.g. to check the signer of an old message
  --trust          PEM bundle of trusted CAs (default: PEPPOL_TRUST_FILE, pinned to the G3 CAs of
                   PEPPOL_ENVIRONMENT when that is set); a CA issues AP or SMP certificates as its
                   Peppol name says, whatever --purpose is checked
  --crl            a CRL file (DER or PEM) to use for the certificate's distribution point instead of
                   downloading it (offline checks)
  --crl-allow      comma-separated URL prefixes CRLs may be downloaded from
                   (default: ${DEFAULT_CRL_FETCH_OPTIONS.allowedPrefixes.join(',')})
  --crl-hard-fail  an undeterminable revocation status fails the check (default: warning only)
  --no-revocation  skip the revocation check

Prints a JSON report. Exit 0: valid; 1: the certificate fails a check; 2: unusable input.`;

function trustStore(trustFile: string | undefined): TrustStore {
  if (trustFile) return TrustStore.fromBundle(readInput(trustFile, 'trust file'));
  const { pki } = loadConfig();
  const trust = trustOf(pki);
  if (!trust) throw new ApError('config.invalid', 'No trusted CAs: set PEPPOL_TRUST_FILE or PEPPOL_ENVIRONMENT, or pass --trust <ca.pem>');
  return pki.environment ? TrustStore.peppolG3(pki.environment, trust.pem) : TrustStore.fromBundle(trust.pem);
}

export const pkiCheck: CliCommand = {
  name: ['pki', 'check'],
  summary: 'Check a Peppol AP or SMP certificate (chain, validity, key usage, seat id, CRL); JSON; exit 0 only if valid',
  usage: HELP,
  async run(args, io) {
    let file: string;
    let purpose: CertificatePurpose;
    let at: Date;
    let validator: PeppolCertificateValidator;
    let certBytes: Buffer;
    try {
      const a = parseArgs(args, ['--purpose', '--at', '--trust', '--crl', '--crl-allow'], ['--crl-hard-fail', '--no-revocation']);
      if (a.positional.length !== 1) {
        io.err(`Usage: peppol-ap ${USAGE}`);
        return 2;
      }
      file = a.positional[0]!;
      const p = a.options.get('--purpose') ?? 'ap';
      if (p !== 'ap' && p !== 'smp') throw new ApError('api.bad-request', `--purpose: expected ap or smp, not '${p}'`);
      purpose = p;
      at = a.options.has('--at') ? isoDate(a.options.get('--at')!, '--at') : new Date();
      const prefixes = a.options.get('--crl-allow')?.split(',').map((s) => s.trim()).filter(Boolean);
      validator = new PeppolCertificateValidator({
        trustStore: trustStore(a.options.get('--trust')),
        revocation: { mode: a.flags.has('--no-revocation') ? 'off' : 'crl', softFail: !a.flags.has('--crl-hard-fail') },
        ...(prefixes ? { crl: { allowedPrefixes: prefixes } } : {}),
      });
      certBytes = readInput(file, 'certificate');
      const crlFile = a.options.get('--crl');
      if (crlFile) {
        const [leaf] = readCertificates(certBytes);
        const urls = leaf ? certificateDetails(leaf).crlUrls : [];
        if (urls.length === 0) throw new ApError('api.bad-request', `--crl: the certificate has no CRL distribution point to use it for`);
        validator.addCrl(urls[0]!, readInput(crlFile, 'CRL'));
      }
    } catch (err) {
      if (err instanceof ApError) {
        io.err(err.message);
        return 2;
      }
      throw err;
    }

    let cert;
    try {
      const certs = readCertificates(certBytes);
      if (certs.length === 0) throw new ApError('pki.bad-certificate', 'the file holds no certificate');
      cert = certs[0]!;
    } catch (err) {
      if (!(err instanceof ApError)) throw err;
      io.out(JSON.stringify({ file, valid: false, error: { kind: err.kind, message: err.message } }, null, 2));
      return 2;
    }

    const facts = {
      subject: oneLineName(cert.subject),
      issuer: oneLineName(cert.issuer),
      serialNumber: cert.serialNumber,
      notBefore: new Date(cert.validFrom).toISOString(),
      notAfter: new Date(cert.validTo).toISOString(),
      sha256: cert.fingerprint256,
      seatId: seatIdOf(cert),
    };
    try {
      // An AP certificate of ours is both signed with and encrypted to; an SMP certificate only signs.
      const v = await validator.validate(cert, { purpose, at, uses: purpose === 'ap' ? ['signature', 'keyTransport'] : ['signature'] });
      const report = {
        file,
        valid: true,
        purpose,
        at: at.toISOString(),
        ...facts,
        chain: v.chain.map((c) => ({ subject: oneLineName(c.subject), sha256: c.fingerprint256 })),
        revocation: v.revocation,
        warnings: v.warnings,
      };
      io.out(JSON.stringify(report, null, 2));
      return 0;
    } catch (err) {
      if (!(err instanceof ApError)) throw err;
      const report = { file, valid: false, purpose, at: at.toISOString(), ...facts, error: { kind: err.kind, message: err.message } };
      io.out(JSON.stringify(report, null, 2));
      return 1;
    }
  },
};
