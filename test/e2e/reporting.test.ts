/**
 * Monthly Peppol reporting end to end: A (our access point) exchanges a month of traffic with B over real
 * discovery and AS4 — invoices and credit notes both ways, one company of A's sending under its 0208 and
 * its 9925 identifier, B's MLS for each of A's documents (A asks ALWAYS_SEND), a document that never gets a
 * receipt — then A's `peppol-reports` job sends the TSR and EUSR of that month over AS4 to a third access
 * point hosting OpenPeppol's participant `9925:be0848934496`. The figures expected are computed here from
 * what the test sent; the reports received there are valid under our engine and saxon-ref; the job is
 * idempotent across a restart (a new runner and reporting over the same database send nothing more).
 */
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { buildReporting } from '../../src/composition/reporting.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { inlineValidationRunner } from '../../src/pipeline/inbound-validation.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { EUSR_DOCUMENT_TYPE, MLS_DOCUMENT_TYPE, OPENPEPPOL_PARTICIPANT, REPORTING_PROCESS, TSR_DOCUMENT_TYPE } from '../../src/reporting/index.js';
import { PostgresJobStore } from '../../src/store/jobs.js';
import { PostgresReportingStore } from '../../src/store/reporting.js';
import { until } from '../support/assert.js';
import { saxonRefCheck, saxonRefMissing } from '../support/saxon-ref.js';
import { CREDIT_NOTE, INVOICE, belgianParticipant, fullValidator, startNetwork, ublDocument, type E2eNetwork, type TestAp } from './harness.js';

const REPORTING = { mode: 'on' as const, day: 1 };

