/**
 * Authentication's parts: the key API keys are hashed under (a file, created on first start), the
 * authenticator with its cache, told of revocations by every process through a notification channel, and
 * the per-key rate limiter.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Knex } from 'knex';
import type { Config } from '../config/index.js';
import { ApError } from '../errors.js';
import { RateLimiter } from '../http/rate-limit.js';
import type { Logger } from '../log.js';
import { Authenticator } from '../services/authenticator.js';
import { AUTH_CHANNEL, type PostgresApiKeyStore } from '../store/api-keys.js';
import { listen } from '../store/listener.js';
import type { Closers } from './closers.js';

const HASH_KEY_BYTES = 32;

/**
 * The hash key in `file`, created (32 random bytes, mode 0600) when missing. Created exclusively, so that
 * two processes starting together end with one key.
 */
export async function loadHashKey(file: string): Promise<Buffer> {
  await mkdir(dirname(file), { recursive: true });
  try {
    const handle = await open(file, 'wx', 0o600);
    await handle.writeFile(randomBytes(HASH_KEY_BYTES));
    await handle.close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = await readFile(file);
  if (key.length < HASH_KEY_BYTES) throw new ApError('config.invalid', `API_KEY_HASH_KEY_FILE=${file}: holds ${key.length} bytes, at least ${HASH_KEY_BYTES} are needed`);
  return key;
}

export interface AuthParts {
  hashKey: Buffer;
  authenticator: Authenticator;
  limiter: RateLimiter;
}

type AuthSettings = Pick<Config['auth'], 'cacheSeconds' | 'ratePerSecond' | 'rateBurst'>;

/** The authenticator and limiter over a hash key, told of revocations only by this process. */
export function authParts(settings: AuthSettings, hashKey: Buffer, keys: PostgresApiKeyStore): AuthParts {
  const authenticator = new Authenticator({ keys, hashKey, cacheTtlMs: settings.cacheSeconds * 1000 });
  return { hashKey, authenticator, limiter: new RateLimiter({ perSecond: settings.ratePerSecond, burst: settings.rateBurst }) };
}

/** What the server authenticates with; revocations anywhere reach its cache through AUTH_CHANNEL. */
export async function buildAuth(config: AuthSettings & Pick<Config['auth'], 'hashKeyFile'>, parts: { knex: Knex; keys: PostgresApiKeyStore; logger: Logger }, closers: Closers): Promise<AuthParts> {
  const auth = authParts(config, await loadHashKey(config.hashKeyFile), parts.keys);
  const { authenticator } = auth;
  const listener = listen(parts.knex, AUTH_CHANNEL, { onNotify: (what) => authenticator.forget(what), onReconnect: () => authenticator.forget('all') }, parts.logger);
  closers.push('auth listener', () => listener.close());
  return auth;
}
