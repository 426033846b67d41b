/**
 * An archive export: one ZIP that a tenant (or an auditor it hands it to) checks without our database.
 *
 *   manifest.json      what is in it: the period, the documents, and every file with its SHA-256 and the
 *                      archive entry that covers it
 *   documents/<id>/    document.xml (the original bytes), receipt-<n>.xml (the AS4 receipts),
 *                      validation-report.json, events/<event id>.json (each timeline event as the chain
 *                      hashes it, src/archive/chain.ts)
 *   proof.jsonl        the chain from the first exported entry to a signed checkpoint: line 1 the hash
 *                      before that entry, then one line per entry, in full for the export's own and only
 *                      seq and leaf for the others (other tenants' entries, whose content stays private)
 *   checkpoint.json    the checkpoint that ends the proof, signed with our AP key (src/archive/checkpoint.ts)
 *
 * verifyExport recomputes each file's hash, the chain through the proof, and the checkpoint's signature.
 */
import { X509Certificate } from 'node:crypto';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { chainHash, leafOf, sha256Hex, type EntryFields, type EntryKind } from './chain.js';
import { checkpointProblem, type Checkpoint } from './checkpoint.js';

export const EXPORT_FORMAT = 'peppol-ap archive export v1';

export interface ExportFile {
  path: string;
  /** Null: the archive no longer has the bytes. */
  content: Buffer | null;
  /** Why the content is null: purged after its retention period, never kept (a document stored without its payload), or missing (which verification reports). */
  absent?: Absent;
  entry: number;
  kind: EntryKind;
  documentId: string;
}

export interface ExportDocument {
  documentId: string;
  direction: string;
  documentKind: string | null;
  invoiceNumber: string | null;
  issueDate: string | null;
  senderId: string | null;
  receiverId: string | null;
}

/** One line of the proof after the first: an exported entry in full, or another one's leaf. */
export type ProofLine = (EntryFields & { entryHash: string }) | { seq: number; leaf: string };

export interface ExportInput {
  tenantId: string;
  from: string;
  to: string;
  createdAt: string;
  documents: ExportDocument[];
  files: ExportFile[];
  proof: { startPrevHash: string; lines: ProofLine[] };
  checkpoint: Checkpoint | null;
}

export type Absent = 'purged' | 'not-kept' | 'missing';

interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
  entry: number;
  kind: EntryKind;
  documentId: string;
  /** Present when the bytes are not in the export. */
  absent?: Absent;
}

export function buildExport(input: ExportInput): Uint8Array {
  const files: Zippable = {};
  const manifestFiles: ManifestFile[] = [];
  for (const f of input.files) {
    if (f.content) files[f.path] = new Uint8Array(f.content.buffer, f.content.byteOffset, f.content.length);
    manifestFiles.push({ path: f.path, sha256: f.content ? sha256Hex(f.content) : '', size: f.content?.length ?? 0, entry: f.entry, kind: f.kind, documentId: f.documentId, ...(f.content ? {} : { absent: f.absent ?? 'missing' }) });
  }
  const manifest = { format: EXPORT_FORMAT, tenantId: input.tenantId, from: input.from, to: input.to, createdAt: input.createdAt, documents: input.documents, files: manifestFiles };
  files['manifest.json'] = strToU8(JSON.stringify(manifest, null, 2));
  files['proof.jsonl'] = strToU8([JSON.stringify({ startPrevHash: input.proof.startPrevHash }), ...input.proof.lines.map((l) => JSON.stringify(l))].join('\n') + '\n');
  if (input.checkpoint) files['checkpoint.json'] = strToU8(JSON.stringify(input.checkpoint, null, 2));
  // XML and JSON compress well; level 6 is zlib's default trade-off.
  return zipSync(files, { level: 6 });
}

export interface ExportVerification {
  ok: boolean;
  tenantId: string | null;
  from: string | null;
  to: string | null;
  documents: number;
  files: number;
  purged: number;
  /** The proof's entries, and the checkpoint it ends in. */
  entries: number;
  checkpoint: { seq: number; signedAt: string; signer: string } | null;
  problems: string[];
}

/** Bounds for an untrusted ZIP: what it may expand to. */
const MAX_EXPANDED_BYTES = 4 * 1024 * 1024 * 1024;

