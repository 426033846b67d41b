/**
 * The API with webhooks as the server composes it (buildStores, buildServices, buildWebhooks, buildHttp),
 * on a fresh database and a real port, with a job runner and the fan-out polling every 50 ms and a quick
 * retry schedule; documents stay queued (nothing is sent), which already makes `document.submitted`.
 * One tenant owns the base invoice's supplier, with a key holding send, inbox and webhooks.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Scope } from '../../src/auth/principal.js';
import { buildHttp, buildServices, buildStores, buildWebhooks, Closers, queueWithoutDelivery, type Services, type Stores } from '../../src/composition/index.js';
import type { WebhooksConfig } from '../../src/config/index.js';
import { InflightBudget } from '../../src/http/body-budget.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/log.js';
import { inlineValidationRunner } from '../../src/pipeline/inbound-validation.js';
import { PostgresJobStore } from '../../src/store/jobs.js';
import { UblXsdValidator } from '../../src/validation/xsd.js';
import { BASE_INVOICE, UBL_SCHEMAS_DIR } from './artifacts.js';
import { bearer, createKey, createTenant, supplierOf, testAuth } from './auth.js';
import { createTestDatabase, type TestDatabase } from './db.js';

const MAX_BYTES = 2 * 1024 * 1024;

export interface WebhooksApi {
  db: TestDatabase;
  base: string;
  stores: Stores;
  services: Services;
  tenantId: string;
  /** send, inbox and webhooks of the tenant. */
  auth: Record<string, string>;
  /** A new tenant (owning `participants`) and the Authorization header of a key of it with `scopes`. */
  otherTenant(scopes: Scope[], participants?: string[]): Promise<{ tenantId: string; auth: Record<string, string> }>;
  /** Submits the base invoice (a deliberate resend after the first). */
  submit(): Promise<{ id: string }>;
  close(): Promise<void>;
}

export async function startWebhooksApi(options: { allowPrivateTargets?: boolean; maxAttempts?: number } = {}): Promise<WebhooksApi> {
  const logger = createLogger('silent');
  const db = await createTestDatabase({ prefix: 'ap_webhooks' });
  const closers = new Closers(logger);
  const validator = UblXsdValidator.load(UBL_SCHEMAS_DIR, { maxBytes: MAX_BYTES });
  const stores = buildStores(db.knex);
  const auth = testAuth(stores);
  const config: WebhooksConfig = {
    allowPrivateTargets: options.allowPrivateTargets ?? true,
    retry: { maxAttempts: options.maxAttempts ?? 15, initialDelayMs: 100, maxDelayMs: 2_000 },
  };
  const runner = new JobRunner(new PostgresJobStore(db.knex), { concurrency: 8, pollIntervalMs: 100, logger });
  const webhooks = buildWebhooks(config, { knex: db.knex, runner, pollIntervalMs: 50, logger }, closers);
  await runner.start();
  closers.push('jobs', () => runner.stop(5_000));
  webhooks.start();
  closers.push('fan-out', () => webhooks.stopFanOut());
  const services = buildServices(
    { rejectedPayloadBytesPerDay: 0, idempotencyKeyRetentionHours: 24 },
    {
      stores,
      auth,
      validation: inlineValidationRunner(validator, MAX_BYTES),
      outbound: queueWithoutDelivery(db.knex, { maxAttempts: 10, firstAttemptGraceMs: 60_000 }),
      webhooks: { queue: webhooks.queue, allowPrivateTargets: config.allowPrivateTargets },
    },
  );
  const supplier = supplierOf(readFileSync(BASE_INVOICE))!;
  const tenant = await createTenant(services.tenants, { name: 'Webhook tenant', participants: [supplier] });
  const key = await createKey(services.tenants, tenant.id, ['send', 'inbox', 'webhooks', 'admin']);
  const handler = buildHttp({
    services,
    stores,
    auth,
    maxDocumentBytes: MAX_BYTES,
    bodies: new InflightBudget(4 * MAX_BYTES),
    inbound: null,
    smp: null,
    readiness: {},
    isShuttingDown: () => false,
    logger,
  });
  const server: Server = createServer(handler).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let others = 0;
  return {
    db,
    base,
    stores,
    services,
    tenantId: tenant.id,
    auth: bearer(key.secret),
    async otherTenant(scopes, participants = []) {
      const t = await createTenant(services.tenants, { name: `Other tenant ${++others}`, participants });
      return { tenantId: t.id, auth: bearer((await createKey(services.tenants, t.id, scopes)).secret) };
    },
    async submit() {
      const res = await fetch(`${base}/api/v1/documents?resend=true`, {
        method: 'POST',
        headers: { ...bearer(key.secret), 'content-type': 'application/xml' },
        body: new Uint8Array(readFileSync(BASE_INVOICE)),
      });
      if (res.status !== 201) throw new Error(`submission answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as { id: string };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await closers.closeAll(Date.now() + 5_000);
      validator.close();
      await db.drop();
    },
  };
}

/** JSON request helper: method, path under /api/v1, Authorization, body. */
export async function call(base: string, auth: Record<string, string>, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}
