/**
 * A SIGKILL between the SMTP server taking an e-mail and the commit that records it: `serve` (a child
 * process, the sandbox, the e-mail fallback on) is killed while the SMTP server holds the message it has
 * just received, before its 250. After the restart the job runs again and sends the same message with the
 * same Message-ID: at least once, never a second, different message; the document ends delivered-by-email
 * once.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { BASE_INVOICE } from '../support/artifacts.js';
import { bearer, supplierOf } from '../support/auth.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort, runCliProcess, spawnCli, waitFor200 } from '../support/process.js';
import { submitInvoice } from '../support/served.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';
import { until } from '../support/assert.js';

describe('the e-mail channel across a SIGKILL mid-send', function () {
  this.timeout(240_000);
  let db: TestDatabase;
  let smtp: TestSmtp;
  before(async () => {
    db = await createTestDatabase({ prefix: 'ap_email_crash' });
    smtp = await startTestSmtp();
  });
  after(async () => {
    await smtp?.close();
    await db?.drop();
  });

  it('sends the same message again after the restart, with the same Message-ID, and records one delivered-by-email', async () => {
    const env = { DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: String(await freePort()), OUTBOUND_POLL_INTERVAL_MS: '100', LOG_LEVEL: 'warn', ...smtp.env() };
    const cli = async (args: string[]) => {
      const run = await runCliProcess(args, env);
      assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
      return JSON.parse(run.stdout) as Record<string, string>;
    };
    const tenant = await cli(['tenants', 'create', '--name', 'E-mail crash tenant']);
    await cli(['tenants', 'add-participant', tenant['id']!, supplierOf(readFileSync(BASE_INVOICE))!]);
    const key = (await cli(['keys', 'create', '--tenant', tenant['id']!, '--scopes', 'send,participants']))['secret']!;
    const base = `http://127.0.0.1:${env.PORT}`;

    let child = spawnCli(['serve'], env);
    try {
      await waitFor200(`${base}/readyz`, 90_000, child);
      const set = await fetch(`${base}/api/v1/tenants/${tenant['id']}/email-settings`, {
        method: 'PUT',
        headers: { ...bearer(key), 'content-type': 'application/json' },
        body: JSON.stringify({ language: 'nl', fallback: 'on_peppol_failure' }),
      });
      assert.equal(set.status, 200, await set.clone().text());
      // The first message arrives whole at the server: the sender dies before the 250 and before its commit.
      const killedIds: string[] = [];
      smtp.onMessage = async (raw) => {
        smtp.onMessage = null;
        killedIds.push((await simpleParser(raw)).messageId ?? '');
        child.kill('SIGKILL');
        await child.exited;
      };
      const submitted = await submitInvoice(base, key);
      assert.equal(submitted.status, 201);
      const id = ((await submitted.json()) as { id: string }).id;
      await smtp.waitFor(1, 60_000);
      assert.equal((await child.exited).signal, 'SIGKILL');
      const [{ status }] = await db.knex('documents').where({ id }).select('status');
      assert.equal(status, 'emailing', 'the kill came before the commit');

      child = spawnCli(['serve'], env);
      await waitFor200(`${base}/readyz`, 90_000, child);
      await until('delivered-by-email', async () => (await db.knex('documents').where({ id, status: 'delivered-by-email' }).first()) ?? null, 60_000);
      const mails = smtp.received.filter((m) => m.envelopeTo.includes('lj@buyer.se'));
      assert.equal(mails.length, 2, 'sent again after the restart (at least once)');
      assert.deepEqual(mails.map((m) => m.parsed.messageId), [killedIds[0], killedIds[0]], 'the same Message-ID both times');
      assert.ok(mails[1]!.parsed.attachments.some((x) => x.contentType === 'application/pdf'));
      const moves = await db.knex('document_events').where({ document_id: id, to_status: 'delivered-by-email' });
      assert.equal(moves.length, 1);
      assert.equal(moves[0].details.messageId, killedIds[0]);
      assert.match((await db.knex('document_events').where({ document_id: id, to_status: 'emailing' }).first()).reason, /the receiver is not on Peppol for this document; sent by e-mail instead \(fallback on_peppol_failure\)/);
    } finally {
      smtp.onMessage = null;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await child.exited;
      }
    }
  });
});
