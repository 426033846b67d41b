/**
 * The archive's use cases for the API, the console and the CLI: verify the chain, export a tenant's
 * period as a ZIP that verifies offline (src/archive/export.ts), and legal holds.
 */
import type { X509Certificate } from 'node:crypto';
import { eventContent, GENESIS, leafOf, reportContent } from '../archive/chain.js';
import { buildExport, type ExportDocument, type ExportFile, type ProofLine } from '../archive/export.js';
import type { Principal } from '../auth/principal.js';
import { ApError } from '../errors.js';
import { archiveKey, type Archiver } from '../pipeline/archiver.js';
import { verifyArchive, type VerifyResult } from '../pipeline/archive-verify.js';
import type { LegalHold, PostgresArchiveStore } from '../store/archive.js';
import type { PayloadStore } from '../store/payloads.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ArchiveServiceDeps {
  store: PostgresArchiveStore;
  archiver: Archiver;
  payloads: PayloadStore;
  archive: PayloadStore;
  /** An export's bounds: payload bytes of its documents, and entries its proof may span. */
  exportMaxBytes: number;
  exportMaxProofEntries: number;
  clock?: () => Date;
}

export interface ExportRequest {
  /** Required for an operator key; a tenant key exports its own tenant (or a grantor's through a mandate). */
  tenantId?: string;
  /** Documents stored in [from, to). */
  from: Date;
  to: Date;
}

export class ArchiveService {
  constructor(private readonly deps: ArchiveServiceDeps) {}

  /** Appends what is committed, then recomputes the chain over [from, to] (entry numbers). */
  async verify(range: { from?: number; to?: number; certificate?: X509Certificate } = {}): Promise<VerifyResult> {
    await this.deps.archiver.catchUp();
    return verifyArchive(this.deps, range);
  }

  /** The entry numbers archived in a period of time, for `verify --from <date>`. */
  seqRange(from: Date, to: Date): Promise<{ first: number; last: number } | null> {
    return this.deps.store.seqRange(from, to);
  }

