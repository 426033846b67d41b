/**
 * The archive log: every stored document, receipt, validation report and event enters it once, in commit
 * order, while many transactions commit at once and two archivers (as two processes would) take turns;
 * `verify` recomputes the chain and names the first entry that no longer matches a payload byte, an event
 * row or a receipt edited directly in Postgres; checkpoints verify with the AP certificate.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chain, eventContent, sha256Hex } from '../../src/archive/chain.js';
import { checkpointProblem } from '../../src/archive/checkpoint.js';
import { Archiver } from '../../src/pipeline/archiver.js';
import { verifyArchive } from '../../src/pipeline/archive-verify.js';
import { PostgresArchiveStore } from '../../src/store/archive.js';
import { createKnex } from '../../src/store/db.js';
import { runCliProcess } from '../support/process.js';
import { archiveAll, fileAndAcknowledge, pki, receive, signerOf, startArchiveEnv, submit, type ArchiveEnv } from './support.js';

describe('archive: a hash chain in commit order', function () {
  this.timeout(120_000);
  let env: ArchiveEnv;
  const inbound: string[] = [];
  const outbound: string[] = [];
  before(async () => {
    env = await startArchiveEnv({ prefix: 'ap_archive_chain', checkpointEvery: 100 });
  });
  after(() => env?.close());

  const verify = (range: Parameters<typeof verifyArchive>[1] = {}) => verifyArchive({ store: new PostgresArchiveStore(env.db.knex), ...env.payloadStores }, range);

  it('takes every document, receipt, report and event exactly once while transactions commit concurrently and two archivers run', async () => {
    // A second archiver on its own pool, as another process would have.
    const otherKnex = createKnex({ url: env.db.url, poolMax: 4 });
    const other = new Archiver({ store: new PostgresArchiveStore(otherKnex), ...env.payloadStores, signer: signerOf(env.cert), checkpoint: { everyEntries: 100, maxAgeMs: 3_600_000 }, retentionYears: 10, batchEvents: 37 });
    let traffic = true;
    const archiving = [env.archive.archiver, other].map(async (a) => {
      while (traffic) {
        await a.appendBatch();
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    try {
      // 8 writers at once: receptions (group commits), submissions and status moves interleaved.
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let i = 0; i < 25; i++) {
            if ((w + i) % 3 === 0) outbound.push(await submit(env));
            else {
              const id = await receive(env);
              inbound.push(id);
              if (i % 2 === 0) await fileAndAcknowledge(env, id);
            }
          }
        }),
      );
    } finally {
      traffic = false;
      await Promise.all(archiving);
    }
    await other.catchUp();
    await otherKnex.destroy();
    await archiveAll(env);

    const entries = await env.db.knex('archive_entries').orderBy('seq');
    const events = await env.db.knex('document_events').select('id');
    const receipts = await env.db.knex('as4_messages').whereNotNull('receipt').select('id');
    const reports = await env.db.knex('documents').whereNotNull('validation_report').select('id');
    const count = (kind: string) => entries.filter((e) => e.kind === kind).length;
    assert.equal(count('document'), inbound.length + outbound.length);
    assert.equal(count('event'), events.length);
    assert.equal(count('receipt'), receipts.length);
    assert.equal(count('report'), reports.length);
    assert.deepEqual(entries.map((e) => Number(e.seq)), entries.map((_, i) => i + 1), 'one order, without gaps');
    assert.equal(new Set(entries.map((e) => `${e.kind}:${e.ref}`)).size, entries.length, 'none twice');
    // A document enters before its events; its receipt before the event it committed with.
    const firstOf = new Map<string, { kind: string; seq: number }>();
    for (const e of entries) if (!firstOf.has(e.document_id)) firstOf.set(e.document_id, { kind: e.kind, seq: Number(e.seq) });
    for (const [id, first] of firstOf) assert.equal(first.kind, 'document', `document ${id} enters first`);
    const result = await verify();
    assert.equal(result.ok, true, JSON.stringify(result.firstProblem));
    assert.equal(result.entries, entries.length);
    assert.ok(result.checkpoints >= 2, `${result.checkpoints} checkpoints`);
  });

  it('signs checkpoints that verify with the AP certificate, and with no other', async () => {
    const checkpoint = (await new PostgresArchiveStore(env.db.knex).lastCheckpoint())!;
    assert.ok(checkpoint);
    const apCert = new X509Certificate(env.cert.certPem);
    assert.equal(checkpointProblem(checkpoint, apCert), null);
    assert.match(checkpoint.statement, /^peppol-ap archive checkpoint v1\nseq: \d+\nentry-hash: [0-9a-f]{64}\n/);
    const stranger = pki.issueAp('POP000777', { keyBits: 2048 });
    assert.match(checkpointProblem(checkpoint, stranger.cert) ?? '', /does not verify/);
    const forged = { ...checkpoint, statement: checkpoint.statement.replace(/entry-hash: (.)/, (_, c: string) => `entry-hash: ${c === '0' ? '1' : '0'}`) };
    assert.notEqual(checkpointProblem(forged, apCert), null);
    // verify --cert: every checkpoint in the range under the given certificate.
    assert.equal((await verify({ certificate: apCert })).ok, true);
    const wrong = await verify({ certificate: stranger.cert });
    assert.equal(wrong.ok, false);
    assert.match(wrong.firstProblem!.problem, /checkpoint \d+: the signature does not verify/);
  });

  /** The one entry of `kind` about `ref`. */
  const entryOf = async (kind: string, ref: string) => (await env.db.knex('archive_entries').where({ kind, ref }).first())!;

  it('names the entry of a payload whose byte was changed in Postgres (transit payload and archive copy)', async () => {
    const id = inbound[7]!;
    const entry = await entryOf('document', id);
    const flip = (table: string, column: string, key: string) =>
      env.db.knex.raw(`UPDATE ${table} SET content = overlay(content placing '\\x58'::bytea from 10 for 1) WHERE ${column} = ?`, [key]);
    const original = await env.db.knex('payloads').where({ document_id: id }).first();
    await flip('payloads', 'document_id', id);
    let result = await verify();
    assert.equal(result.ok, false);
    assert.deepEqual({ seq: result.firstProblem!.seq, kind: result.firstProblem!.kind, ref: result.firstProblem!.ref }, { seq: Number(entry.seq), kind: 'document', ref: id });
    assert.match(result.firstProblem!.problem, /transit payload differs/);
    await env.db.knex('payloads').where({ document_id: id }).update({ content: original.content });
    await flip('archive_objects', 'key', `document/${id}`);
    result = await verify();
    assert.equal(result.firstProblem!.seq, Number(entry.seq));
    assert.match(result.firstProblem!.problem, /archive copy \(document\/.*\) differs/);
    await env.db.knex('archive_objects').where({ key: `document/${id}` }).update({ content: original.content });
    assert.equal((await verify()).ok, true);
  });

  it('names the entry of an event row changed by someone who disabled the append-only trigger', async () => {
    const event = await env.db.knex('document_events').where({ document_id: inbound[3] }).orderBy('id').first();
    const entry = await entryOf('event', String(event.id));
    // What an attacker with database rights can do: the trigger refuses, so they switch it off.
    await assert.rejects(env.db.knex('document_events').where({ id: event.id }).update({ reason: 'rewritten' }), /append-only/);
    await env.db.knex.raw('ALTER TABLE document_events DISABLE TRIGGER document_events_append_only');
    try {
      await env.db.knex('document_events').where({ id: event.id }).update({ reason: 'rewritten' });
      const result = await verify();
      assert.equal(result.ok, false);
      assert.deepEqual([result.firstProblem!.seq, result.firstProblem!.kind, result.firstProblem!.ref], [Number(entry.seq), 'event', String(event.id)]);
      assert.match(result.firstProblem!.problem, /event row differs/);
      assert.equal(result.problems, 1);
      await env.db.knex('document_events').where({ id: event.id }).update({ reason: event.reason });
      // A microsecond moved is a change too.
      await env.db.knex.raw(`UPDATE document_events SET at = at + interval '1 microsecond' WHERE id = ?`, [event.id]);
      assert.equal((await verify()).firstProblem?.seq, Number(entry.seq));
      await env.db.knex.raw(`UPDATE document_events SET at = at - interval '1 microsecond' WHERE id = ?`, [event.id]);
    } finally {
      await env.db.knex.raw('ALTER TABLE document_events ENABLE TRIGGER document_events_append_only');
    }
    assert.equal((await verify()).ok, true);
  });

  it('names the entry of a receipt changed in as4_messages', async () => {
    const message = await env.db.knex('as4_messages').where({ document_id: inbound[11] }).first();
    const entry = await entryOf('receipt', String(message.id));
    await env.db.knex('as4_messages').where({ id: message.id }).update({ receipt: Buffer.from('<S12:Envelope>forged</S12:Envelope>') });
    const result = await verify();
    assert.equal(result.ok, false);
    assert.deepEqual([result.firstProblem!.seq, result.firstProblem!.kind, result.firstProblem!.ref], [Number(entry.seq), 'receipt', String(message.id)]);
    assert.match(result.firstProblem!.problem, /receipt in as4_messages differs/);
    // The command says the same, and exits 1.
    const cli = await runCliProcess(['archive', 'verify', '--from', String(Number(entry.seq) - 5), '--to', String(Number(entry.seq) + 5)], { DATABASE_URL: env.db.url });
    assert.equal(cli.code, 1, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout).firstProblem, result.firstProblem);
    await env.db.knex('as4_messages').where({ id: message.id }).update({ receipt: message.receipt });
    assert.equal((await verify()).ok, true);
  });

  it('names a validation report changed, and an entry rewritten behind the trigger (its hash no longer chains)', async () => {
    const id = outbound[2]!;
    const report = await entryOf('report', id);
    const doc = await env.db.knex('documents').where({ id }).first();
    await env.db.knex('documents').where({ id }).update({ validation_report: JSON.stringify({ ...doc.validation_report, valid: false }) });
    let result = await verify();
    assert.equal(result.firstProblem!.seq, Number(report.seq));
    assert.match(result.firstProblem!.problem, /validation report differs/);
    await env.db.knex('documents').where({ id }).update({ validation_report: JSON.stringify(doc.validation_report) });

    // Rewriting the entry's content hash to the forged content breaks the chain at that entry.
    const target = await entryOf('event', String((await env.db.knex('document_events').where({ document_id: inbound[5] }).first()).id));
    await env.db.knex.raw('ALTER TABLE archive_entries DISABLE TRIGGER archive_entries_append_only');
    try {
      await env.db.knex('archive_entries').where({ seq: target.seq }).update({ content_sha256: 'f'.repeat(64) });
      result = await verify();
      assert.equal(result.firstProblem!.seq, Number(target.seq));
      assert.match(result.listed.map((p) => p.problem).join('; '), /fields no longer give its entry hash/);
      // verify --from after the entry still checks it as the link before the range... and a range before it passes.
      assert.equal((await verify({ from: 1, to: Number(target.seq) - 1 })).ok, true);
      await env.db.knex('archive_entries').where({ seq: target.seq }).update({ content_sha256: target.content_sha256 });
    } finally {
      await env.db.knex.raw('ALTER TABLE archive_entries ENABLE TRIGGER archive_entries_append_only');
    }
    assert.equal((await verify()).ok, true);
  });

  it('catches a rewrite that recomputes every hash after the change: the signed checkpoints no longer agree', async () => {
    const store = new PostgresArchiveStore(env.db.knex);
    const event = await env.db.knex('document_events').where({ document_id: inbound[9] }).orderBy('id').first();
    const target = await entryOf('event', String(event.id));
    const head = (await store.head())!;
    assert.ok((await store.checkpoints(Number(target.seq), head.seq)).length > 0, 'a checkpoint after the entry');
    const entries = await env.db.knex('archive_entries').where('seq', '>=', target.seq).orderBy('seq');
    await env.db.knex.raw('ALTER TABLE document_events DISABLE TRIGGER document_events_append_only');
    await env.db.knex.raw('ALTER TABLE archive_entries DISABLE TRIGGER archive_entries_append_only');
    try {
      await env.db.knex('document_events').where({ id: event.id }).update({ reason: 'never received' });
      const forged = (await store.currentEvents([String(event.id)])).get(String(event.id))!;
      let prev = entries[0].prev_hash as string;
      for (const e of entries) {
        const fields = { seq: Number(e.seq), kind: e.kind, ref: e.ref, documentId: e.document_id, kept: e.kept, contentSha256: e.seq === target.seq ? sha256Hex(eventContent(forged)) : e.content_sha256 };
        const c = chain(prev, fields);
        await env.db.knex('archive_entries').where({ seq: e.seq }).update({ content_sha256: fields.contentSha256, prev_hash: prev, entry_hash: c.entryHash });
        prev = c.entryHash;
      }
      const result = await verify();
      assert.equal(result.ok, false);
      assert.ok(result.listed.every((p) => /checkpoint \d+ signed another hash/.test(p.problem)), JSON.stringify(result.listed));
      for (const e of entries) await env.db.knex('archive_entries').where({ seq: e.seq }).update({ content_sha256: e.content_sha256, prev_hash: e.prev_hash, entry_hash: e.entry_hash });
      await env.db.knex('document_events').where({ id: event.id }).update({ reason: event.reason });
    } finally {
      await env.db.knex.raw('ALTER TABLE archive_entries ENABLE TRIGGER archive_entries_append_only');
      await env.db.knex.raw('ALTER TABLE document_events ENABLE TRIGGER document_events_append_only');
    }
    assert.equal((await verify()).ok, true);
  });
});
