/** Start-up recovery of stored-but-unrouted documents, the worker-thread validator, and duplicate retention. */
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { buildAfterStoredHandlers, buildInbound, buildServedHere, buildStores, Closers } from '../../src/composition/index.js';
import { inlineValidationRunner, workerValidationRunner } from '../../src/pipeline/inbound-validation.js';
import { as4Fixture } from '../as4/fixtures.js';
import { SCHEMATRON_DIR, UBL_SCHEMAS_DIR } from '../support/artifacts.js';
import { fullValidator, INVOICE_XML, OWN_ENDPOINT_URL, message, post, sbd, startInboundEnv, type InboundEnv } from './support.js';

describe('inbound recovery and retention', function () {
  this.timeout(120_000);
  let env: InboundEnv;
  before(async () => {
    env = await startInboundEnv();
  });
  after(() => env?.close());

  it('a document stored (receipt sent) but not routed before a stop is validated and routed at the next start', async () => {
    await env.service.handover.stop(); // as if the process died right after the receipt
    const m = await message(sbd({ xml: INVOICE_XML.toString().replace('Snippet1', 'RECOVER-1') }));
    assert.equal((await post(env.url, m)).status, 200);
    const rec = await env.db.knex('as4_messages').where({ message_id: m.messageId }).first();
    assert.equal((await env.documents.get(rec.document_id))?.status, 'received');

    const f = as4Fixture();
    const stores = buildStores(env.db.knex);
    const logger = pino({ level: 'silent' });
    const closers = new Closers(logger);
    const next = await buildInbound(
      { duplicateRetentionMs: 86_400_000, maxMessageBytes: 100 * 1024 * 1024 },
      {
        stores,
        identity: f.receiverId,
        seatId: 'POP000002',
        certificateValidator: f.validator,
        validation: inlineValidationRunner(await fullValidator()),
        served: buildServedHere(stores, { ownEndpointUrl: OWN_ENDPOINT_URL, cacheMs: 0 }),
        handlers: buildAfterStoredHandlers(stores),
        concurrency: 1,
        logger,
      },
      closers,
    );
    try {
      await next.handover.idle();
      assert.equal((await env.documents.get(rec.document_id))?.status, 'available');
      assert.ok(next.handover.handedOver >= 1);
    } finally {
      await closers.closeAll(Date.now() + 10_000);
    }
  });

  it('after the retention, a MessageId is no longer a duplicate (keys released, records kept)', async () => {
    const m = await message(sbd({ xml: INVOICE_XML.toString().replace('Snippet1', 'RETAIN-1') }));
    const first = await post(env.url, m);
    assert.equal(first.status, 200);
    const released = await env.service.messages.releaseExpiredKeys(0, new Date(Date.now() + 1000));
    assert.ok(released >= 1);
    const again = await post(env.url, m);
    assert.equal(again.status, 200);
    assert.ok(!again.body.equals(first.body), 'a new receipt: the old key was released');
    const recs = await env.db.knex('as4_messages').where({ message_id: m.messageId });
    assert.equal(recs.length, 2, 'both records are kept as evidence');
  });

  it('the worker-thread validator gives the same verdicts as the in-thread one', async () => {
    const pool = await workerValidationRunner({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: SCHEMATRON_DIR, maxBytes: 10 << 20, workers: 1 });
    try {
      const inline = await fullValidator();
      const broken = Buffer.from(INVOICE_XML.toString().replace(/<cbc:IssueDate>[^<]*<\/cbc:IssueDate>/, ''));
      for (const doc of [INVOICE_XML, broken]) {
        const a = (await pool.validate(doc)).report;
        const b = inline.validate(doc);
        assert.equal(a.valid, b.valid);
        assert.deepEqual([a.documentKind, a.ruleSet], [b.documentKind, b.ruleSet]);
        assert.ok(a.ruleSet, 'the report names its rule set');
        assert.deepEqual(
          a.issues.map((i) => i.id).sort(),
          b.issues.map((i) => i.id).sort(),
        );
      }
      assert.equal((await pool.validate(broken)).report.valid, false);
      assert.deepEqual((await pool.validate(INVOICE_XML)).metadata, {
        senderId: '0088:9482348239847239874',
        receiverId: '0002:fr23342',
        documentKind: 'Invoice',
        documentType: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1',
        process: 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0',
        invoiceNumber: 'Snippet1',
        issueDate: '2017-11-13',
        supplierCountry: 'GB',
      });
    } finally {
      await pool.close();
    }
  });
});
