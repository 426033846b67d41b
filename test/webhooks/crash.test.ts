/**
 * Nothing is lost across a SIGKILL of the sender mid-delivery: `serve` (a child process) is killed while
 * its webhook request is open at the receiver; after a restart the receiver gets the event again, with
 * the same webhook-id, verified with the endpoint's secret.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE_INVOICE } from '../support/artifacts.js';
import { bearer, supplierOf } from '../support/auth.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort, runCliProcess, spawnCli, waitFor200 } from '../support/process.js';
import { submitInvoice } from '../support/served.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

describe('webhooks across a SIGKILL of the sender', function () {
  this.timeout(180_000);
  let db: TestDatabase;
  let receiver: WebhookReceiver;
  before(async () => {
    db = await createTestDatabase({ prefix: 'ap_webhooks_crash' });
    receiver = await WebhookReceiver.start();
  });
  after(async () => {
    await receiver?.close();
    await db?.drop();
  });

  it('delivers the event in flight at the kill after the restart, at least once, with the same webhook-id', async () => {
    const env = { DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: String(await freePort()), WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true', OUTBOUND_POLL_INTERVAL_MS: '100', LOG_LEVEL: 'warn' };
    const cli = async (args: string[]) => {
      const run = await runCliProcess(args, env);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
      return JSON.parse(run.stdout) as Record<string, string>;
    };
    const tenant = await cli(['tenants', 'create', '--name', 'Webhook crash tenant']);
    await cli(['tenants', 'add-participant', tenant['id']!, supplierOf(readFileSync(BASE_INVOICE))!]);
    const key = (await cli(['keys', 'create', '--tenant', tenant['id']!, '--scopes', 'send,webhooks']))['secret']!;
    const base = `http://127.0.0.1:${env.PORT}`;

    let child = spawnCli(['serve'], env);
    try {
      await waitFor200(`${base}/readyz`, 90_000, child);
      const created = await fetch(`${base}/api/v1/webhooks`, {
        method: 'POST',
        headers: { ...bearer(key), 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, eventTypes: ['document.submitted'] }),
      });
      assert.equal(created.status, 201, await created.clone().text());
      receiver.secrets = [((await created.json()) as { secret: string }).secret];
      receiver.answer('hang'); // the first attempt stays open at the receiver...
      assert.equal((await submitInvoice(base, key)).status, 201);
      await receiver.waitFor(1, 30_000);
      child.kill('SIGKILL'); // ...while the sender dies
      const killed = await child.exited;
      assert.equal(killed.signal, 'SIGKILL');

      child = spawnCli(['serve'], env);
      await waitFor200(`${base}/readyz`, 90_000, child);
      const got = await receiver.waitFor(2, 30_000);
      assert.equal(got[1]!.headers['webhook-id'], got[0]!.headers['webhook-id']);
      assert.equal(got[1]!.body, got[0]!.body);
      for (const r of got) assert.deepEqual(r.verifiedBy, receiver.secrets);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const [d] = await db.knex('webhook_deliveries').select('status');
        if (d?.status === 'succeeded') break;
        assert.ok(Date.now() < deadline, `delivery still ${d?.status}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(Number((await db.knex('webhook_deliveries').count({ n: '*' }))[0]!.n), 1, 'one delivery for the one event');
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await child.exited;
      }
    }
  });
});
