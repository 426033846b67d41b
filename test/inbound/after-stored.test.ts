/**
 * The after-stored handlers: each gets the stored, validated documents of a batch inside the batch's one
 * transaction, in list order; one that throws rolls the batch back, so its documents stay `received`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AfterStoredHandler, StoredDocument } from '../../src/pipeline/after-stored.js';
import { inboxFiling } from '../../src/pipeline/inbox-filing.js';
import { InboundHandover } from '../../src/pipeline/inbound-handover.js';
import { inlineValidationRunner } from '../../src/pipeline/inbound-validation.js';
import { createDocument } from '../../src/pipeline/state-machine.js';
import { PostgresDocumentStore } from '../../src/store/documents.js';
import { PostgresPayloadStore } from '../../src/store/payloads.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { BUYER, fullValidator, INVOICE_XML, SUPPLIER } from './support.js';

describe('after-stored handlers', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let documents: PostgresDocumentStore;
  before(async () => {
    db = await createTestDatabase({ prefix: 'ap_after_stored' });
    documents = new PostgresDocumentStore(db.knex, new PostgresPayloadStore(db.knex));
  });
  after(() => db?.drop());

  async function received(n: number, tag: string): Promise<{ ids: string[]; xml: Buffer[] }> {
    const out = { ids: [] as string[], xml: [] as Buffer[] };
    for (let i = 0; i < n; i++) {
      const xml = Buffer.from(INVOICE_XML.toString('utf8').replace('<cbc:ID>Snippet1</cbc:ID>', `<cbc:ID>${tag}-${i}</cbc:ID>`));
      const doc = await createDocument(
        documents,
        {
          direction: 'inbound',
          status: 'received',
          senderId: SUPPLIER,
          receiverId: BUYER,
          documentKind: 'Invoice',
          documentType: null,
          process: null,
          invoiceNumber: null,
          issueDate: null,
          payloadSha256: createHash('sha256').update(xml).digest('hex'),
          validationReport: null,
        },
        xml,
        { actor: 'test' },
      );
      out.ids.push(doc.id);
      out.xml.push(xml);
    }
    return out;
  }

  it('a handler after inbox routing sees the batch routed, in the same transaction', async () => {
    const seen: Array<{ documents: StoredDocument[]; statuses: string[] }> = [];
    const witness: AfterStoredHandler = {
      name: 'witness',
      async handle(batch, tx) {
        const rows = await tx('documents').whereIn('id', batch.map((d) => d.id)).select('status');
        seen.push({ documents: [...batch], statuses: rows.map((r) => r.status as string) });
      },
    };
    const { ids, xml } = await received(3, 'AFTER');
    const handover = new InboundHandover({ documents, runner: inlineValidationRunner(await fullValidator()), handlers: [inboxFiling(documents), witness], batchDelayMs: 20 });
    ids.forEach((id, i) => handover.enqueue(id, xml[i]));
    await handover.idle();
    assert.deepEqual(seen.flatMap((s) => s.documents.map((d) => d.id)).sort(), [...ids].sort());
    assert.ok(seen.every((s) => s.statuses.every((st) => st === 'available')));
    assert.ok(seen.every((s) => s.documents.every((d) => d.report.valid && d.invoiceNumber?.startsWith('AFTER-') && d.duplicateOf === null)));
  });

  it('queued documents without their bytes (past the queue\'s memory, or recovered) are read back many per statement', async () => {
    const { ids } = await received(150, 'READBACK');
    let reads = 0;
    const count = (q: { sql: string }) => {
      if (/^\s*select/i.test(q.sql) && /\bpayloads\b/.test(q.sql)) reads++;
    };
    db.knex.on('query', count);
    try {
      const handover = new InboundHandover({ documents, runner: inlineValidationRunner(await fullValidator()), handlers: [inboxFiling(documents)], batchDelayMs: 20 });
      for (const id of ids) handover.enqueue(id);
      await handover.idle();
    } finally {
      db.knex.off('query', count);
    }
    const statuses = (await db.knex('documents').whereIn('id', ids).select('status')) as Array<{ status: string }>;
    assert.ok(statuses.every((s) => s.status === 'available'), JSON.stringify(statuses.filter((s) => s.status !== 'available')));
    // One statement per document before: under load each waited behind the receipts for a connection.
    assert.ok(reads <= 2, `${reads} payload reads for 150 documents`);
  });

  it('a handler that throws rolls the batch back: its documents stay received', async () => {
    const failing: AfterStoredHandler = {
      name: 'failing',
      async handle() {
        throw new Error('handler down');
      },
    };
    const { ids, xml } = await received(2, 'ROLLBACK');
    const handover = new InboundHandover({ documents, runner: inlineValidationRunner(await fullValidator()), handlers: [inboxFiling(documents), failing], batchDelayMs: 20 });
    ids.forEach((id, i) => handover.enqueue(id, xml[i]));
    await handover.idle();
    for (const id of ids) assert.equal((await documents.get(id))?.status, 'received');
  });
});
