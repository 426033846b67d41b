/**
 * The e-mail channel (README "E-mail channel"): the SMTP server messages are handed to, who they come from,
 * DKIM signing, and the `email` job kind's limits. Without SMTP_HOST the channel is off: nothing falls back
 * to e-mail, and settings that would need it are refused by the API.
 */
import { bool, hostName, int, matching, oneOf, privateKeyFile, text } from './parsers.js';
import { together, variable } from './spec.js';

const DAY_MS = 86_400_000;
// One address, as RFC 5321 allows it on the envelope (no display name): what EMAIL_FROM is checked against.
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const email = {
  smtp: together(
    {
      host: variable('SMTP_HOST', hostName, { description: 'SMTP server e-mail is handed to (submission); unset: the e-mail channel is off' }),
      from: variable('EMAIL_FROM', matching(ADDRESS, 'an e-mail address such as invoices@ap.example'), { description: 'sender address of every e-mail (envelope and From:)' }),
    },
    { purpose: 'send e-mail' },
  ),
  port: variable('SMTP_PORT', int(1, 65535), { default: '587', description: 'port of the SMTP server' }),
  tls: variable('SMTP_TLS', oneOf(['starttls', 'implicit', 'none'] as const), {
    default: 'starttls',
    description: '`starttls`: upgrade the connection and refuse a server that cannot; `implicit`: TLS from the first byte (port 465); `none`: plain text (a relay on the same host or a test server only)',
  }),
  tlsRejectUnauthorized: variable('SMTP_TLS_VERIFY', bool, { default: 'true', description: "check the SMTP server's certificate and name (`false` only for a test server)" }),
  credentials: together(
    {
      user: variable('SMTP_USER', text, { description: 'SMTP AUTH user name' }),
      password: variable('SMTP_PASSWORD', text, { description: 'SMTP AUTH password (keep it in a secret store that sets the variable)' }),
    },
    { purpose: 'log in to the SMTP server', needs: { names: ['SMTP_HOST'], why: 'credentials are for the SMTP server' } },
  ),
  dkim: together(
    {
      domain: variable('DKIM_DOMAIN', hostName, { description: 'DKIM signing domain (d=)' }),
      selector: variable('DKIM_SELECTOR', matching(/^[A-Za-z0-9._-]+$/, 'a DKIM selector'), { description: 'DKIM selector (s=): the key is published at <selector>._domainkey.<domain>' }),
      privateKey: variable('DKIM_KEY_FILE', privateKeyFile, { description: 'PEM private key e-mail is DKIM-signed with' }),
    },
    { purpose: 'sign e-mail with DKIM', needs: { names: ['SMTP_HOST'], why: 'DKIM signs the e-mail sent through SMTP_HOST' } },
  ),
  timeoutMs: variable('SMTP_TIMEOUT_MS', int(1000, 600_000), { default: '30000', description: 'longest wait for the SMTP server to connect, greet or answer one command' }),
  concurrency: variable('EMAIL_CONCURRENCY', int(1, 1000), { default: '4', description: 'e-mails handed to the SMTP server at once by one process' }),
  /** Backoff initial × 2^(n-1), capped, jitter: with the defaults, 12 attempts over about a day. */
  retry: {
    maxAttempts: variable('EMAIL_MAX_ATTEMPTS', int(1, 100), { default: '12', description: 'attempts of one e-mail while the SMTP server is unavailable; after the last one the document is `failed`' }),
    initialDelayMs: variable('EMAIL_RETRY_INITIAL_MS', int(10, DAY_MS), { default: '60000', description: 'first delay between e-mail attempts, doubled after each failure' }),
    maxDelayMs: variable('EMAIL_RETRY_MAX_MS', int(10, DAY_MS), { default: '7200000', description: 'longest delay between e-mail attempts' }),
  },
};
