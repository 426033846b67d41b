/**
 * `archive verify`: recomputes the chain over a range of entries and compares each entry with what it is
 * about, as it is now:
 *  - the chain: seq without gaps, prevHash the entry hash before, entryHash recomputed from the fields;
 *  - a document: the archive's copy of its bytes, the transit payload while it is there, and the
 *    documents row's payload_sha256; a copy may be absent only after an archive purge on or after its
 *    archive_until day;
 *  - a receipt: the archive's copy and the receipt in as4_messages;
 *  - a report: the documents row's validation report; an event: the document_events row, every column;
 *  - each checkpoint in the range: its signature under its certificate (or the one given) and its hash.
 * It names the first entry that no longer matches, and counts the others.
 */
import type { X509Certificate } from 'node:crypto';
import { chain, eventContent, GENESIS, reportContent, sha256Hex, type EntryKind } from '../archive/chain.js';
import { checkpointProblem } from '../archive/checkpoint.js';
import type { PostgresArchiveStore, StoredEntry } from '../store/archive.js';
import type { PayloadStore } from '../store/payloads.js';
import { archiveKey } from './archiver.js';

export interface EntryProblem {
  seq: number;
  kind: EntryKind | null;
  ref: string | null;
  documentId: string | null;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  from: number;
  to: number;
  entries: number;
  checkpoints: number;
  /** Documents whose archive copies retention purged (hashes still chained). */
  purged: number;
  /** The first entry that does not match, or null. */
  firstProblem: EntryProblem | null;
  problems: number;
  /** The first problems, at most 100. */
  listed: EntryProblem[];
}

const PAGE = 200;

export async function verifyArchive(
  deps: { store: PostgresArchiveStore; payloads: PayloadStore; archive: PayloadStore },
  range: { from?: number; to?: number; certificate?: X509Certificate } = {},
): Promise<VerifyResult> {
  const { store } = deps;
  const head = await store.head();
  const from = Math.max(1, range.from ?? 1);
  const to = Math.min(range.to ?? head?.seq ?? 0, head?.seq ?? 0);
  const result: VerifyResult = { ok: true, from, to, entries: 0, checkpoints: 0, purged: 0, firstProblem: null, problems: 0, listed: [] };
  const report = (p: EntryProblem) => {
    result.ok = false;
    result.problems++;
    result.firstProblem ??= p;
    if (result.listed.length < 100) result.listed.push(p);
  };
  if (to < from) return result;
  let prev = GENESIS;
  if (from > 1) {
    const before = await store.entry(from - 1);
    if (!before) report({ seq: from - 1, kind: null, ref: null, documentId: null, problem: `entry ${from - 1} is missing` });
    else prev = before.entryHash;
  }
  let expected = from;
  for (let at = from; at <= to; ) {
    const page = await store.entries(at, to, PAGE);
    if (page.length === 0) break;
    for (const e of page) {
      if (e.seq !== expected) report({ seq: expected, kind: null, ref: null, documentId: null, problem: `entries ${expected} to ${e.seq - 1} are missing` });
      if (e.prevHash !== prev) report(problemOf(e, `its previous hash is not the hash of entry ${e.seq - 1}`));
      const recomputed = chain(e.prevHash, e).entryHash;
      if (recomputed !== e.entryHash) report(problemOf(e, 'its fields no longer give its entry hash'));
      prev = e.entryHash;
      expected = e.seq + 1;
    }
    for (const p of await contentProblems(deps, page, result)) report(p);
    // The checkpoints of this page, against its entries (a page at a time: memory stays bounded over years of entries).
    const bySeq = new Map(page.map((e) => [e.seq, e.entryHash]));
    for (const c of await store.checkpoints(page[0]!.seq, page[page.length - 1]!.seq)) {
      result.checkpoints++;
      const problem = checkpointProblem(c, range.certificate) ?? (bySeq.get(c.seq) !== c.entryHash ? `checkpoint ${c.seq} signed another hash than entry ${c.seq} has` : null);
      if (problem) report({ seq: c.seq, kind: null, ref: null, documentId: null, problem });
    }
    result.entries += page.length;
    at = page[page.length - 1]!.seq + 1;
  }
  if (expected <= to) report({ seq: expected, kind: null, ref: null, documentId: null, problem: `entries ${expected} to ${to} are missing` });
  result.listed.sort((a, b) => a.seq - b.seq);
  result.firstProblem = result.listed[0] ?? null;
  return result;
}

const problemOf = (e: StoredEntry, problem: string): EntryProblem => ({ seq: e.seq, kind: e.kind, ref: e.ref, documentId: e.documentId, problem });

async function contentProblems(deps: { store: PostgresArchiveStore; payloads: PayloadStore; archive: PayloadStore }, page: StoredEntry[], result: VerifyResult): Promise<EntryProblem[]> {
  const { store } = deps;
  const refs = (kind: EntryKind) => page.filter((e) => e.kind === kind).map((e) => e.ref);
  const [events, receipts, documents] = await Promise.all([
    store.currentEvents(refs('event')),
    store.currentReceipts(refs('receipt')),
    store.currentDocuments([...new Set(page.map((e) => e.documentId))]),
  ]);
  const problems: EntryProblem[] = [];
  const copyProblem = async (e: StoredEntry, key: string): Promise<void> => {
    if (!e.kept) return;
    const copy = await deps.archive.get(key);
    if (copy) {
      if (sha256Hex(copy) !== e.contentSha256) problems.push(problemOf(e, `the archive copy (${key}) differs from what was archived`));
      return;
    }
    const d = documents.get(e.documentId);
    const purgedInTime = d?.archivePurgedAt && d.archiveUntil && d.archivePurgedAt.toISOString().slice(0, 10) >= d.archiveUntil;
    if (purgedInTime) {
      if (e.kind === 'document') result.purged++;
    } else problems.push(problemOf(e, `the archive copy (${key}) is missing, and no purge after its retention period explains it`));
  };
  for (const e of page) {
    switch (e.kind) {
      case 'document': {
        const d = documents.get(e.documentId);
        if (!d) problems.push(problemOf(e, 'the document row is gone'));
        else if (d.payloadSha256 !== e.contentSha256) problems.push(problemOf(e, "the document row's payload_sha256 differs from what was archived"));
        const transit = await deps.payloads.get(e.documentId);
        if (transit && sha256Hex(transit) !== e.contentSha256) problems.push(problemOf(e, 'the transit payload differs from what was archived'));
        await copyProblem(e, archiveKey.document(e.documentId));
        break;
      }
      case 'receipt': {
        const current = receipts.get(e.ref);
        if (!current) problems.push(problemOf(e, 'the receipt is gone from as4_messages'));
        else if (sha256Hex(current) !== e.contentSha256) problems.push(problemOf(e, 'the receipt in as4_messages differs from what was archived'));
        await copyProblem(e, archiveKey.receipt(e.ref));
        break;
      }
      case 'report': {
        const d = documents.get(e.documentId);
        if (!d || d.validationReport === null || d.validationReport === undefined) problems.push(problemOf(e, 'the validation report is gone'));
        else if (sha256Hex(reportContent(d.validationReport)) !== e.contentSha256) problems.push(problemOf(e, 'the validation report differs from what was archived'));
        break;
      }
      case 'event': {
        const current = events.get(e.ref);
        if (!current) problems.push(problemOf(e, 'the event row is gone from document_events'));
        else if (sha256Hex(eventContent(current)) !== e.contentSha256) problems.push(problemOf(e, 'the event row differs from what was archived'));
        break;
      }
    }
  }
  return problems;
}
