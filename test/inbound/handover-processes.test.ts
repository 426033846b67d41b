/**
 * Routing with several processes on one database (a second instance, or a restart racing the old one):
 * copies of one invoice routed at the same moment by different routers still leave exactly one copy in the
 * inbox. Each router has its own connection pool, as a separate process would.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { inboxFiling } from '../../src/pipeline/inbox-filing.js';
import { InboundHandover } from '../../src/pipeline/inbound-handover.js';
import { inlineValidationRunner } from '../../src/pipeline/inbound-validation.js';
import { createDocument } from '../../src/pipeline/state-machine.js';
import { createKnex } from '../../src/store/db.js';
import { PostgresDocumentStore } from '../../src/store/documents.js';
import { PostgresPayloadStore } from '../../src/store/payloads.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { BUYER, fullValidator, INVOICE_XML, SUPPLIER } from './support.js';

describe('inbound routing across processes', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db?.drop());

  it('among copies of one invoice routed by two processes at once, exactly one reaches the inbox', async () => {
    const validator = await fullValidator();
    const pools = [createKnex({ url: db.url, poolMax: 4 }), createKnex({ url: db.url, poolMax: 4 })];
    try {
      const stores = pools.map((k) => new PostgresDocumentStore(k, new PostgresPayloadStore(k)));
      for (let round = 0; round < 5; round++) {
        const number = `XPROC-${round}`;
        const xml = Buffer.from(INVOICE_XML.toString('utf8').replace('<cbc:ID>Snippet1</cbc:ID>', `<cbc:ID>${number}</cbc:ID>`));
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) {
          const doc = await createDocument(
            stores[0]!,
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
          ids.push(doc.id);
        }
        // Both routers get their copies at the same moment and wait the same batching delay.
        const routers = stores.map((documents) => new InboundHandover({ documents, runner: inlineValidationRunner(validator), handlers: [inboxFiling(documents)], batchDelayMs: 20 }));
        ids.forEach((id, i) => routers[i % 2]!.enqueue(id, xml));
        await Promise.all(routers.map((r) => r.idle()));
        const docs = await db.knex('documents').whereIn('id', ids);
        const available = docs.filter((d) => d.status === 'available');
        assert.equal(available.length, 1, `round ${round}: ${JSON.stringify(docs.map((d) => d.status))}`);
        for (const d of docs.filter((x) => x.id !== available[0].id)) {
          assert.equal(d.status, 'rejected');
          assert.equal(d.duplicate_of, available[0].id);
        }
      }
    } finally {
      await Promise.all(pools.map((k) => k.destroy()));
    }
  });
});
