/** AS4 with our access point's key: the endpoint we receive on, what we publish about it, duplicates. */
import { certificateFile, httpUrl, int, matching, privateKeyFile, text, times } from './parsers.js';
import { together, variable } from './spec.js';

const DAY_MS = 86_400_000;

export const as4 = {
  /** Our access point; without it documents stay queued and nothing is received. */
  identity: together(
    {
      privateKey: variable('AP_KEY_FILE', privateKeyFile, { description: 'PEM private key of our AP' }),
      certificate: variable('AP_CERT_FILE', certificateFile, { description: "PEM certificate of our AP; the certificate's CN is our seat id" }),
      endpointUrl: variable('AP_ENDPOINT_URL', httpUrl, { description: 'our AS4 endpoint URL, as published in our SMP' }),
      technicalContactUrl: variable('AP_TECHNICAL_CONTACT', text, { fallback: 'AP_ENDPOINT_URL', description: 'TechnicalContactUrl published in our SMP' }),
    },
    {
      purpose: 'send and receive over AS4',
      needs: {
        names: ['PEPPOL_TRUST_FILE', 'PEPPOL_ENVIRONMENT'],
        anyOf: true,
        why: 'the CAs that the certificates of other access points and SMPs are checked against (a trust file, or the shipped Peppol G3 CAs of that environment)',
      },
      check: ({ privateKey, certificate }) =>
        certificate.x509.checkPrivateKey(privateKey.key) ? null : `AP_KEY_FILE=${privateKey.file}: not the key of the certificate in AP_CERT_FILE=${certificate.file}`,
    },
  ),
  /**
   * Certificate rollover: the key pair being replaced. Senders that looked up our SMP before it published
   * the new certificate still encrypt for the old one; both keys decrypt, only AP_KEY_FILE signs.
   */
  previousIdentity: together(
    {
      privateKey: variable('AP_PREVIOUS_KEY_FILE', privateKeyFile, { description: 'PEM private key of the AP certificate being replaced (rollover): still decrypts, never signs' }),
      certificate: variable('AP_PREVIOUS_CERT_FILE', certificateFile, { description: 'PEM certificate being replaced (rollover); same seat id as `AP_CERT_FILE`' }),
    },
    {
      purpose: 'keep receiving messages encrypted for the AP certificate being replaced',
      needs: { names: ['AP_KEY_FILE'], why: 'the previous certificate only decrypts; the current one (AP_KEY_FILE, AP_CERT_FILE) signs' },
      check: ({ privateKey, certificate }) =>
        certificate.x509.checkPrivateKey(privateKey.key) ? null : `AP_PREVIOUS_KEY_FILE=${privateKey.file}: not the key of the certificate in AP_PREVIOUS_CERT_FILE=${certificate.file}`,
    },
  ),
  certificateExpiryWarningMs: variable('AP_CERT_EXPIRY_WARNING_DAYS', times(int(1, 365), DAY_MS), {
    default: '30',
    description: 'log a warning (at start and every 12 hours) from this long before the AP certificate expires',
  }),
  path: variable('AS4_PATH', matching(/^\/[A-Za-z0-9/_.-]*$/, 'a URL path such as /as4'), { default: '/as4', description: 'path of the AS4 endpoint' }),
  maxMessageBytes: variable('AS4_MAX_MESSAGE_BYTES', int(1024, 4 * 1024 * 1024 * 1024), {
    default: String(100 * 1024 * 1024),
    description: 'MIME body limit, enforced while streaming (413, EBMS:0004); also the largest API submission, which is spooled past `AS4_SPOOL_THRESHOLD_BYTES` (413 past it)',
  }),
  spoolThresholdBytes: variable('AS4_SPOOL_THRESHOLD_BYTES', int(64 * 1024, 4 * 1024 * 1024 * 1024), {
    default: String(8 * 1024 * 1024),
    description: 'a binary MIME part (the encrypted payload) longer than this is spooled to a file while it is read and unpacked as a stream, and so is an API submission longer than this (large messages)',
  }),
  spoolDir: variable('AS4_SPOOL_DIR', text, {
    description: 'directory of the spool files of large messages and submissions, received and sent (created if missing; each file removed when its exchange or request ends); unset: `peppol-ap-spool` in the system temporary directory',
  }),
  duplicateRetentionMs: variable('AS4_DUPLICATE_RETENTION_DAYS', times(int(1, 3650), DAY_MS), {
    default: '30',
    description: 'how long MessageId and InstanceIdentifier count as duplicates',
  }),
  /** "Is this participant served here?", asked by AS4 inbound and by local delivery alike: one cache, one setting. */
  servedCacheMs: variable('INBOUND_SERVICED_CACHE_MS', int(0, 3_600_000), {
    fallback: 'OUTBOUND_HOSTED_CACHE_MS',
    description: 'cache of "participant served here" answers, for AS4 inbound and local delivery; unset: `OUTBOUND_HOSTED_CACHE_MS`',
  }),
  /** The name local delivery's own cache had; read only as the fallback of INBOUND_SERVICED_CACHE_MS. */
  servedCacheMsOldName: variable('OUTBOUND_HOSTED_CACHE_MS', int(0, 3_600_000), {
    default: '5000',
    description: 'older name of `INBOUND_SERVICED_CACHE_MS`, its fallback (the two caches are one)',
  }),
};