/** Checks an export offline; `certificate`: the AP certificate to trust (default the one it carries). */
export function verifyExport(zip: Uint8Array, certificate?: X509Certificate): ExportVerification {
  const out: ExportVerification = { ok: false, tenantId: null, from: null, to: null, documents: 0, files: 0, purged: 0, entries: 0, checkpoint: null, problems: [] };
  const problem = (p: string) => out.problems.length < 100 && out.problems.push(p);
  let expanded = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (f) => {
        expanded += f.originalSize;
        if (expanded > MAX_EXPANDED_BYTES) throw new Error(`the ZIP expands to more than ${MAX_EXPANDED_BYTES} bytes`);
        return true;
      },
    });
  } catch (err) {
    problem(`not a readable ZIP: ${(err as Error).message}`);
    return out;
  }
  const json = (path: string): unknown => {
    const f = files[path];
    if (!f) throw new Error(`${path} is missing`);
    return JSON.parse(strFromU8(f));
  };
  let manifest: { format: string; tenantId: string; from: string; to: string; documents: unknown[]; files: ManifestFile[] };
  try {
    manifest = json('manifest.json') as typeof manifest;
    if (manifest.format !== EXPORT_FORMAT) throw new Error(`manifest.json is not a ${EXPORT_FORMAT}`);
  } catch (err) {
    problem((err as Error).message);
    return out;
  }
  Object.assign(out, { tenantId: manifest.tenantId, from: manifest.from, to: manifest.to, documents: manifest.documents.length, files: manifest.files.length });

  // The chain through the proof.
  const lines = strFromU8(files['proof.jsonl'] ?? new Uint8Array()).split('\n').filter(Boolean);
  if (lines.length === 0) {
    problem('proof.jsonl is missing or empty');
    return out;
  }
  const full = new Map<number, EntryFields & { entryHash: string }>();
  let prev = (JSON.parse(lines[0]!) as { startPrevHash: string }).startPrevHash;
  let lastSeq: number | null = null;
  for (const text of lines.slice(1)) {
    const line = JSON.parse(text) as ProofLine;
    if (lastSeq !== null && line.seq !== lastSeq + 1) problem(`proof: entry ${lastSeq + 1} is missing (next is ${line.seq})`);
    const leaf = 'leaf' in line ? line.leaf : leafOf(line);
    prev = chainHash(prev, leaf);
    if (!('leaf' in line)) {
      if (prev !== line.entryHash) problem(`proof: entry ${line.seq} does not give its entry hash`);
      full.set(line.seq, line);
    }
    lastSeq = line.seq;
    out.entries++;
  }

  // The checkpoint that anchors it.
  const checkpoint = files['checkpoint.json'] ? (json('checkpoint.json') as Checkpoint) : null;
  if (!checkpoint) problem('checkpoint.json is missing: the proof is not anchored by a signature');
  else {
    const signer = (() => {
      try {
        return (certificate ?? new X509Certificate(checkpoint.certificate)).subject.replace(/\n/g, ', ');
      } catch {
        return '(unreadable certificate)';
      }
    })();
    out.checkpoint = { seq: checkpoint.seq, signedAt: checkpoint.signedAt, signer };
    const bad = checkpointProblem(checkpoint, certificate);
    if (bad) problem(bad);
    if (checkpoint.seq !== lastSeq || checkpoint.entryHash !== prev) problem(`the proof does not end in checkpoint ${checkpoint.seq}: the chain recomputed to entry ${lastSeq} gives another hash`);
  }

  // Every file: its bytes, its manifest hash, its entry.
  const covered = new Set<number>();
  for (const f of manifest.files) {
    const entry = full.get(f.entry);
    covered.add(f.entry);
    if (!entry) {
      problem(`${f.path}: its entry ${f.entry} is not in the proof`);
      continue;
    }
    if (entry.kind !== f.kind || entry.documentId !== f.documentId) problem(`${f.path}: entry ${f.entry} is about another ${entry.kind} (${entry.documentId})`);
    if (f.absent === 'purged') {
      out.purged++;
      continue;
    }
    if (f.absent === 'not-kept') {
      if (entry.kept) problem(`${f.path}: entry ${f.entry} says its bytes were kept`);
      continue;
    }
    if (f.absent) {
      problem(`${f.path}: the archive did not have these bytes when it exported them, and retention had not purged them`);
      continue;
    }
    const bytes = files[f.path];
    if (!bytes) {
      problem(`${f.path} is missing from the ZIP`);
      continue;
    }
    const hash = sha256Hex(Buffer.from(bytes));
    if (hash !== f.sha256) problem(`${f.path}: its SHA-256 is not the manifest's`);
    if (hash !== entry.contentSha256) problem(`${f.path}: its SHA-256 is not the one archive entry ${f.entry} chains`);
  }
  for (const seq of full.keys()) if (!covered.has(seq)) problem(`proof: entry ${seq} of this export has no file in the manifest`);
  out.ok = out.problems.length === 0;
  return out;
}
