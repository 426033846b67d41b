/**
 * The operator console in real Chromium, on a sandbox access point: an operator signs in, finds a
 * rejected invoice by its invoice number, reads its report in Dutch and then French, follows a finding
 * to its highlighted line, validates it again, resends an undeliverable document once its receiver is
 * hosted, and signs out; a tenant admin cannot open another tenant's document; every page passes axe.
 * With CONSOLE_SCREENSHOTS=<folder> the main pages are saved there (the README's come from docs/).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { startAccessPoint, type AccessPoint } from '../../src/main.js';
import { ConsoleUsersService, principalOf } from '../../src/services/console-users.js';
import { SupportService } from '../../src/services/support.js';
import { PostgresDeliveryStore } from '../../src/store/deliveries.js';
import { PostgresDocumentStore } from '../../src/store/documents.js';
import { PostgresPayloadStore } from '../../src/store/payloads.js';
import { PostgresSupportQueries } from '../../src/store/support-queries.js';
import { expectKind } from '../support/assert.js';
import { ParticipantsService } from '../../src/services/participants.js';
import { commandLineCaller } from '../../src/services/tenants.js';
import { PostgresAuditLog } from '../../src/store/audit-log.js';
import { PostgresConsoleStore } from '../../src/store/console.js';
import { SmpParticipantStore } from '../../src/store/participants-smp.js';
import { PostgresTenantStore } from '../../src/store/tenants.js';
import { assertAccessible, launchBrowser, type TestBrowser } from '../support/browser.js';
import { until } from '../support/assert.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const SUPPLIER = '0208:0000000097';
const BUYER = '0208:0000000196';
const LATER_HOSTED = '0208:0000000295';
const OPERATOR = { name: 'olivia', password: 'correct horse battery staple' };
const OTHER_ADMIN = { name: 'tom', password: 'another long passphrase' };
const SHOTS = process.env.CONSOLE_SCREENSHOTS;

function invoice(number: string, receiver: string, broken: boolean): Buffer {
  let xml = readFileSync('schematron/examples/peppol-3.0.21/base-example.xml', 'utf8')
    .replace('<cbc:ID>Snippet1</cbc:ID>', `<cbc:ID>${number}</cbc:ID>`)
    .replace('<cbc:EndpointID schemeID="0088">9482348239847239874</cbc:EndpointID>', `<cbc:EndpointID schemeID="0208">${SUPPLIER.slice(5)}</cbc:EndpointID>`)
    .replace('<cbc:EndpointID schemeID="0002">FR23342</cbc:EndpointID>', `<cbc:EndpointID schemeID="0208">${receiver.slice(5)}</cbc:EndpointID>`);
  // PEPPOL-EN16931-R003: neither a buyer reference nor an order reference, the first cause of B2G rejections.
  if (broken) xml = xml.replace(/<cbc:BuyerReference>[^<]*<\/cbc:BuyerReference>\s*/, '');
  return Buffer.from(xml);
}

