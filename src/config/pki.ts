/** Which CAs we trust for AP and SMP certificates, and how revocation is checked. */
import { bool, certificateBundleFile, int, list, oneOf } from './parsers.js';
import { variable } from './spec.js';

export const pki = {
  trust: variable('PEPPOL_TRUST_FILE', certificateBundleFile, {
    description: 'PEM bundle of the trusted AP/SMP CAs and roots; unset with `PEPPOL_ENVIRONMENT` set: the Peppol G3 CAs of that environment shipped in `certs/peppol-g3/`',
  }),
  environment: variable('PEPPOL_ENVIRONMENT', oneOf(['production', 'test'] as const), {
    description: '`production` or `test`: trust only the pinned Peppol G3 CAs of that environment (from `PEPPOL_TRUST_FILE`, or shipped); `production` also refuses the sandbox',
  }),
  revocation: {
    mode: variable('PKI_REVOCATION', oneOf(['crl', 'off'] as const), {
      default: 'crl',
      description: '`crl`: check AP and SMP certificates against their CRL; `off`: no revocation check (reported `not-checked`)',
    }),
    softFail: variable('PKI_REVOCATION_SOFT_FAIL', bool, {
      default: 'true',
      description:
        'when a CRL cannot be fetched or checked: `true` accepts with a warning (revocation `unknown`), `false` refuses (`pki.revocation-unknown`)',
    }),
  },
  crl: {
    allowedPrefixes: variable('PKI_CRL_ALLOWED_PREFIXES', list(/^https?:\/\/[^\s/]+\//, 'an http(s) URL prefix with a host and a path (e.g. http://crl.example/)'), {
      default: 'http://crl.one.nl.digicert.com/',
      description: 'comma-separated URL prefixes CRLs may be downloaded from; other distribution points are never fetched',
    }),
    timeoutMs: variable('PKI_CRL_TIMEOUT_MS', int(100, 120_000), { default: '10000', description: 'CRL download timeout' }),
    maxBytes: variable('PKI_CRL_MAX_BYTES', int(1024, 1024 * 1024 * 1024), { default: String(20 * 1024 * 1024), description: 'largest CRL downloaded' }),
  },
};
