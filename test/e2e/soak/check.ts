/**
 * What the soak checks afterwards, from both databases and the senders' and webhook receivers' records.
 * Each finding is a sentence under one of three counts:
 * - lost: a message a sender was told was taken (a receipt, an API answer) that is not stored, a receipt
 *   that is not the one committed, a document that ended without being delivered, a webhook event of a
 *   subscribed type never delivered (or not verifiable);
 * - duplicated: a message stored twice (by MessageId, by SBDH instance id, by invoice number), two documents
 *   for one Idempotency-Key, one webhook event sent under two webhook-ids;
 * - stuck: a document left in a step with nothing to move it on, a job running under a lease that ran
 *   out, a queued job nobody claims, a dead job.
 */
import type { Knex } from 'knex';
import { eventTypeOf } from '../../../src/webhooks/event-types.js';
import type { WebhookReceiver } from '../../support/webhook-receiver.js';
import type { DirectMessage, Submission } from './traffic.js';

export interface Findings {
  lost: string[];
  duplicated: string[];
  stuck: string[];
}

/** A webhook endpoint of the soak: where its events are in the database, and what its receiver got. */
export interface Subscription {
  name: string;
  knex: Knex;
  eventTypes: readonly string[];
  createdAt: Date;
  receiver: WebhookReceiver;
}

export interface SoakRecords {
  a: Knex;
  b: Knex;
  direct: readonly DirectMessage[];
  submissions: readonly Submission[];
  subscriptions: readonly Subscription[];
}

/** A queued job due this long ago and not claimed counts as stuck (the runners poll every 200 ms). */
const UNCLAIMED_MS = 10_000;

function groupBy<T>(rows: T[], key: (r: T) => string | null): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    if (k !== null) map.set(k, [...(map.get(k) ?? []), r]);
  }
  return map;
}

interface As4Row {
  message_id: string;
  sbdh_instance_id: string | null;
  receipt: Buffer | null;
  receipt_message_id: string | null;
}
interface DocumentRow {
  id: string;
  invoice_number: string | null;
  status: string;
}

/** The receipt's own MessageId and the one it acknowledges (eb:MessageInfo of its SignalMessage). */
const receiptIdOf = (receipt: Buffer) => /<eb:MessageId>([^<]+)<\/eb:MessageId>/.exec(receipt.toString('utf8'))?.[1] ?? '';
const refToMessageIdOf = (receipt: Buffer) => /<eb:RefToMessageId>([^<]+)<\/eb:RefToMessageId>/.exec(receipt.toString('utf8'))?.[1] ?? '';

