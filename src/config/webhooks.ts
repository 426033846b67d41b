/** Webhook delivery: which targets may be called, and the retry schedule (Standard Webhooks, on the job runner). */
import { bool, int } from './parsers.js';
import { variable } from './spec.js';

const DAY_MS = 86_400_000;

export const webhooks = {
  allowPrivateTargets: variable('WEBHOOKS_ALLOW_PRIVATE_TARGETS', bool, {
    default: 'false',
    description:
      'Let webhook endpoints be `http://` URLs and resolve to loopback, private, link-local or unique-local addresses. `false` (production): only `https://` URLs of public addresses, checked at creation and again on every connection.',
  }),
  /** Backoff initial × 2^(n-1), capped, jitter in [½d, d]: with the defaults, 15 attempts over about a day. */
  retry: {
    maxAttempts: variable('WEBHOOKS_MAX_ATTEMPTS', int(1, 100), { default: '15', description: 'attempts of one webhook delivery; after the last failure the endpoint is disabled' }),
    initialDelayMs: variable('WEBHOOKS_RETRY_INITIAL_MS', int(10, DAY_MS), { default: '30000', description: 'first delay between webhook attempts, doubled after each failure' }),
    maxDelayMs: variable('WEBHOOKS_RETRY_MAX_MS', int(10, DAY_MS), { default: '21600000', description: 'longest delay between webhook attempts (a `Retry-After` of the endpoint is honoured up to it)' }),
  },
};
