/**
 * API key secrets: `pap_<lookup id>_<secret>`, recognisable by their prefix (secret scanners, logs), with a
 * public lookup id that finds the row and 256 random bits that prove the caller. Only an HMAC-SHA256 of
 * the whole key, under a hash key the database does not hold, is stored: a copy of the database does not
 * give working keys, nor a way to test guesses offline.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const KEY_PREFIX = 'pap_';
const KEY = /^pap_([a-z2-7]{16})_([A-Za-z0-9_-]{43})$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export interface NewApiKey {
  /** The whole key, shown once to whoever created it. */
  secret: string;
  /** `pap_<id>`: the public part, recorded as the actor and shown in lists. */
  lookupId: string;
}

function base32(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

export function generateApiKey(): NewApiKey {
  const id = base32(randomBytes(16));
  const secret = `${KEY_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  return { secret, lookupId: `${KEY_PREFIX}${id}` };
}

/** The lookup id of a well-formed key, else null (nothing to look up). */
export function lookupIdOf(secret: string): string | null {
  const m = KEY.exec(secret);
  return m ? `${KEY_PREFIX}${m[1]}` : null;
}

export function hashApiKey(hashKey: Buffer, secret: string): Buffer {
  return createHmac('sha256', hashKey).update(secret).digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
