/** The operator console (src/console/): its sessions' idle time-out and cookie. */
import { int, oneOf } from './parsers.js';
import { variable } from './spec.js';

export const consoleSection = {
  idleMinutes: variable('CONSOLE_IDLE_TIMEOUT_MINUTES', int(1, 24 * 60), {
    default: '30',
    description: 'A console session without a request for this long ends; the next page asks to sign in again.',
  }),
  secureCookie: variable('CONSOLE_SECURE_COOKIE', oneOf(['auto', 'always'] as const), {
    default: 'auto',
    description:
      '`auto`: the session cookie is marked `Secure` when the request came over HTTPS; `always`: always (set it when TLS ends at a proxy in front of the access point, as in production).',
  }),
};
