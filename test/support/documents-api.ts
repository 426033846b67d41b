/**
 * The documents API as the composition root builds it (stores, services, express app), on its own test
 * database and a real HTTP port, validating with the UBL XSD layer only and sending nothing: documents
 * stay queued (the outbound tests cover sending).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { apiAuthentication, buildServices, buildStores, queueWithoutDelivery, type Services, type Stores } from '../../src/composition/index.js';
import { createApp } from '../../src/http/app.js';
import { InflightBudget } from '../../src/http/body-budget.js';
import type { ReadinessCheck } from '../../src/http/health.js';
import { createLogger } from '../../src/log.js';
import { inlineValidationRunner } from '../../src/pipeline/inbound-validation.js';
import type { DocumentValidator } from '../../src/validation/types.js';
import { UblXsdValidator } from '../../src/validation/xsd.js';
import { BASE_CREDIT_NOTE, BASE_INVOICE, officialExamples, UBL_SCHEMAS_DIR } from './artifacts.js';
import { bearer, createKey, createTenant, supplierOf, testAuth } from './auth.js';
import { createTestDatabase, type TestDatabase } from './db.js';

/** A supplier a tenant can own: a Peppol participant identifier (ICD:value), not an e-mail address (EM:...). */
export function hostable(supplier: string | null): string | null {
  return supplier && /^\d{4}:/.test(supplier) ? supplier.toLowerCase() : null;
}

export interface DocumentsApi {
  db: TestDatabase;
  /** http://127.0.0.1:<port> */
  base: string;
  stores: Stores;
  services: Services;
  /** The tenant that owns the supplier of every official example, and a key of it with send and inbox. */
  tenantId: string;
  /** Authorization header of that key. */
  auth: Record<string, string>;
  close(): Promise<void>;
}

export async function startDocumentsApi(options: {
  prefix?: string;
  maxDocumentBytes: number;
  rejectedPayloadBytesPerDay?: number;
  readiness?: Record<string, ReadinessCheck>;
  /** The per-key rate limit (default: none a test reaches). */
  auth?: { ratePerSecond: number; rateBurst: number };
  /** What validates (default: the UBL XSD layer alone); the caller closes it. */
  validator?: DocumentValidator;
}): Promise<DocumentsApi> {
  const db = await createTestDatabase(options.prefix ? { prefix: options.prefix } : {});
  const xsdOnly = options.validator ? null : UblXsdValidator.load(UBL_SCHEMAS_DIR, { maxBytes: options.maxDocumentBytes });
  const validator: DocumentValidator = options.validator ?? xsdOnly!;
  const stores = buildStores(db.knex);
  const auth = testAuth(stores, options.auth ?? {});
  const services = buildServices(
    { rejectedPayloadBytesPerDay: options.rejectedPayloadBytesPerDay ?? 100 * 1024 * 1024, idempotencyKeyRetentionHours: 24 },
    {
      stores,
      auth,
      validation: inlineValidationRunner(validator, options.maxDocumentBytes),
      outbound: queueWithoutDelivery(db.knex, { maxAttempts: 10, firstAttemptGraceMs: 60_000 }),
    },
  );
  const suppliers = new Set([BASE_INVOICE, BASE_CREDIT_NOTE, ...officialExamples()].flatMap((f) => hostable(supplierOf(readFileSync(f))) ?? []));
  const tenant = await createTenant(services.tenants, { name: 'Suppliers of the official examples', participants: [...suppliers] });
  const key = await createKey(services.tenants, tenant.id, ['send', 'inbox']);
  const app = createApp({
    logger: createLogger('silent'),
    authenticate: apiAuthentication(auth, stores),
    documents: { documents: services.documents, maxDocumentBytes: options.maxDocumentBytes, bodies: new InflightBudget(4 * options.maxDocumentBytes) },
    readiness: options.readiness ?? {},
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    db,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stores,
    services,
    tenantId: tenant.id,
    auth: bearer(key.secret),
    async close() {
      await new Promise((r) => server.close(r));
      xsdOnly?.close();
      await db.drop();
    },
  };
}
