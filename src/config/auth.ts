/** API keys: where their hash key lives, how long verified keys stay cached, the per-key rate limit. */
import { folder, int, retired } from './parsers.js';
import { variable } from './spec.js';

export const auth = {
  hashKeyFile: variable('API_KEY_HASH_KEY_FILE', folder, {
    default: 'data/api-key-hash.key',
    description:
      'File holding the secret key under which API keys are hashed (HMAC-SHA256; the database holds only the hashes). Created with 32 random bytes, mode 0600, when missing. Every process serving one database must use the same file: on several machines, distribute it as a secret.',
  }),
  cacheSeconds: variable('API_KEY_CACHE_SECONDS', int(0, 3600), {
    default: '60',
    description:
      'How long a verified API key stays cached in a process. Revoking a key or a mandate takes effect at once in every process (PostgreSQL notification); this bounds how long a missed notification could matter.',
  }),
  ratePerSecond: variable('API_RATE_LIMIT_PER_SECOND', int(1, 100_000), {
    default: '100',
    description: 'Requests per second an API key may make on average, per process; past it 429 with Retry-After.',
  }),
  rateBurst: variable('API_RATE_LIMIT_BURST', int(1, 1_000_000), { default: '200', description: 'Requests an API key may make at once above its average rate.' }),
  adminToken: variable('ADMIN_TOKEN', retired('create an operator key with `peppol-ap keys create --operator --scopes admin,participants` and unset it (README: "Migrating from ADMIN_TOKEN and INBOX_TOKEN")'), {
    description: 'Retired: set, the start is refused with what replaced it (operator API keys).',
  }),
  inboxToken: variable('INBOX_TOKEN', retired('give each receiving tenant a key with the inbox scope (`peppol-ap keys create --tenant <id> --scopes inbox`) and unset it (README: "Migrating from ADMIN_TOKEN and INBOX_TOKEN")'), {
    description: 'Retired: set, the start is refused with what replaced it (tenant API keys with the `inbox` scope).',
  }),
};
