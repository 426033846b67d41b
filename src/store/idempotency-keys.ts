/**
 * Idempotency keys: claimed before a submission, completed with the response after it. The claim is one
 * statement, so of concurrent requests with one key exactly one wins; the others find the row. A claim
 * is taken over when the key has expired (any body: it is a new key) or when its first attempt left it in
 * progress past the lease (same body only: the caller is retrying it). Each claim also deletes a few
 * expired keys, so the table holds about the retention's worth.
 */
import type { Knex } from 'knex';
import { namedQuery } from './named-query.js';

/** The response a submission gave: its status, its JSON text as sent, and the document it is about. */
export interface StoredResponse {
  status: number;
  body: string;
  documentId: string;
}

export type Claim =
  | { kind: 'claimed'; token: string }
  | { kind: 'completed'; response: StoredResponse }
  | { kind: 'in-progress' }
  | { kind: 'other-body' };

interface KeyRow {
  request_sha256: Buffer;
  response_status: number | null;
  response_body: string | null;
  document_id: string | null;
}

const PURGE_BATCH = 100;

const CLAIM = `
  WITH purged AS (
    DELETE FROM idempotency_keys WHERE (owner, key) IN (
      SELECT owner, key FROM idempotency_keys
      WHERE created_at < now() - make_interval(hours => $3::int) AND NOT (owner = $5 AND key = $1)
      ORDER BY created_at LIMIT ${PURGE_BATCH} FOR UPDATE SKIP LOCKED))
  INSERT INTO idempotency_keys AS k (owner, key, request_sha256) VALUES ($5, $1, $2)
  ON CONFLICT (owner, key) DO UPDATE SET request_sha256 = excluded.request_sha256, created_at = now(), claimed_at = now(),
    claim_token = gen_random_uuid(), response_status = NULL, response_body = NULL, document_id = NULL, completed_at = NULL
  WHERE k.created_at < now() - make_interval(hours => $3::int)
     OR (k.response_status IS NULL AND k.claimed_at < now() - make_interval(secs => $4::float8 / 1000) AND k.request_sha256 = excluded.request_sha256)
  RETURNING claim_token`;

export class PostgresIdempotencyKeys {
  constructor(private readonly knex: Knex) {}

  /** Claims `key` in the space of `owner` (a tenant, or an operator key): two owners never share a key. */
  async claim(owner: string, key: string, requestSha256: Buffer, opts: { retentionHours: number; leaseMs: number }): Promise<Claim> {
    const [won] = await namedQuery<{ claim_token: string }>(this.knex, 'idempotency-claim', CLAIM, [key, requestSha256, opts.retentionHours, opts.leaseMs, owner]);
    if (won) return { kind: 'claimed', token: won.claim_token };
    const [row] = await namedQuery<KeyRow>(
      this.knex,
      'idempotency-read',
      'SELECT request_sha256, response_status, response_body, document_id FROM idempotency_keys WHERE owner = $2 AND key = $1',
      [key, owner],
    );
    // Released by its failed first attempt between the two statements: the key is free again.
    if (!row) return this.claim(owner, key, requestSha256, opts);
    if (!row.request_sha256.equals(requestSha256)) return { kind: 'other-body' };
    if (row.response_status === null) return { kind: 'in-progress' };
    return { kind: 'completed', response: { status: row.response_status, body: row.response_body!, documentId: row.document_id! } };
  }

  /** Records the response of the claim `token` (nothing when the claim was taken over meanwhile). */
  async complete(owner: string, key: string, token: string, response: StoredResponse): Promise<void> {
    await namedQuery(
      this.knex,
      'idempotency-complete',
      'UPDATE idempotency_keys SET response_status = $3, response_body = $4, document_id = $5, completed_at = now() WHERE owner = $6 AND key = $1 AND claim_token = $2',
      [key, token, response.status, response.body, response.documentId, owner],
    );
  }

  /** Frees the key of a claim whose submission failed, so that the caller's retry is a new attempt. */
  async release(owner: string, key: string, token: string): Promise<void> {
    await namedQuery(this.knex, 'idempotency-release', 'DELETE FROM idempotency_keys WHERE owner = $3 AND key = $1 AND claim_token = $2 AND response_status IS NULL', [key, token, owner]);
  }
}
