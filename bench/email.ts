/**
 * Fallback e-mails per second through the `email` job kind: a backlog of outbound invoices (the base
 * example) in `emailing`, each rendered as PDF, sent with its XML to a real SMTP server on 127.0.0.1
 * (smtp-server, parsed by mailparser as in the tests) and moved to `delivered-by-email` with its job's
 * settlement. The benchmark process runs the server too, so its parse of each message is in the figure.
 *
 *   npx tsx bench/email.ts [--emails 300 --concurrency 4]
 *
 * Last line: `email-rate emails_per_s=<n>`.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { Closers } from '../src/composition/closers.js';
import { buildEmail } from '../src/composition/email.js';
import { buildStores } from '../src/composition/index.js';
import { loadConfig } from '../src/config/index.js';
import { JobRunner } from '../src/jobs/runner.js';
import { changeStatus, createDocument } from '../src/pipeline/state-machine.js';
import { createKnex } from '../src/store/db.js';
import { PostgresJobStore } from '../src/store/jobs.js';
import { BASE_INVOICE } from '../test/support/artifacts.js';
import { createTestDatabase } from '../test/support/db.js';
import { startTestSmtp } from '../test/support/smtp.js';
import { numberArg } from './served.js';

const count = numberArg('emails', 300);
const concurrency = numberArg('concurrency', 4);

const xml = readFileSync(BASE_INVOICE);
const smtp = await startTestSmtp();
const testDb = await createTestDatabase({ prefix: 'bench_email' });
const knex = createKnex({ url: testDb.url, poolMax: 10 });
const logger = pino({ level: 'silent' });
const closers = new Closers(logger);
try {
  const stores = buildStores(knex);
  const runner = new JobRunner(new PostgresJobStore(knex), { concurrency: 64, pollIntervalMs: 100, logger });
  const email = buildEmail(loadConfig(smtp.env({ EMAIL_CONCURRENCY: String(concurrency) })).email, { knex, stores, runner, maxDocumentBytes: 20 * 1024 * 1024 }, closers)!;
  // The backlog: invoices whose receiver was not on Peppol, each with its e-mail job.
  const sha = createHash('sha256').update(xml).digest('hex');
  for (let i = 0; i < count; i++) {
    await knex.transaction(async (tx) => {
      const doc = await createDocument(stores.documents, { direction: 'outbound', status: 'queued', senderId: '0208:0000000097', receiverId: '0208:0000000194', documentKind: 'Invoice', documentType: null, process: null, invoiceNumber: `B-${i}`, issueDate: '2017-11-13', payloadSha256: sha, validationReport: null }, xml, { actor: 'bench' }, tx);
      await changeStatus(stores.documents, doc.id, 'sending', { actor: 'bench' }, { expected: { direction: 'outbound', from: 'queued' }, tx });
      await changeStatus(stores.documents, doc.id, 'emailing', { actor: 'bench', reason: 'not on Peppol' }, { expected: { direction: 'outbound', from: 'sending' }, tx });
      await email.queue.enqueue({ purpose: 'fallback', documentId: doc.id }, tx);
    });
  }
  const started = performance.now();
  await runner.start();
  const left = async () => Number((await knex('documents').where({ status: 'emailing' }).count({ n: '*' }))[0]!.n);
  while ((await left()) > 0) await new Promise((r) => setTimeout(r, 20));
  const elapsedS = (performance.now() - started) / 1000;
  await runner.stop();
  const pdfBytes = smtp.received[0]!.parsed.attachments.find((a) => a.contentType === 'application/pdf')!.content.length;
  console.log(`cores=${cpus().length} emails=${count} concurrency=${concurrency}: ${elapsedS.toFixed(2)} s; ${smtp.received.length} received, PDF ${pdfBytes} bytes + XML ${xml.length} bytes each`);
  console.log(`email-rate emails_per_s=${(count / elapsedS).toFixed(1)}`);
} finally {
  await closers.closeAll(Date.now() + 10_000);
  await knex.destroy();
  await testDb.drop();
  await smtp.close();
}