  async export(by: Principal, q: ExportRequest): Promise<{ zip: Uint8Array; filename: string; documents: number }> {
    if (!(q.from.getTime() < q.to.getTime())) throw new ApError('api.bad-request', 'from must be before to');
    const tenantId = q.tenantId ?? by.tenantId;
    if (!tenantId) throw new ApError('api.bad-request', 'tenant is required with an operator key');
    // A tenant the key may not read is answered as if it did not exist.
    // Outbound documents with `send`, inbound ones with `inbox`; an operator's `admin` reads both.
    const may = (scope: 'send' | 'inbox') => by.can(scope, tenantId) || (by.operator && by.scopes.has('admin'));
    const directions = [...(may('send') ? (['outbound'] as const) : []), ...(may('inbox') ? (['inbound'] as const) : [])];
    if (directions.length === 0 || !UUID.test(tenantId) || !(await this.deps.store.exists('tenants', tenantId))) throw new ApError('api.not-found', `Tenant ${tenantId} not found`);
    const { store, archiver } = this.deps;
    await archiver.catchUp();
    const documents = await store.tenantDocuments(tenantId, directions, q.from, q.to);
    const bytes = documents.reduce((n, d) => n + d.payloadSize, 0);
    if (bytes > this.deps.exportMaxBytes) {
      throw new ApError('api.bad-request', `The period holds ${bytes} bytes of documents, more than the ${this.deps.exportMaxBytes} an export may (ARCHIVE_EXPORT_MAX_BYTES): choose a shorter period`);
    }
    const entries = await store.entriesOfDocuments(documents.map((d) => d.documentId));
    // Signed now where this process holds the AP key; else (a command without it) the first one after these entries.
    const checkpoint = (await archiver.checkpointNow()) ?? (entries.length > 0 ? await store.checkpointFrom(entries[entries.length - 1]!.seq) : null);
    const files: ExportFile[] = [];
    const lines: ProofLine[] = [];
    let startPrevHash = GENESIS;
    if (entries.length > 0) {
      const first = entries[0]!.seq;
      const last = checkpoint?.seq ?? (await store.head())!.seq;
      if (last - first + 1 > this.deps.exportMaxProofEntries) {
        throw new ApError('api.bad-request', `The proof of this period spans ${last - first + 1} archive entries, more than ${this.deps.exportMaxProofEntries}: choose a shorter period`);
      }
      startPrevHash = first > 1 ? (await store.entry(first - 1))!.entryHash : GENESIS;
      const own = new Set(documents.map((d) => d.documentId));
      for await (const e of store.span(first, last)) {
        const { seq, kind, ref, documentId, contentSha256, kept, entryHash } = e;
        lines.push(own.has(documentId) ? { seq, kind, ref, documentId, contentSha256, kept, entryHash } : { seq, leaf: leafOf(e) });
      }
      const [events, current] = await Promise.all([
        store.currentEvents(entries.filter((e) => e.kind === 'event').map((e) => e.ref)),
        store.currentDocuments(documents.map((d) => d.documentId)),
      ]);
      let receiptNo = 0;
      for (const e of entries) {
        const dir = `documents/${e.documentId}`;
        const purged = current.get(e.documentId)?.archivePurgedAt != null;
        const file = (path: string, content: Buffer | null): ExportFile => ({
          path: `${dir}/${path}`,
          content,
          entry: e.seq,
          kind: e.kind,
          documentId: e.documentId,
          ...(content ? {} : { absent: e.kind === 'document' && !e.kept ? ('not-kept' as const) : purged && (e.kind === 'document' || e.kind === 'receipt') ? ('purged' as const) : ('missing' as const) }),
        });
        if (e.kind === 'document') files.push(file('document.xml', e.kept ? await this.deps.archive.get(archiveKey.document(e.documentId)) : null));
        else if (e.kind === 'receipt') files.push(file(`receipt-${++receiptNo}.xml`, await this.deps.archive.get(archiveKey.receipt(e.ref))));
        else if (e.kind === 'report') {
          const report = current.get(e.documentId)?.validationReport;
          files.push(file('validation-report.json', report ? reportContent(report) : null));
        } else {
          const event = events.get(e.ref);
          files.push(file(`events/${e.ref}.json`, event ? eventContent(event) : null));
        }
      }
    }
    const now = this.deps.clock?.() ?? new Date();
    const zip = buildExport({
      tenantId,
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      createdAt: now.toISOString(),
      documents: documents.map(({ payloadSize: _, ...d }): ExportDocument => d),
      files,
      proof: { startPrevHash, lines },
      checkpoint,
    });
    const day = (d: Date) => d.toISOString().slice(0, 10);
    return { zip, filename: `archive-${tenantId}-${day(q.from)}-${day(q.to)}.zip`, documents: documents.length };
  }

  /** Stops every purge of a tenant's documents, or of one document, until released. */
  async placeHold(by: string, on: { tenantId: string } | { documentId: string }, reason: string): Promise<LegalHold> {
    if (!reason.trim()) throw new ApError('api.bad-request', 'A legal hold needs a reason');
    const [what, id] = 'tenantId' in on ? ['tenant', on.tenantId] : ['document', on.documentId];
    if (!UUID.test(id) || !(await this.deps.store.exists(what === 'tenant' ? 'tenants' : 'documents', id))) throw new ApError('api.not-found', `No ${what} ${id}`);
    return this.deps.store.placeHold({ tenantId: 'tenantId' in on ? on.tenantId : null, documentId: 'documentId' in on ? on.documentId : null, reason, placedBy: by });
  }

  async releaseHold(by: string, id: string): Promise<LegalHold> {
    if (!UUID.test(id)) throw new ApError('api.not-found', `No active legal hold ${id}`);
    const hold = await this.deps.store.releaseHold(id, by);
    if (!hold) throw new ApError('api.not-found', `No active legal hold ${id}`);
    return hold;
  }

  holds(activeOnly: boolean): Promise<LegalHold[]> {
    return this.deps.store.holds(activeOnly);
  }
}
