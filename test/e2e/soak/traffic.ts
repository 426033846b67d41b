/**
 * The soak's senders, behaving as real ones do and recording what they were told:
 * - the direct AS4 driver sends signed, encrypted messages straight to B; on an error, a time-out or a
 *   connection cut it sends the message again (a retry: the same bytes, or for half the messages rebuilt
 *   with the same MessageId and a new signature, as a sending access point that kept only the ids does), and
 *   some messages it sends once more after their receipt on purpose (a duplicate);
 * - the API client submits invoices to A with an Idempotency-Key, retries without an answer with the same
 *   key, and repeats some submissions after their answer (a client that lost the answer).
 */
import { createPrivateKey, randomUUID } from 'node:crypto';
import { buildUserMessage, type BuiltUserMessage } from '../../../src/as4/index.js';
import type { IssuedCertificate } from '../../../src/testing/test-pki.js';
import { BUYER, header, INVOICE_XML, sbd, SUPPLIER } from '../../inbound/support.js';
import { ublDocument } from '../harness.js';
import { SEAT, SUPPLIER_AT_A } from './nodes.js';

/** A sender gives up after this many attempts of one message (the soak then counts it lost). */
const MAX_ATTEMPTS = 600;
const REQUEST_TIMEOUT_MS = 15_000;

export interface DirectMessage {
  messageId: string;
  instanceId: string;
  invoiceNumber: string;
  /** Every receipt B answered (more than one for a deliberate duplicate, or a retry after a cut answer). */
  receipts: Buffer[];
  attempts: number;
  gaveUp: string | null;
}

export interface Submission {
  idempotencyKey: string;
  invoiceNumber: string;
  /** The document id of every answer (one per answered attempt). */
  answers: string[];
  attempts: number;
  gaveUp: string | null;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jitter = () => 100 + Math.random() * 200;

export class DirectDriver {
  readonly messages: DirectMessage[] = [];
  /** Sends of a message rebuilt with its MessageId and a new signature. */
  rebuilt = 0;
  private readonly sender;

  constructor(
    private readonly bUrl: string,
    driverCert: IssuedCertificate,
    private readonly bCert: IssuedCertificate,
  ) {
    this.sender = { privateKey: createPrivateKey(driverCert.keyPem), certificate: driverCert.cert };
  }

  /** Sends message `n` until it has a receipt (twice over when `duplicate`). */
  async send(n: number, duplicate: boolean): Promise<void> {
    const invoiceNumber = `SOAK-D-${n}-${process.pid}`;
    const instanceId = randomUUID();
    const payload = sbd({ xml: INVOICE_XML.toString('utf8').replace('<cbc:ID>Snippet1</cbc:ID>', `<cbc:ID>${invoiceNumber}</cbc:ID>`), instanceIdentifier: instanceId });
    const build = (ids: { messageId: string; conversationId: string } | null) =>
      buildUserMessage({
        header: header({ fromPartyId: SEAT.driver, toPartyId: SEAT.b, originalSender: SUPPLIER, finalRecipient: BUYER, ...ids }),
        payload,
        sender: this.sender,
        receiverCertificate: this.bCert.cert,
      });
    const first = await build(null);
    const rebuild = n % 20 < 10 ? () => build({ messageId: first.messageId, conversationId: first.conversationId }) : null;
    const record: DirectMessage = { messageId: first.messageId, instanceId, invoiceNumber, receipts: [], attempts: 0, gaveUp: null };
    this.messages.push(record);
    for (let round = 0; round < (duplicate ? 2 : 1); round++) {
      if (round > 0 && rebuild) this.rebuilt++;
      await this.untilReceipt(round > 0 && rebuild ? await rebuild() : first, record, rebuild);
    }
  }

  private async untilReceipt(first: BuiltUserMessage, record: DirectMessage, rebuild: (() => Promise<BuiltUserMessage>) | null): Promise<void> {
    let last = '';
    let m = first;
    while (record.attempts < MAX_ATTEMPTS) {
      if (last && rebuild) {
        m = await rebuild();
        this.rebuilt++;
      }
      record.attempts++;
      try {
        const res = await fetch(`${this.bUrl}/as4`, { method: 'POST', headers: { 'content-type': m.contentType }, body: new Uint8Array(m.body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        const body = Buffer.from(await res.arrayBuffer());
        if (res.status === 200) {
          record.receipts.push(body);
          return;
        }
        last = `HTTP ${res.status} ${body.toString('utf8').slice(0, 300)}`;
      } catch (err) {
        last = String((err as { cause?: unknown }).cause ?? err);
      }
      await pause(jitter());
    }
    record.gaveUp = last;
  }
}

export class ApiClient {
  readonly submissions: Submission[] = [];

  constructor(
    private readonly aUrl: string,
    private readonly key: string,
  ) {}

  /** Submits one invoice until it has an answer (twice over when `repeat`, with the same key). */
  async submit(repeat: boolean): Promise<void> {
    const xml = ublDocument('invoice', SUPPLIER_AT_A, BUYER);
    const invoiceNumber = /<cbc:ID>(E2E-[^<]+)<\/cbc:ID>/.exec(xml.toString('utf8'))![1]!;
    const record: Submission = { idempotencyKey: randomUUID(), invoiceNumber, answers: [], attempts: 0, gaveUp: null };
    this.submissions.push(record);
    for (let round = 0; round < (repeat ? 2 : 1); round++) await this.untilAnswer(xml, record);
  }

  private async untilAnswer(body: Buffer, record: Submission): Promise<void> {
    let last = '';
    while (record.attempts < MAX_ATTEMPTS) {
      record.attempts++;
      try {
        const res = await fetch(`${this.aUrl}/api/v1/documents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/xml', 'idempotency-key': record.idempotencyKey },
          body: new Uint8Array(body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const answer = (await res.json().catch(() => ({}))) as { id?: string; code?: string; details?: { originalDocumentId?: string } };
        if ((res.status === 201 || res.status === 200) && answer.id) {
          record.answers.push(answer.id);
          return;
        }
        // The attempt that stored the document was killed before it recorded the answer under the key: the
        // retry that took the key over finds the invoice already there and names it.
        if (res.status === 409 && answer.code === 'api.business-duplicate' && answer.details?.originalDocumentId) {
          record.answers.push(answer.details.originalDocumentId);
          return;
        }
        last = `HTTP ${res.status} ${JSON.stringify(answer).slice(0, 300)}`;
      } catch (err) {
        last = String((err as { cause?: unknown }).cause ?? err);
      }
      await pause(jitter());
    }
    record.gaveUp = last;
  }
}