describe('Peppol reporting: a month of traffic, then the TSR and EUSR sent to OpenPeppol over AS4', function () {
  this.timeout(240_000);
  let net: E2eNetwork;
  let a: TestAp;
  let b: TestAp;
  let op: TestAp;
  // A's customers: acme reached under both of its identifiers, bolt under one.
  const acme = belgianParticipant(1010101);
  const acmeVat = `9925:BE${acme.slice(5)}`;
  const bolt = belgianParticipant(2020202);
  const buyer = belgianParticipant(3030303); // at B
  const supplierB = belgianParticipant(4040404); // at B
  const companyOf = new Map([
    [acme, 'acme'],
    [acmeVat.toLowerCase(), 'acme'],
    [bolt, 'bolt'],
  ]);
  /** What A exchanged with a receipt: [direction, kind, our participant]. */
  const exchanged: Array<{ direction: 'incoming' | 'outgoing'; type: string; participant: string }> = [];
  let period = '';
  let reportsAtOp: Array<{ id: string; documentType: string; xml: string }> = [];

  before(async () => {
    net = await startNetwork();
    a = await net.startAp('A', 'PBE000601', { responses: { mlsType: 'ALWAYS_SEND' }, reporting: REPORTING });
    b = await net.startAp('B', 'PBE000602', { responses: { mlsConfirmationWaitMs: 0 } });
    op = await net.startAp('OP', 'POP000001');
    for (const p of [acme, acmeVat, bolt]) await a.host(p);
    await b.host(buyer);
    await b.host(supplierB);
    // OpenPeppol's participant, receiving both reports.
    const openPeppol = parseParticipantId(OPENPEPPOL_PARTICIPANT);
    await op.participants.addParticipant({ participant: openPeppol, name: 'OpenPeppol AISBL' });
    for (const value of [TSR_DOCUMENT_TYPE, EUSR_DOCUMENT_TYPE]) {
      await op.participants.addCapability(openPeppol, { documentType: { scheme: 'busdox-docid-qns', value }, process: { scheme: 'cenbii-procid-ubl', value: REPORTING_PROCESS } });
    }
    await net.env.registrar.register(openPeppol, op.smpUrl);
  });
  after(async () => {
    await net?.close();
  });

  async function send(from: TestAp, kind: 'invoice' | 'creditnote', sender: string, receiver: string): Promise<string> {
    const submitted = await from.submit(ublDocument(kind, sender, receiver));
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    return submitted.body.id;
  }

  it('exchanges the month: documents both ways, the MLS of each, and one without a receipt', async () => {
    const out: Array<[kind: 'invoice' | 'creditnote', sender: string]> = [
      ['invoice', acme],
      ['invoice', acme],
      ['invoice', acmeVat],
      ['creditnote', acmeVat],
      ['creditnote', bolt],
    ];
    for (const [kind, sender] of out) {
      const id = await send(a, kind, sender, buyer);
      assert.equal((await a.waitFor(id, ['delivered', 'failed', 'undeliverable'])).status, 'delivered');
      exchanged.push({ direction: 'outgoing', type: kind === 'invoice' ? INVOICE.documentType.value : CREDIT_NOTE.documentType.value, participant: sender });
    }
    // Never registered: no receipt, not counted.
    const lost = await send(a, 'invoice', acme, belgianParticipant(9090909));
    assert.equal((await a.waitFor(lost, ['delivered', 'failed', 'undeliverable'])).status, 'undeliverable');
    for (const [kind, receiver] of [['invoice', acme], ['invoice', bolt], ['creditnote', acme]] as const) {
      const id = await send(b, kind, supplierB, receiver);
      assert.equal((await b.waitFor(id, ['delivered', 'failed', 'undeliverable'])).status, 'delivered');
      exchanged.push({ direction: 'incoming', type: kind === 'invoice' ? INVOICE.documentType.value : CREDIT_NOTE.documentType.value, participant: receiver });
    }
    // B answers each of A's documents with an MLS (A asked ALWAYS_SEND): incoming at A, in the TSR only.
    await until('the five MLS at A', async () => (await a.db.knex('documents').where({ direction: 'inbound', document_type: MLS_DOCUMENT_TYPE }).count('* as n'))[0]!['n'] === '5', 60_000);
    for (let i = 0; i < 5; i++) exchanged.push({ direction: 'incoming', type: MLS_DOCUMENT_TYPE, participant: a.mlsParticipant });
    const items = await a.db.knex('reporting_items').orderBy('id');
    assert.equal(items.length, exchanged.length, 'one reporting item per exchange with a receipt');
    period = new Date(items[0]!.exchanged_at).toISOString().slice(0, 7);
  });

  it('lists the receivers whose country is unknown, for an operator to fix', async () => {
    const res = await a.operatorApi(`/api/v1/reports?month=${period}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { unknownReceiverCountries: Array<{ participant: string; exchanges: number }> };
    assert.deepEqual(
      body.unknownReceiverCountries.map((u) => [u.participant, u.exchanges]),
      [[acme, 2], [bolt, 1], [a.mlsParticipant, 5]].sort(),
    );
    assert.equal((await a.api(`/api/v1/reports?month=${period}`)).status, 403, 'a tenant key may not read them');
    // The operator sets the tenant's country (there is no route for it yet): reports built later take it.
    await a.db.knex('tenants').update({ country_code: 'BE' });
    await a.db.knex('hosted_participants').where({ identifier: a.mlsParticipant }).update({ country_code: 'BE' });
    const fixed = (await (await a.operatorApi(`/api/v1/reports?month=${period}`)).json()) as { unknownReceiverCountries: unknown[] };
    assert.deepEqual(fixed.unknownReceiverCountries, []);
  });

  it('the monthly job sends both reports over AS4 to OpenPeppol, with the figures expected', async () => {
    // The month of the traffic is made the month before, whose reports the job sends on REPORTING_DAY.
    await a.db.knex.raw(`UPDATE reporting_items SET exchanged_at = exchanged_at - interval '1 month'`);
    period = new Date(Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5)) - 2, 1)).toISOString().slice(0, 7);
    await a.reporting!.schedule();
    reportsAtOp = await until(
      'both reports at OpenPeppol',
      async () => {
        const rows = await op.db.knex('documents').where({ direction: 'inbound' }).whereIn('document_type', [TSR_DOCUMENT_TYPE, EUSR_DOCUMENT_TYPE]).select('id', 'document_type', 'status');
        if (rows.length < 2 || rows.some((r) => r.status === 'received')) return null;
        return Promise.all(
          rows.map(async (r) => ({ id: r.id, documentType: r.document_type, xml: Buffer.from(await (await op.operatorApi(`/api/v1/documents/${r.id}/payload`)).arrayBuffer()).toString() })),
        );
      },
      60_000,
    );
    assert.equal(reportsAtOp.length, 2);
    const sent = (await (await a.operatorApi(`/api/v1/reports?month=${period}`)).json()) as { reports: Array<{ period: string; kind: string; state: string; documentStatus: string; generation: number }> };
    const mine = sent.reports.filter((r) => r.period === period);
    assert.deepEqual(mine.map((r) => [r.kind, r.state, r.generation]).sort(), [['eusr', 'queued', 1], ['tsr', 'queued', 1]]);
    await until('both delivered', async () => {
      const s = (await (await a.operatorApi(`/api/v1/reports?month=${period}`)).json()) as typeof sent;
      return s.reports.filter((r) => r.period === period).every((r) => r.documentStatus === 'delivered');
    });
    const docs = await a.db.knex('documents').where({ direction: 'outbound', receiver_id: OPENPEPPOL_PARTICIPANT });
    assert.deepEqual(docs.map((d) => d.sender_id).sort(), [a.mlsParticipant, a.mlsParticipant], 'from our service provider participant');
    // What OpenPeppol's access point received: the SBDH and ebMS headers name the report's document type and process.
    const received = await op.db.knex('as4_messages').whereIn('document_id', reportsAtOp.map((r) => r.id)).orderBy('action');
    assert.deepEqual(
      received.map((m) => [m.from_party_id, m.original_sender, m.final_recipient, m.action, m.service, m.country_c1]),
      [EUSR_DOCUMENT_TYPE, TSR_DOCUMENT_TYPE].map((dt) => ['PBE000601', a.mlsParticipant, OPENPEPPOL_PARTICIPANT, `busdox-docid-qns::${dt}`, REPORTING_PROCESS, 'ZZ']),
    );

    const tsr = reportsAtOp.find((r) => r.documentType === TSR_DOCUMENT_TYPE)!.xml;
    const eusr = reportsAtOp.find((r) => r.documentType === EUSR_DOCUMENT_TYPE)!.xml;
    const incoming = exchanged.filter((e) => e.direction === 'incoming');
    const outgoing = exchanged.filter((e) => e.direction === 'outgoing');
    assert.match(tsr, new RegExp(`<Total>\\s*<Incoming>${incoming.length}</Incoming>\\s*<Outgoing>${outgoing.length}</Outgoing>`));
    assert.match(tsr, /<ReporterID schemeID="CertSubjectCN">PBE000601<\/ReporterID>/);
    const subtotal = (type: string, dt: string, inc: number, outg: number) =>
      new RegExp(`<Subtotal type="${type}">\\s*<Key metaSchemeID="SP" schemeID="CertSubjectCN">PBE000602</Key>\\s*<Key metaSchemeID="DT" schemeID="busdox-docid-qns">${dt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</Key>[\\s\\S]*?<Incoming>${inc}</Incoming>\\s*<Outgoing>${outg}</Outgoing>`);
    for (const dt of [INVOICE.documentType.value, CREDIT_NOTE.documentType.value, MLS_DOCUMENT_TYPE]) {
      const n = (d: 'incoming' | 'outgoing') => exchanged.filter((e) => e.direction === d && e.type === dt).length;
      assert.match(tsr, subtotal('PerSP-DT-PR', dt, n('incoming'), n('outgoing')), dt);
    }
    // Incoming from B (C1 GB: the supplier's country in the examples) to A's receivers, now BE.
    assert.match(tsr, /<Key metaSchemeID="CC" schemeID="SenderCountry">GB<\/Key>\s*<Key metaSchemeID="CC" schemeID="ReceiverCountry">BE<\/Key>/);
    const companies = (d: 'incoming' | 'outgoing' | null) =>
      new Set(exchanged.filter((e) => e.type !== MLS_DOCUMENT_TYPE && (d === null || e.direction === d)).map((e) => companyOf.get(e.participant.toLowerCase()))).size;
    assert.match(
      eusr,
      new RegExp(`<FullSet>\\s*<SendingEndUsers>${companies('outgoing')}</SendingEndUsers>\\s*<ReceivingEndUsers>${companies('incoming')}</ReceivingEndUsers>\\s*<SendingOrReceivingEndUsers>${companies(null)}</SendingOrReceivingEndUsers>`),
    );
    assert.equal(companies('outgoing'), 2, 'acme under 0208 and 9925 is one end user');
  });

  it('the reports received are valid under our engine and the reference', async function () {
    const validator = await fullValidator();
    for (const r of reportsAtOp) assert.deepEqual(validator.validate(r.xml).issues, [], r.documentType);
    const missing = saxonRefMissing();
    if (missing) {
      console.log(`    skipping the reference check: ${missing}`);
      this.skip();
    }
    for (const [name, fired] of saxonRefCheck(new Map(reportsAtOp.map((r) => [r.documentType === TSR_DOCUMENT_TYPE ? 'tsr' : 'eusr', r.xml])))) assert.deepEqual(fired, [], name);
  });

  it('does not count the reports themselves, and sends nothing twice across a restart', async () => {
    // A restarted process: its own runner and reporting over the same database, scheduling again.
    const logger = pino({ level: 'silent' });
    const runner = new JobRunner(new PostgresJobStore(a.db.knex), { concurrency: 4, pollIntervalMs: 50, logger });
    const validation = inlineValidationRunner(await fullValidator());
    const again = buildReporting(REPORTING, { store: new PostgresReportingStore(a.db.knex), documents: a.documents, validation, seatId: 'PBE000601', queue: a.outbound.queue, runner, logger });
    await runner.start();
    try {
      await again.schedule();
      const second = await again.service.send(null, 'tsr', period, { actor: 'test', resend: false });
      assert.ok('alreadySent' in second, 'the period was sent: nothing is queued');
      const preview = await again.service.preview(null, 'tsr', period);
      const outgoing = exchanged.filter((e) => e.direction === 'outgoing').length;
      assert.match(preview.xml, new RegExp(`<Outgoing>${outgoing}</Outgoing>`), 'the two reports sent are not counted');
      await new Promise((r) => setTimeout(r, 1000));
      const jobs = await a.db.knex('jobs').where({ kind: 'peppol-reports' }).select('unique_key', 'status');
      assert.equal(jobs.filter((j) => j.unique_key === period).length, 1, 'one job for the period');
      const atOp = await op.db.knex('documents').where({ direction: 'inbound' }).whereIn('document_type', [TSR_DOCUMENT_TYPE, EUSR_DOCUMENT_TYPE]).count('* as n');
      assert.equal(Number(atOp[0]!['n']), 2, 'OpenPeppol received each report once');
      // An operator's resend is the next generation, sent again.
      const resent = await again.service.send(null, 'tsr', period, { actor: 'operator', resend: true });
      assert.ok('sent' in resent && resent.sent.generation === 2);
    } finally {
      await runner.stop(5000);
    }
  });
});
