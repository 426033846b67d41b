/**
 * The archive's hash chain, as plain functions that a verifier without our database (an export read
 * offline, a third party's script) computes the same way.
 *
 *   leaf(e)       = SHA-256 of the text "peppol-ap archive entry v1", seq, kind, ref, document id,
 *                   content SHA-256 and kept (1/0), one per line
 *   entryHash(e)  = SHA-256 of the text prevHash + leaf(e) (lowercase hex, 128 characters)
 *   prevHash(1)   = 64 zeros; prevHash(n) = entryHash(n - 1)
 *
 * An export's proof gives, for the entries of other tenants between its own, only their leaf: the chain
 * can be recomputed through them without showing what they are about.
 */
import { createHash } from 'node:crypto';

export const GENESIS = '0'.repeat(64);

export type EntryKind = 'document' | 'receipt' | 'report' | 'event';

/** What an entry says about one piece of content. */
export interface EntryFields {
  seq: number;
  kind: EntryKind;
  ref: string;
  documentId: string;
  contentSha256: string;
  kept: boolean;
}

export interface ChainedEntry extends EntryFields {
  prevHash: string;
  entryHash: string;
}

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export function leafOf(e: EntryFields): string {
  return sha256Hex(['peppol-ap archive entry v1', String(e.seq), e.kind, e.ref, e.documentId, e.contentSha256, e.kept ? '1' : '0'].join('\n'));
}

export function chainHash(prevHash: string, leaf: string): string {
  return sha256Hex(prevHash + leaf);
}

/** Chains `fields` after the entry whose hash is `prevHash`. */
export function chain(prevHash: string, fields: EntryFields): ChainedEntry {
  return { ...fields, prevHash, entryHash: chainHash(prevHash, leafOf(fields)) };
}

/** JSON with object keys sorted at every level: one text for one value, whatever order it was built in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** A timeline event as the archive hashes it: every column, `at` in UTC to the microsecond. */
export interface ArchivedEvent {
  id: string;
  documentId: string;
  at: string;
  type: string;
  fromStatus: string | null;
  toStatus: string | null;
  reason: string | null;
  actor: string;
  details: unknown;
}

export const eventContent = (e: ArchivedEvent): Buffer => Buffer.from(canonicalJson(e), 'utf8');

/** A validation report as the archive hashes it. */
export const reportContent = (report: unknown): Buffer => Buffer.from(canonicalJson(report), 'utf8');
