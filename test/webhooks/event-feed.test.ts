/**
 * GET /events in commit order: two transactions that commit out of order (the one with the smaller event
 * id last) are both seen exactly once by a poller that passes back `next`. Paging by id alone, or by
 * (xid, id) without the bound on the oldest running transaction, skips the event that committed last.
 */
import assert from 'node:assert/strict';
import { call, startWebhooksApi, type WebhooksApi } from '../support/webhooks-api.js';

describe('the event feed', function () {
  this.timeout(30_000);
  let api: WebhooksApi;
  before(async () => {
    api = await startWebhooksApi();
  });
  after(() => api?.close());

  const page = async (after: string, auth = api.auth) => {
    const res = await call(api.base, auth, 'GET', `/events?after=${after}&limit=100`);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json as { events: Array<{ eventId: string; type: string; documentId: string; cursor: string }>; next: string };
  };

  /** Polls from `after` until `want` events came (another database's transaction may hold the feed back a moment). */
  async function drain(after: string, want: number): Promise<{ seen: string[]; next: string }> {
    const seen: string[] = [];
    let next = after;
    const deadline = Date.now() + 10_000;
    while (seen.length < want && Date.now() < deadline) {
      const p = await page(next);
      seen.push(...p.events.map((e) => e.eventId));
      next = p.next;
      if (p.events.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    return { seen, next };
  }

  it("returns the caller's events, once each, and a cursor to read on from", async () => {
    const doc = await api.submit();
    const { seen, next } = await drain('0-0', 1);
    const first = await page('0-0');
    assert.equal(first.events[0]!.type, 'document.submitted');
    assert.equal(first.events[0]!.documentId, doc.id);
    assert.deepEqual(seen, [first.events[0]!.eventId]);
    assert.deepEqual((await page(next)).events, [], 'nothing twice');
    const b = await api.otherTenant(['send', 'inbox']);
    assert.deepEqual((await page('0-0', b.auth)).events, [], "another tenant's events are not in its feed");
    assert.equal((await call(api.base, api.auth, 'GET', '/events?after=garbage')).status, 400);
  });

  it('never skips an event that commits after one with a larger id (two transactions, out of order)', async () => {
    const doc = await api.submit();
    const { next: start } = await drain('0-0', 2);
    const insert = (trx: typeof api.db.knex) =>
      trx.raw(`INSERT INTO document_events (document_id, type, from_status, to_status, actor) VALUES (?, 'status', 'sending', 'delivered', 'test') RETURNING id`, [doc.id]).then((r) => String(r.rows[0].id));
    const t1 = await api.db.knex.transaction();
    const t2 = await api.db.knex.transaction();
    try {
      const small = await insert(t1); // the smaller id (and xid)...
      const large = await insert(t2);
      assert.ok(BigInt(small) < BigInt(large));
      await t2.commit(); // ...commits last
      const during = await page(start);
      assert.deepEqual(during.events.map((e) => e.eventId), [], 'nothing past a transaction still running: the event that commits after it must not be skipped');
      await t1.commit();
      const { seen } = await drain(during.next, 2);
      assert.deepEqual(seen.sort(), [small, large].sort());
      assert.deepEqual((await page(during.next)).events.length, 2);
    } finally {
      if (!t1.isCompleted()) await t1.rollback();
      if (!t2.isCompleted()) await t2.rollback();
    }
  });
});
