/**
 * The e-mail channel end to end: access points of the e2e harness (real SML/SMP discovery, AS4, Postgres)
 * with the channel pointed at a real SMTP server on 127.0.0.1, each message parsed with mailparser. A hosts
 * the suppliers, B the buyer; receivers that are not registered anywhere are not on Peppol.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { belgianParticipant, startNetwork, ublDocument, type E2eNetwork, type TestAp } from '../e2e/harness.js';
import { until } from '../support/assert.js';
import { startTestSmtp, type ReceivedMail, type TestSmtp } from '../support/smtp.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

interface TimelineEvent {
  type: string;
  fromStatus: string | null;
  toStatus: string | null;
  reason: string;
  details: Record<string, any> | null;
}

describe('the e-mail channel (real SMTP server on 127.0.0.1)', function () {
  this.timeout(180_000);
  let smtp: TestSmtp;
  let net: E2eNetwork;
  let a: TestAp;
  let b: TestAp;
  const supplier = belgianParticipant(7171717); // at A
  const supplierWithoutResponses = belgianParticipant(7272727); // at A, its SMP lists no Invoice Response
  const localBuyer = belgianParticipant(7373737); // at A, with a pick-up delay
  const buyer = belgianParticipant(7474747); // at B
  let unregistered = 7575750;
  const notOnPeppol = () => belgianParticipant(unregistered++);

  before(async () => {
    smtp = await startTestSmtp();
    net = await startNetwork();
    a = await net.startAp('A', 'PBE000717', { email: smtp.env() });
    b = await net.startAp('B', 'PBE000747', { email: smtp.env({ EMAIL_FROM: 'hub@ap-b.test' }) });
    await a.host(supplier);
    await a.host(supplierWithoutResponses, undefined, { invoiceResponses: false });
    await a.host(localBuyer);
    await b.host(buyer);
  });
  after(async () => {
    await net?.close();
    await smtp?.close();
  });

  const mailsTo = (address: string) => smtp.received.filter((m) => m.envelopeTo.includes(address));
  const waitMail = (address: string, count = 1, timeoutMs = 20_000) => until(`${count} e-mail(s) to ${address}`, async () => mailsTo(address).length >= count && mailsTo(address), timeoutMs);

  async function tenantSettings(ap: TestAp, settings: Record<string, unknown>): Promise<void> {
    const res = await ap.put(`/api/v1/tenants/${ap.tenantId}/email-settings`, settings);
    assert.equal(res.status, 200, await res.clone().text());
  }

  /** The PDF and XML attachments of a fallback or pick-up e-mail: the XML is the stored payload, byte for byte. */
  async function checkAttachments(mail: ReceivedMail, ap: TestAp, documentId: string): Promise<void> {
    const doc = await ap.get(documentId);
    const xml = mail.parsed.attachments.find((x) => x.contentType === 'application/xml');
    const pdf = mail.parsed.attachments.find((x) => x.contentType === 'application/pdf');
    assert.ok(xml && pdf, mail.parsed.attachments.map((x) => `${x.filename} ${x.contentType}`).join(', '));
    assert.equal(sha256(xml.content), doc.payload.sha256, 'the XML attached is the stored payload');
    const stored = Buffer.from(await (await ap.api(`/api/v1/documents/${documentId}/payload`)).arrayBuffer());
    assert.ok(xml.content.equals(stored));
    assert.equal(pdf.content.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.match(pdf.filename ?? '', /\.pdf$/);
  }

  it('on_peppol_failure (tenant setting): an invoice to a receiver not on Peppol is e-mailed to the buyer contact with the PDF and the XML, and ends delivered-by-email', async () => {
    await tenantSettings(a, { language: 'en', fallback: 'on_peppol_failure' });
    const address = 'buyer.fallback@customer.test';
    const xml = Buffer.from(ublDocument('invoice', supplier, notOnPeppol()).toString('utf8').replace('lj@buyer.se', address));
    const submitted = await a.submit(xml);
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const doc = await a.waitFor(submitted.body.id, ['delivered-by-email', 'undeliverable', 'failed']);
    assert.equal(doc.status, 'delivered-by-email', JSON.stringify(doc.events));
    const [mail] = await waitMail(address);
    await checkAttachments(mail!, a, doc.id);
    assert.match(mail!.parsed.subject ?? '', /^Invoice E2E-.* from SupplierOfficialName Ltd$/);
    const events = doc.events as TimelineEvent[];
    const toEmail = events.find((e) => e.toStatus === 'emailing');
    assert.ok(toEmail && /not registered|not on Peppol/.test(toEmail.reason), JSON.stringify(events));
    const sent = events.find((e) => e.toStatus === 'delivered-by-email')!;
    assert.equal(sent.details!['messageId'], mail!.parsed.messageId, 'the timeline records the Message-ID received');
    assert.equal(sent.details!['to'], address);
    assert.ok(!events.some((e) => e.toStatus === 'delivered'), 'never silently delivered');
    const feed = await until('the feed event', async () => {
      const page = (await (await a.api('/api/v1/events?limit=500')).json()) as { events: Array<{ type: string; documentId: string }> };
      return page.events.filter((e) => e.documentId === doc.id).map((e) => e.type).includes('document.delivered-by-email') && page;
    });
    assert.ok(!feed.events.some((e) => e.documentId === doc.id && e.type === 'document.delivered'));
  });

  it('always (per submission, with an address given): the e-mail goes to the address of the submission', async () => {
    await tenantSettings(a, { language: 'en', fallback: 'off' });
    const address = 'given@customer.test';
    const xml = ublDocument('invoice', supplier, notOnPeppol());
    const res = await fetch(`${a.url}/api/v1/documents?emailFallback=always&emailTo=${encodeURIComponent(address)}`, {
      method: 'POST',
      headers: { ...a.authorization, 'content-type': 'application/xml' },
      body: new Uint8Array(xml),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const id = ((await res.json()) as { id: string }).id;
    const doc = await a.waitFor(id, ['delivered-by-email', 'undeliverable', 'failed']);
    assert.equal(doc.status, 'delivered-by-email', JSON.stringify(doc.events));
    const [mail] = await waitMail(address);
    await checkAttachments(mail!, a, id);
    assert.equal(mailsTo('lj@buyer.se').length, 0, "the invoice's own address is not used when one is given");
  });

  it('always also takes a receiver on Peppol whose access point refuses the message; on_peppol_failure does not', async () => {
    // A registered receiver whose published endpoint answers 400 without an ebMS signal: a permanent refusal.
    const refusing = createServer((_req, res) => res.writeHead(400).end('no'));
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    try {
      const receiver = belgianParticipant(7676767);
      await b.host(receiver, { url: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/as4`, certPem: b.cert.certPem });
      const submit = async (mode: string, to: string) => {
        const res = await fetch(`${a.url}/api/v1/documents?emailFallback=${mode}&emailTo=${encodeURIComponent(to)}&resend=true`, { method: 'POST', headers: { ...a.authorization, 'content-type': 'application/xml' }, body: new Uint8Array(ublDocument('invoice', supplier, receiver)) });
        assert.equal(res.status, 201, await res.clone().text());
        return a.waitFor(((await res.json()) as { id: string }).id, ['delivered-by-email', 'undeliverable', 'failed', 'delivered']);
      };
      const always = await submit('always', 'always@customer.test');
      assert.equal(always.status, 'delivered-by-email', JSON.stringify(always.events));
      assert.match((always.events as TimelineEvent[]).find((e) => e.toStatus === 'emailing')!.reason, /HTTP 400 .*not delivered over Peppol; sent by e-mail instead \(fallback always\)/);
      await waitMail('always@customer.test');
      const onFailure = await submit('on_peppol_failure', 'onfailure@customer.test');
      assert.equal(onFailure.status, 'undeliverable', 'the receiver is on Peppol: its refusal is not a reason to e-mail');
      assert.equal(mailsTo('onfailure@customer.test').length, 0);
    } finally {
      refusing.close();
    }
  });

  it('off: a receiver not on Peppol still ends undeliverable, and nothing is e-mailed', async () => {
    const before = smtp.received.length;
    const submitted = await a.submit(ublDocument('invoice', supplier, notOnPeppol()));
    const doc = await a.waitFor(submitted.body.id, ['undeliverable', 'delivered-by-email']);
    assert.equal(doc.status, 'undeliverable');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(smtp.received.length, before);
  });

  it('refuses e-mail options that cannot work before anything is stored (400)', async () => {
    const headers = { ...a.authorization, 'content-type': 'application/xml' };
    for (const query of ['emailFallback=sometimes', 'emailTo=x%40y.test', 'emailFallback=always&emailTo=not-an-address']) {
      const res = await fetch(`${a.url}/api/v1/documents?${query}`, { method: 'POST', headers, body: new Uint8Array(ublDocument('invoice', supplier, notOnPeppol())) });
      assert.equal(res.status, 400, query);
    }
  });

  it('an SMTP server refusing the recipient: a clear event, and the document ends undeliverable (not lost, not retried in vain)', async () => {
    const address = 'nobody@customer.test';
    smtp.refuse.add(address);
    const xml = ublDocument('invoice', supplier, notOnPeppol());
    const res = await fetch(`${a.url}/api/v1/documents?emailFallback=on_peppol_failure&emailTo=${encodeURIComponent(address)}`, { method: 'POST', headers: { ...a.authorization, 'content-type': 'application/xml' }, body: new Uint8Array(xml) });
    const id = ((await res.json()) as { id: string }).id;
    const doc = await a.waitFor(id, ['undeliverable', 'delivered-by-email', 'failed']);
    assert.equal(doc.status, 'undeliverable');
    const last = (doc.events as TimelineEvent[]).at(-1)!;
    assert.equal(last.fromStatus, 'emailing');
    assert.match(last.reason, /refused the recipient \(550 to RCPT TO\)/);
    assert.equal(last.details!['error'], 'email.recipient-refused');
  });

  it('an address in the invoice that is not valid: a clear event, undeliverable', async () => {
    await tenantSettings(a, { language: 'en', fallback: 'on_peppol_failure' });
    const xml = Buffer.from(ublDocument('invoice', supplier, notOnPeppol()).toString('utf8').replace('lj@buyer.se', 'lisa at buyer dot se'));
    const submitted = await a.submit(xml);
    const doc = await a.waitFor(submitted.body.id, ['undeliverable', 'delivered-by-email', 'failed']);
    assert.equal(doc.status, 'undeliverable');
    const last = (doc.events as TimelineEvent[]).at(-1)!;
    assert.equal(last.details!['error'], 'email.address-invalid');
    assert.match(last.reason, /"lisa at buyer dot se" is not a valid e-mail address/);
  });

  it('an SMTP server that is down is retried with an event per attempt, and the e-mail is delivered once when it is back', async () => {
    await tenantSettings(a, { language: 'en', fallback: 'on_peppol_failure' });
    const address = 'outage@customer.test';
    await smtp.down();
    try {
      const xml = Buffer.from(ublDocument('invoice', supplier, notOnPeppol()).toString('utf8').replace('lj@buyer.se', address));
      const submitted = await a.submit(xml);
      const failedOnce = await until('an e-mail attempt failed', async () => {
        const d = await a.get(submitted.body.id);
        return (d.events as TimelineEvent[]).some((e) => e.type === 'email-failed') && d;
      });
      assert.equal(failedOnce.status, 'emailing');
      const failure = (failedOnce.events as TimelineEvent[]).find((e) => e.type === 'email-failed')!;
      assert.equal(failure.details!['error'], 'email.smtp-unavailable');
      assert.match(failure.reason, /SMTP server 127\.0\.0\.1 could not be used/);
      await smtp.up();
      const doc = await a.waitFor(submitted.body.id, ['delivered-by-email', 'failed', 'undeliverable']);
      assert.equal(doc.status, 'delivered-by-email');
      await new Promise((r) => setTimeout(r, 500));
      const mails = mailsTo(address);
      assert.equal(mails.length, 1, 'delivered once');
      assert.equal(mails[0]!.parsed.messageId, (doc.events as TimelineEvent[]).at(-1)!.details!['messageId']);
    } finally {
      if (!(await isUp(smtp))) await smtp.up();
    }
  });

  it('pick-up delay: a document still in the inbox after it is rendered and e-mailed once to the functional address, stays in the inbox, and the e-mail is on its timeline', async () => {
    const functional = 'invoices@body.test';
    const tooShort = await a.put(`/api/v1/participants/${encodeURIComponent(localBuyer)}/pickup-delay`, { delaySeconds: 60, functionalAddress: functional });
    assert.equal(tooShort.status, 400, 'one hour at least');
    const set = await a.put(`/api/v1/participants/${encodeURIComponent(localBuyer)}/pickup-delay`, { delaySeconds: 3600, functionalAddress: functional });
    assert.equal(set.status, 200, await set.clone().text());
    assert.deepEqual(await (await a.api(`/api/v1/participants/${encodeURIComponent(localBuyer)}/pickup-delay`)).json(), { participant: localBuyer, delaySeconds: 3600, functionalAddress: functional });
    // A short delay for the test, below what the API allows.
    await a.email!.store.savePickupSettings({ participant: localBuyer, delaySeconds: 2, functionalAddress: functional });

    const delivered = async () => {
      const submitted = await a.submit(ublDocument('invoice', supplier, localBuyer));
      const sent = await a.waitFor(submitted.body.id, ['delivered']);
      return (sent.events as TimelineEvent[]).find((e) => e.details?.['inboundDocumentId'])!.details!['inboundDocumentId'] as string;
    };
    const waiting = await delivered();
    const pickedUp = await delivered();
    assert.equal((await a.ack(localBuyer, pickedUp)).status, 200);

    const [mail] = await waitMail(functional);
    await checkAttachments(mail!, a, waiting);
    assert.match(mail!.parsed.subject ?? '', /^Not picked up: invoice /);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(mailsTo(functional).length, 1, 'once, and none for the document picked up in time');
    const doc = await a.get(waiting);
    assert.equal(doc.status, 'available', 'still in the inbox');
    const entry = (doc.events as TimelineEvent[]).find((e) => e.type === 'email-sent')!;
    assert.equal(entry.details!['messageId'], mail!.parsed.messageId);
    const inbox = (await (await a.inbox(localBuyer)).json()) as { documents: Array<{ id: string }> };
    assert.ok(inbox.documents.some((d) => d.id === waiting));
  });

  it('an Invoice Response the supplier cannot receive over Peppol is e-mailed to the supplier contact of the invoice, and ends delivered-by-email', async () => {
    const supplierAddress = 'ar@supplier.test';
    // The supplier's contact (BT-41..43) goes after PartyLegalEntity.
    const xml = Buffer.from(
      ublDocument('invoice', supplierWithoutResponses, buyer)
        .toString('utf8')
        .replace('<cbc:CompanyID>GB983294</cbc:CompanyID>\n            </cac:PartyLegalEntity>', `<cbc:CompanyID>GB983294</cbc:CompanyID>\n            </cac:PartyLegalEntity>\n            <cac:Contact><cbc:ElectronicMail>${supplierAddress}</cbc:ElectronicMail></cac:Contact>`),
    );
    assert.match(xml.toString('utf8'), new RegExp(supplierAddress));
    const submitted = await a.submit(xml);
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    await a.waitFor(submitted.body.id, ['delivered']);
    const received = await until('the invoice in the inbox at B', async () => {
      const list = (await (await b.inbox(buyer)).json()) as { documents: Array<{ id: string; invoiceNumber: string }> };
      return list.documents.find((d) => d.invoiceNumber === submitted.body.invoiceNumber);
    });
    const res = await b.api(`/api/v1/inbox/${encodeURIComponent(buyer)}/documents/${received.id}/response`, { code: 'RE', reasons: [{ code: 'REF', text: 'No order 123 here' }] });
    assert.equal(res.status, 202, await res.clone().text());
    const { responseDocumentId } = (await res.json()) as { responseDocumentId: string };
    const response = await b.waitFor(responseDocumentId, ['delivered-by-email', 'delivered'], 30_000);
    assert.equal(response.status, 'delivered-by-email');
    const moves = (response.events as TimelineEvent[]).filter((e) => e.type === 'status').map((e) => e.toStatus);
    assert.deepEqual(moves.slice(-2), ['response-undeliverable', 'delivered-by-email']);
    const [mail] = await waitMail(supplierAddress);
    assert.match(mail!.parsed.subject ?? '', /^Response to invoice E2E-.*: RE$/);
    const xmlPart = mail!.parsed.attachments.find((x) => x.contentType === 'application/xml')!;
    assert.equal(sha256(xmlPart.content), response.payload.sha256, 'the Invoice Response itself, byte for byte');
    assert.ok(mail!.parsed.attachments.some((x) => x.contentType === 'application/pdf'));
  });

  it('a notification a tenant subscribed to, in its language (French): a new document in the inbox', async () => {
    const notify = 'compta@buyer.test';
    await tenantSettings(b, { language: 'fr', fallback: 'off', notificationAddress: notify, notificationEvents: ['document.received'] });
    const settings = await (await b.api(`/api/v1/tenants/${b.tenantId}/email-settings`)).json();
    assert.deepEqual(settings, { language: 'fr', fallback: 'off', notificationAddress: notify, notificationEvents: ['document.received'] });
    const submitted = await a.submit(ublDocument('invoice', supplier, buyer));
    await a.waitFor(submitted.body.id, ['delivered']);
    const [mail] = await waitMail(notify);
    assert.match(mail!.parsed.subject ?? '', /^Nouveau dans la boîte de réception : facture E2E-.* de SupplierOfficialName Ltd$/);
    assert.match(mail!.parsed.text ?? '', /Message automatique du point d’accès Peppol/);
    assert.equal(mail!.parsed.headers.get('content-language'), 'fr');
  });

  it('notifications of a delivery that failed and of a webhook endpoint disabled, in Dutch', async () => {
    const notify = 'ops@supplier.test';
    await tenantSettings(a, { language: 'nl', fallback: 'off', notificationAddress: notify, notificationEvents: ['document.failed', 'webhook.disabled'] });
    const hooks = await WebhookReceiver.start();
    try {
      hooks.answer(410); // Gone: the endpoint is disabled at its first delivery
      const created = await a.api('/api/v1/webhooks', { url: hooks.url, eventTypes: ['document.undeliverable'] });
      assert.equal(created.status, 201, await created.clone().text());
      const submitted = await a.submit(ublDocument('invoice', supplier, notOnPeppol()));
      await a.waitFor(submitted.body.id, ['undeliverable']);
      const mails = await waitMail(notify, 2);
      const subjects = mails.map((m) => m.parsed.subject ?? '').sort();
      assert.match(subjects[0]!, /^Levering mislukt: factuur E2E-.* aan Buyer Official Name$/);
      assert.equal(subjects[1], `Webhook uitgeschakeld: ${hooks.url}`);
      const failed = mails.find((m) => /^Levering mislukt/.test(m.parsed.subject ?? ''))!;
      assert.match(failed.parsed.text ?? '', /Reden: .*not registered/);
      const doc = await a.get(submitted.body.id);
      assert.ok((doc.events as TimelineEvent[]).some((e) => e.type === 'email-notification' && e.details!['messageId'] === failed.parsed.messageId));
    } finally {
      await hooks.close();
      await tenantSettings(a, { language: 'en', fallback: 'off' });
    }
  });

  it('refuses settings out of range and answers another tenant as absent', async () => {
    assert.equal((await a.put(`/api/v1/tenants/${a.tenantId}/email-settings`, { language: 'de', fallback: 'off' })).status, 400);
    assert.equal((await a.put(`/api/v1/tenants/${a.tenantId}/email-settings`, { language: 'nl', fallback: 'off', notificationEvents: ['document.received'] })).status, 400);
    assert.equal((await a.api(`/api/v1/tenants/${b.tenantId}/email-settings`)).status, 404);
    assert.equal((await a.put(`/api/v1/participants/${encodeURIComponent(buyer)}/pickup-delay`, { delaySeconds: 3600, functionalAddress: 'x@y.test' })).status, 404);
  });
});

async function isUp(smtp: TestSmtp): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect(smtp.port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
