/**
 * One end-to-end flow with either payload store: A submits to B over SML/SMP and AS4, B files it in the
 * buyer's inbox, with both access points keeping payloads and archive copies in Postgres, then in S3 (a
 * local S3-compatible server, with nothing in the payloads table). The archive of each verifies after it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { untilArchived } from '../archive/support.js';
import { startLocalS3, type LocalS3 } from '../support/s3.js';
import { belgianParticipant, startNetwork, ublDocument, type E2eNetwork, type TestAp } from './harness.js';

const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

for (const store of ['postgres', 's3'] as const) {
  describe(`end to end with payloads in ${store === 's3' ? 'S3' : 'Postgres'}: A sends to B, both archive`, function () {
    this.timeout(90_000);
    let net: E2eNetwork;
    let s3: LocalS3 | null = null;
    let a: TestAp;
    let b: TestAp;
    const supplier = belgianParticipant(5151515);
    const buyer = belgianParticipant(6262626);

    before(async () => {
      net = await startNetwork();
      if (store === 's3') s3 = await startLocalS3(`peppol-ap-e2e`);
      // One bucket, a prefix per access point (per database: archive keys are unique within one).
      const under = (root: string) => (s3 ? { payloadStores: (knex: Parameters<LocalS3['stores']>[0]) => s3!.stores(knex, root) } : {});
      a = await net.startAp('A', 'PBE000303', under('a/'));
      b = await net.startAp('B', 'PBE000404', under('b/'));
      await a.host(supplier);
      await b.host(buyer);
    });
    after(async () => {
      await net?.close();
      await s3?.close();
    });

    it('delivers an invoice outbound from A and inbound at B, payloads where the store keeps them, and both archives verify', async () => {
      const xml = ublDocument('invoice', supplier, buyer);
      const submitted = await a.submit(xml);
      assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
      const sent = await a.waitFor(submitted.body.id, ['delivered', 'failed', 'undeliverable']);
      assert.equal(sent.status, 'delivered', JSON.stringify(sent.delivery));
      let item: { id: string; status: string } | undefined;
      for (const end = Date.now() + 20_000; !item && Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
        const list = (await (await b.inbox(buyer)).json()) as { documents: Array<{ id: string; status: string; payloadSha256: string }> };
        item = list.documents.find((d) => d.payloadSha256 === sha256(xml));
      }
      assert.equal(item?.status, 'available');
      const got = Buffer.from(await (await b.inbox(buyer, `documents/${item!.id}/payload`)).arrayBuffer());
      assert.equal(sha256(got), sha256(xml));
      assert.equal(sha256((await a.payloadStores.payloads.get(submitted.body.id))!), sha256(xml));
      for (const ap of [a, b]) {
        const rows = Number((await ap.db.knex('payloads').count('* as n'))[0]!.n);
        if (store === 's3') assert.equal(rows, 0, `${ap.name}: no payload in Postgres`);
        else assert.ok(rows >= 1);
        await untilArchived(ap.db.knex, () => ap.archive.verify());
        const result = await ap.archive.verify();
        assert.equal(result.ok, true, `${ap.name}: ${JSON.stringify(result.firstProblem)}`);
        const kinds = await ap.db.knex('archive_entries').select('kind').groupBy('kind').pluck('kind');
        assert.deepEqual(new Set(kinds), new Set(['document', 'receipt', 'report', 'event']), `${ap.name}: ${kinds}`);
      }
      // A's receipt from B is in A's archive, as a copy in its archive store.
      const receipt = await a.db.knex('archive_entries').where({ kind: 'receipt', document_id: submitted.body.id }).first();
      assert.ok(receipt, "B's receipt entered A's archive");
      assert.ok(await a.payloadStores.archive.get(`receipt/${receipt.ref}`));
    });
  });
}