export async function check(r: SoakRecords): Promise<Findings> {
  const f: Findings = { lost: [], duplicated: [], stuck: [] };
  const atB = (await r.b('as4_messages').where({ direction: 'inbound' }).select('message_id', 'sbdh_instance_id', 'receipt', 'receipt_message_id')) as As4Row[];
  const bByMessageId = groupBy(atB, (x) => x.message_id);
  const bByInstance = groupBy(atB, (x) => x.sbdh_instance_id);
  const docsB = (await r.b('documents').where({ direction: 'inbound' }).select('id', 'invoice_number', 'status')) as DocumentRow[];
  const bByNumber = groupBy(docsB, (x) => x.invoice_number);
  const storedOnceAtB = (what: string, number: string) => {
    const n = bByNumber.get(number)?.length ?? 0;
    if (n === 0) f.lost.push(`${what}: invoice ${number} not stored at B`);
    if (n > 1) f.duplicated.push(`${what}: invoice ${number} stored ${n} times at B`);
  };

  // A rebuilt retransmission (its sender's attempt was cut off before it recorded the receipt) gets a
  // receipt over what it signed anew; B commits that receipt's id in the message's timeline before it answers.
  const resentReceipts = new Set(
    ((await r.b('document_events').whereRaw("details->>'receiptMessageId' IS NOT NULL").select(r.b.raw("details->>'receiptMessageId' as id"))) as Array<{ id: string }>).map((x) => x.id),
  );
  // The direct driver's messages: stored once by MessageId and by instance id; each receipt the committed one.
  for (const m of r.direct) {
    const rows = bByMessageId.get(m.messageId) ?? [];
    if (m.gaveUp !== null) f.lost.push(`direct ${m.messageId}: no receipt after ${m.attempts} attempts (${m.gaveUp})`);
    if (rows.length > 1) f.duplicated.push(`direct ${m.messageId}: ${rows.length} records at B`);
    const byInstance = bByInstance.get(m.instanceId)?.length ?? 0;
    if (byInstance > 1) f.duplicated.push(`direct ${m.messageId}: instance id ${m.instanceId} in ${byInstance} records at B`);
    const committed = rows[0]?.receipt;
    for (const receipt of m.receipts) {
      const backed = committed && (Buffer.from(committed).equals(receipt) || (resentReceipts.has(receiptIdOf(receipt)) && refToMessageIdOf(receipt) === m.messageId));
      if (!backed) f.lost.push(`direct ${m.messageId}: a receipt was sent that no commit at B backs`);
    }
    if (m.receipts.length > 0) storedOnceAtB(`direct ${m.messageId}`, m.invoiceNumber);
  }

  // The API client's submissions: one document per key at A, delivered, its receipt backed by B's commit.
  const docsA = (await r.a('documents').where({ direction: 'outbound' }).select('id', 'invoice_number', 'status')) as DocumentRow[];
  const aByNumber = groupBy(docsA, (x) => x.invoice_number);
  const aReceipts = groupBy((await r.a('as4_messages').where({ direction: 'outbound' }).select('document_id', 'message_id', 'receipt_message_id')) as Array<{ document_id: string; message_id: string; receipt_message_id: string | null }>, (x) => x.document_id);
  const liveJobs = new Set(((await r.a('jobs').where({ kind: 'outbound' }).whereIn('status', ['queued', 'running']).pluck('unique_key')) as string[]));
  for (const s of r.submissions) {
    const what = `submission ${s.idempotencyKey}`;
    if (s.gaveUp !== null) f.lost.push(`${what}: no answer after ${s.attempts} attempts (${s.gaveUp})`);
    if (new Set(s.answers).size > 1) f.duplicated.push(`${what}: answered with ${new Set(s.answers).size} different documents`);
    const docs = aByNumber.get(s.invoiceNumber) ?? [];
    if (docs.length > 1) f.duplicated.push(`${what}: ${docs.length} documents at A`);
    const doc = docs[0];
    if (!doc) {
      if (s.answers.length > 0) f.lost.push(`${what}: answered ${s.answers[0]}, not stored at A`);
      continue;
    }
    if (doc.status === 'delivered') {
      for (const sent of aReceipts.get(doc.id) ?? []) {
        const committed = bByMessageId.get(sent.message_id)?.[0];
        const backed = committed && (committed.receipt_message_id === sent.receipt_message_id || resentReceipts.has(sent.receipt_message_id ?? ''));
        if (!backed) f.lost.push(`${what}: A holds receipt ${sent.receipt_message_id} that no commit at B backs`);
      }
      storedOnceAtB(what, s.invoiceNumber);
    } else if (['failed', 'undeliverable', 'rejected'].includes(doc.status)) {
      f.lost.push(`${what}: document ${doc.id} ended ${doc.status}`);
    } else {
      f.stuck.push(`${what}: document ${doc.id} still ${doc.status}${liveJobs.has(doc.id) ? '' : ' with no job'}`);
    }
  }
  for (const d of docsB.filter((x) => x.status === 'received')) f.stuck.push(`B: document ${d.id} (${d.invoice_number}) still received, not validated`);

  for (const [name, knex] of [['A', r.a], ['B', r.b]] as const) {
    const stale = (await knex('jobs')
      .where((q) =>
        q
          .where('status', 'running')
          .andWhere('lease_until', '<', knex.raw('now()'))
          .orWhere((q2) => q2.where('status', 'queued').andWhere('run_at', '<', knex.raw(`now() - interval '${UNCLAIMED_MS} milliseconds'`)))
          .orWhere('status', 'dead'),
      )
      .select('id', 'kind', 'status', 'unique_key', 'last_error_message')) as Array<{ id: string; kind: string; status: string; unique_key: string | null; last_error_message: string | null }>;
    for (const j of stale) f.stuck.push(`${name}: job ${j.id} (${j.kind} ${j.unique_key ?? ''}) ${j.status}${j.last_error_message ? `: ${j.last_error_message}` : ''}`);
  }

  for (const sub of r.subscriptions) await checkWebhooks(sub, f);
  return f;
}

/** Every event of a subscribed type after the subscription was delivered, verified, under one webhook-id; none twice for one document. */
async function checkWebhooks(sub: Subscription, f: Findings): Promise<void> {
  const events = (await sub
    .knex('document_events as e')
    .join('documents as d', 'd.id', 'e.document_id')
    .where('e.at', '>=', sub.createdAt)
    .select('e.id', 'e.document_id', 'e.type', 'e.to_status', 'd.direction')) as Array<{ id: string; document_id: string; type: string; to_status: string | null; direction: 'inbound' | 'outbound' }>;
  const received = groupBy(sub.receiver.received, (x) => String(x.json.data['eventId']));
  const seen = new Set<string>();
  for (const e of events) {
    const type = eventTypeOf(e.direction, e.to_status, e.type);
    if (!type || !sub.eventTypes.includes(type)) continue;
    // Each subscribed type happens to a document once here (submitted, delivered, received): twice is a
    // document sent or taken twice.
    if (seen.has(`${e.document_id} ${type}`)) f.duplicated.push(`${sub.name}: ${type} twice in the timeline of document ${e.document_id}`);
    seen.add(`${e.document_id} ${type}`);
    const got = received.get(String(e.id)) ?? [];
    if (got.length === 0) f.lost.push(`${sub.name}: webhook event ${e.id} (${type}) not delivered`);
    const ids = new Set(got.map((x) => String(x.headers['webhook-id'])));
    if (ids.size > 1) f.duplicated.push(`${sub.name}: webhook event ${e.id} (${type}) sent under ${ids.size} webhook-ids`);
    if (got.some((x) => x.verifiedBy.length === 0)) f.lost.push(`${sub.name}: webhook event ${e.id} (${type}) with a signature its secret does not verify`);
  }
}