describe('operator console in Chromium', function () {
  this.timeout(180_000);
  let db: TestDatabase;
  let dir: string;
  let ap: AccessPoint;
  let browser: TestBrowser;
  let rejectedId: string;
  let undeliverableId: string;
  const number = `CONSOLE-${Date.now()}`;
  const copy = `${number}-C`;

  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${ap.url}${path}`, { ...init, headers: { authorization: `Bearer ${ap.demo!.apiKey}`, ...(init.headers ?? {}) } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const submit = (xml: Buffer) => api('/api/v1/documents', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: new Uint8Array(xml) });
  const statusOf = async (id: string) => (await api(`/api/v1/documents/${id}`)).body.status as string;

  before(async () => {
    db = await createTestDatabase({ prefix: 'console' });
    dir = mkdtempSync(join(tmpdir(), 'console-sandbox-'));
    ap = await startAccessPoint(
      loadConfig({ DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', SANDBOX_DIR: join(dir, 'pki'), OUTBOUND_POLL_INTERVAL_MS: '50', INBOUND_SERVICED_CACHE_MS: '0', API_KEY_HASH_KEY_FILE: join(dir, 'hash.key') }),
      createLogger('silent'),
    );
    const users = new ConsoleUsersService({ store: new PostgresConsoleStore(db.knex), tenants: new PostgresTenantStore(db.knex), audit: new PostgresAuditLog(db.knex), idleSeconds: 1800 });
    const cli = commandLineCaller('test');
    await users.create(cli, { name: OPERATOR.name, role: 'operator', tenantId: null, password: OPERATOR.password });
    const other = await new PostgresTenantStore(db.knex).create({ name: 'Other BV', enterpriseNumber: '0987654321', countryCode: 'BE', sandbox: false });
    await users.create(cli, { name: OTHER_ADMIN.name, role: 'tenant-admin', tenantId: other.id, password: OTHER_ADMIN.password });

    const rejected = await submit(invoice(number, BUYER, true));
    assert.equal(rejected.status, 422, JSON.stringify(rejected.body));
    rejectedId = rejected.body.id;
    const sent = await submit(invoice(`${number}-B`, LATER_HOSTED, false));
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    undeliverableId = sent.body.id;
    await until('undeliverable', async () => (await statusOf(undeliverableId)) === 'undeliverable');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await ap?.shutdown('test done');
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(context: BrowserContext, who: { name: string; password: string }): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${ap.url}/console/`);
    assert.match(page.url(), /\/console\/sign-in/);
    await page.getByLabel('User name').fill(who.name);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/failures/);
    return page;
  }
  const shot = async (page: Page, name: string) => {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `console-${name}.png`) });
  };

  it('signs in, finds the rejected invoice by its number, reads it in Dutch then French, follows a finding to its line, validates it again, resends, signs out', async () => {
    const context = await browser.context();
    const page = await signIn(context, OPERATOR);
    const cookie = (await context.cookies()).find((c) => c.name === 'pap_console')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    await assertAccessible(page, 'failures queue');
    // Keyboard first: the first Tab reaches the skip link, which moves focus to the content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to the content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'content');
    assert.ok(await page.getByRole('link', { name: number, exact: true }).isVisible(), 'the rejected invoice is in the failures queue');
    assert.ok(await page.getByRole('link', { name: 'PEPPOL-EN16931-R003' }).isVisible(), 'counted under its rule');
    await shot(page, 'failures');

    await page.getByRole('link', { name: 'Search' }).click();
    await assertAccessible(page, 'search');
    await page.getByLabel('Invoice number').fill(number);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: number, exact: true }).click();
    await page.waitForURL(new RegExp(`/console/documents/${rejectedId}`));
    await assertAccessible(page, 'document page');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.ok(await page.getByText('PEPPOL-EN16931-R003').first().isVisible());
    assert.match((await page.locator('#report ~ table').first().textContent())!, /The invoice has neither a BT-10 Buyer reference/);

    await page.getByRole('link', { name: 'Nederlands' }).click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'nl');
    assert.ok(await page.getByRole('heading', { name: 'Validatierapport' }).isVisible());
    const r003 = () => page.locator('#report ~ table tr', { hasText: 'PEPPOL-EN16931-R003' }).first();
    assert.match((await r003().textContent())!, /De factuur bevat geen BT-10 Referentie van de koper/);
    assert.match((await r003().textContent())!, /Vraag de koper naar zijn referentie/);
    await assertAccessible(page, 'document page in Dutch');
    await page.getByRole('link', { name: 'Français' }).click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
    assert.ok(await page.getByRole('heading', { name: 'Rapport de validation' }).isVisible());
    assert.match((await r003().textContent())!, /La facture ne contient ni BT-10 Référence de l'acheteur/);
    // Remembered: the next page without ?lang= is in French too.
    await page.goto(`${ap.url}/console/documents/${rejectedId}`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'fr');

    const finding = page.locator('#F1');
    const lineLink = finding.getByRole('link', { name: /^ligne \d+$/ });
    const line = Number((await lineLink.textContent())!.replace(/\D/g, ''));
    await lineLink.click();
    assert.ok(page.url().endsWith(`#L${line}`));
    const target = page.locator(`#L${line}`);
    assert.equal(await target.getAttribute('class'), 'hit');
    assert.ok(await target.isVisible());
    assert.ok(await target.evaluate((el) => el.matches(':target')));
    if (SHOTS) {
      await page.goto(`${ap.url}/console/documents/${rejectedId}?lang=en#report`);
      await shot(page, 'document');
      await page.goto(`${ap.url}/console/documents/${rejectedId}?lang=fr`);
    }

    await page.getByRole('button', { name: 'Valider à nouveau avec les règles en vigueur' }).click();
    await page.waitForURL(/done=revalidated/);
    assert.ok(await page.getByRole('status').filter({ hasText: 'Validé à nouveau' }).isVisible());
    assert.ok(await page.locator('#revalidation').isVisible());
    assert.match((await page.locator('#timeline ~ table').first().textContent())!, /validé à nouveau/);

    // The cause of the failure is fixed: the receiver is now hosted here. Then the document is sent again.
    await new ParticipantsService({ store: new SmpParticipantStore(db.knex) }).add({ participant: LATER_HOSTED, documentTypes: [{ documentType: 'invoice' }] });
    await page.goto(`${ap.url}/console/documents/${undeliverableId}?lang=en`);
    await assertAccessible(page, 'undeliverable document');
    await page.getByRole('button', { name: 'Send again' }).click();
    await page.waitForURL(/done=resent/);
    await until('delivered after the resend', async () => (await statusOf(undeliverableId)) === 'delivered');
    await page.reload();
    assert.match((await page.locator('dl.meta').first().textContent())!, /delivered/);
    assert.match((await page.locator('#timeline ~ table').first().textContent())!, /undeliverable → queued/);

    await page.getByRole('link', { name: 'Dashboard' }).click();
    await assertAccessible(page, 'dashboard');
    assert.ok(await page.locator('svg[role="img"]').first().isVisible());
    await shot(page, 'dashboard');

    // A form posted without its token is refused.
    const forged = await context.request.post(`${ap.url}/console/documents/${rejectedId}/handled`, { form: { note: 'forged' } });
    assert.equal(forged.status(), 403);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/signedOut=1/);
    await assertAccessible(page, 'sign-in page');
    await page.goto(`${ap.url}/console/failures`);
    assert.match(page.url(), /\/console\/sign-in/);
    const audited = (await db.knex('audit_log').where({ actor: `console:${OPERATOR.name}` }).orderBy('id')).map((r) => r.action as string);
    for (const action of ['console.sign-in', 'console.search', 'console.document.view', 'console.document.revalidated', 'console.document.resent', 'console.sign-out']) {
      assert.ok(audited.includes(action), `${action} is not in the audit log: ${audited.join(', ')}`);
    }
    await context.close();
  });

  it("a tenant admin sees only their tenant: another tenant's document is 404 and absent from the queue", async () => {
    const context = await browser.context();
    const page = await signIn(context, OTHER_ADMIN);
    assert.equal(await page.getByRole('link', { name: number, exact: true }).count(), 0);
    const res = await page.goto(`${ap.url}/console/documents/${rejectedId}`);
    assert.equal(res!.status(), 404);
    await assertAccessible(page, 'not found page');
    const payload = await context.request.get(`${ap.url}/console/documents/${rejectedId}/payload`);
    assert.equal(payload.status(), 404);
    await context.close();
  });

  it('finds a document by each support key, hides a handled failure, refuses a resend that would deliver an invoice twice', async () => {
    const documents = new PostgresDocumentStore(db.knex, new PostgresPayloadStore(db.knex));
    const support = new SupportService({
      documents,
      queries: new PostgresSupportQueries(db.knex),
      validation: { validate: () => Promise.reject(new Error('not used')), close: async () => {} },
      // The server's runner polls the jobs table: a requeued job is taken there.
      outbound: { deliveries: new PostgresDeliveryStore(db.knex), sends: true, maxAttempts: 3, hold: () => null, firstAttemptGraceMs: 0, dispatch: () => {}, wake: () => {}, idDomain: 'test' },
    });
    const operator = principalOf((await new PostgresConsoleStore(db.knex).byName(OPERATOR.name))!.user);
    const receiver = '0208:0000000394';
    const first = (await submit(invoice(copy, receiver, false))).body.id as string;
    await until('undeliverable', async () => (await statusOf(first)) === 'undeliverable');
    await new ParticipantsService({ store: new SmpParticipantStore(db.knex) }).add({ participant: receiver, documentTypes: [{ documentType: 'invoice' }] });
    const second = (await submit(invoice(copy, receiver, false))).body.id as string;
    await until('delivered', async () => (await statusOf(second)) === 'delivered');
    await expectKind(support.resend(operator, first), 'api.conflict');
    await expectKind(support.resend(operator, second), 'state.invalid-transition');

    const { delivery } = (await api(`/api/v1/documents/${second}`)).body;
    const ids = async (keys: Record<string, string>) => (await support.search(operator, { ...keys, limit: 10 })).filter((d) => d.direction === 'outbound').map((d) => d.id).sort();
    assert.deepEqual(await ids({ invoiceNumber: copy }), [first, second].sort());
    // And the copy the buyer hosted here received.
    assert.equal((await support.search(operator, { invoiceNumber: copy, limit: 10 })).filter((d) => d.direction === 'inbound').length, 1);
    assert.deepEqual(await ids({ messageId: delivery.as4MessageId }), [second]);
    assert.deepEqual(await ids({ conversationId: delivery.conversationId }), [second]);
    assert.deepEqual(await ids({ instanceId: delivery.sbdhInstanceId }), [second]);
    assert.deepEqual(await ids({ enterpriseNumber: '0000000394', invoiceNumber: copy }), [first, second].sort());
    assert.deepEqual(await ids({ enterpriseNumber: '0000000394', invoiceNumber: number }), []);

    const queue = async () => (await support.failures(operator, { limit: 50 })).page.documents.map((d) => d.id);
    assert.ok((await queue()).includes(first));
    await support.markHandled(operator, first, 'sent again as a new submission');
    assert.ok(!(await queue()).includes(first), 'handled: out of the queue');
    assert.ok((await support.failures(operator, { limit: 50, includeHandled: true })).page.documents.some((d) => d.id === first));
    const rules = (await support.failures(operator, { limit: 50, ruleId: 'PEPPOL-EN16931-R003' }));
    assert.deepEqual(rules.page.documents.map((d) => d.id), [rejectedId]);
    assert.deepEqual(rules.rules, [{ ruleId: 'PEPPOL-EN16931-R003', count: 1 }]);
  });

  it('notifies the sender of a received invoice: a negative Invoice Response on the buyer\'s behalf, shown on both sides', async () => {
    const context = await browser.context();
    const page = await signIn(context, OPERATOR);
    await page.goto(`${ap.url}/console/search?invoiceNumber=${copy}`);
    const received = page.locator('tr', { hasText: 'inbound (received)' }).getByRole('link', { name: copy });
    await received.click();
    await assertAccessible(page, 'received invoice');
    await page.getByLabel('Reason').selectOption('REF');
    await page.getByLabel('Explanation for the supplier').fill('Our order number 4500012345 is missing.');
    await page.getByRole('button', { name: 'Notify the sender: reject the invoice' }).click();
    await page.waitForURL(/done=notified/);
    assert.match((await page.locator('#evidence ~ table').first().textContent())!, /invoice-response/);
    const sent = (await api(`/api/v1/documents?invoiceNumber=${copy}&direction=outbound&status=delivered`)).body.documents[0].id as string;
    await until('the supplier sees the rejection', async () => (await api(`/api/v1/documents/${sent}`)).body.businessStatus === 'rejected');
    await context.close();
  });

  it('escapes what documents say: markup in an invoice number is shown as text, never run', async () => {
    const hostile = '<b id="xss">x</b><script>document.title="owned"</script>';
    const xml = invoice('placeholder', BUYER, true).toString('utf8').replace('<cbc:ID>placeholder</cbc:ID>', `<cbc:ID>${hostile.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</cbc:ID>`);
    const id = (await submit(Buffer.from(xml))).body.id as string;
    const context = await browser.context();
    const page = await signIn(context, OPERATOR);
    for (const path of [`/console/documents/${id}`, '/console/failures', `/console/search?invoiceNumber=${encodeURIComponent(hostile)}`]) {
      await page.goto(`${ap.url}${path}`);
      assert.equal(await page.locator('#xss').count(), 0, path);
      assert.notEqual(await page.title(), 'owned', path);
      const main = (await page.locator('main').textContent())!;
      assert.ok(main.includes(hostile), `${path}: ${main.slice(0, 600)}`);
    }
    await context.close();
  });

  it('shows a public page without signing in, with aggregates only: no party, no invoice', async () => {
    const context = await browser.context();
    const page = await context.newPage();
    const res = await page.goto(`${ap.url}/console/public?lang=nl`);
    assert.equal(res!.status(), 200);
    assert.equal(await page.locator('html').getAttribute('lang'), 'nl');
    await assertAccessible(page, 'public page');
    const text = (await page.content()).toString();
    for (const secret of [number, SUPPLIER, BUYER, 'Sandbox demo']) assert.ok(!text.includes(secret), `the public page shows ${secret}`);
    assert.ok(text.includes('PEPPOL-EN16931-R003'), 'rule ids are aggregate figures');
    await shot(page, 'public');
    await context.close();
  });
});
