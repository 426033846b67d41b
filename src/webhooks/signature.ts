/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, "Signature scheme"): a secret is `whsec_`
 * followed by base64 key bytes; a signature is `v1,` + base64 HMAC-SHA256 over `${id}.${timestamp}.${body}`
 * with the decoded key; the `webhook-signature` header lists one signature per active secret, separated
 * by spaces, so that a receiver holding either secret verifies a message during a rotation.
 */
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';
// 256-bit keys; the specification asks for 24 to 64 bytes.
const KEY_BYTES = 32;

export function newSecret(): string {
  return PREFIX + randomBytes(KEY_BYTES).toString('base64');
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new Error('a webhook secret starts with whsec_');
  return Buffer.from(secret.slice(PREFIX.length), 'base64');
}

/** One `v1,<base64>` signature of a message. `timestamp`: seconds since the epoch. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  return 'v1,' + createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** The three Standard Webhooks headers of one attempt, signed with every secret in `secrets`. */
export function webhookHeaders(secrets: readonly string[], id: string, timestamp: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => sign(s, id, timestamp, body)).join(' '),
  };
}
