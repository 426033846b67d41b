/**
 * An archive over a fresh database for the archive tests: the stores, the archiver signing with an AP
 * certificate of the test PKI, retention and the archive service, and traffic written the way the access
 * point writes it (AS4 reception with its receipt, API submission, status moves).
 */
import { createHash, createPrivateKey, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { buildArchive, type ArchiveParts, type PayloadStores } from '../../src/composition/archive.js';
import { buildStores, type Stores } from '../../src/composition/index.js';
import { loadConfig } from '../../src/config/index.js';
import { checkCreate, checkTransition } from '../../src/core/state-machine.js';
import type { ArchiveSigner } from '../../src/pipeline/archiver.js';
import { PostgresDeliveryStore } from '../../src/store/deliveries.js';
import { ARCHIVE_OBJECTS, PostgresPayloadStore } from '../../src/store/payloads.js';
import { createTestPki, type IssuedCertificate } from '../../src/testing/test-pki.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

export const pki = createTestPki();

export function signerOf(cert: IssuedCertificate): ArchiveSigner {
  return { privateKey: createPrivateKey(cert.keyPem), certificate: cert.cert };
}

export interface ArchiveEnv {
  db: TestDatabase;
  stores: Stores;
  payloadStores: PayloadStores;
  deliveries: PostgresDeliveryStore;
  archive: ArchiveParts;
  cert: IssuedCertificate;
  /** A tenant owning BUYER (inbound) and SUPPLIER (outbound). */
  tenantId: string;
  /** The simulated clock of the archiver and the service (checkpoint times). */
  clock: { now: Date };
  close(): Promise<void>;
}

export const SUPPLIER = '0208:0123456749';
export const BUYER = '0208:0987654394';
export const OTHER_BUYER = '0208:0000000196';

export async function startArchiveEnv(options: { prefix: string; payloadStores?: (db: TestDatabase) => PayloadStores; checkpointEvery?: number }): Promise<ArchiveEnv> {
  const db = await createTestDatabase({ prefix: options.prefix });
  const payloadStores = options.payloadStores?.(db) ?? { payloads: new PostgresPayloadStore(db.knex), archive: new PostgresPayloadStore(db.knex, ARCHIVE_OBJECTS) };
  const stores = buildStores(db.knex, payloadStores.payloads);
  const cert = pki.issueAp('POP000009');
  const config = loadConfig({ ARCHIVE_CHECKPOINT_ENTRIES: String(options.checkpointEvery ?? 50) });
  const clock = { now: new Date() };
  const archive = buildArchive(config, { knex: db.knex, stores: payloadStores, signer: signerOf(cert), clock: () => clock.now });
  const [tenant] = await db.knex('tenants').insert({ name: 'Archive test tenant' }).returning('id');
  const [other] = await db.knex('tenants').insert({ name: 'Another tenant' }).returning('id');
  await db.knex('hosted_participants').insert([
    { identifier: BUYER, tenant_id: tenant.id },
    { identifier: SUPPLIER, tenant_id: tenant.id },
    { identifier: OTHER_BUYER, tenant_id: other.id },
  ]);
  return {
    db,
    stores,
    payloadStores,
    deliveries: new PostgresDeliveryStore(db.knex, payloadStores.payloads),
    archive,
    cert,
    tenantId: tenant.id,
    clock,
    close: () => db.drop(),
  };
}

let counter = 0;

/** Receives one invoice over "AS4": document, payload, creation event, message record and receipt in one commit. */
export async function receive(env: ArchiveEnv, receiver = BUYER, issueDate = '2026-11-28', padding = ''): Promise<string> {
  const n = ++counter;
  const payload = Buffer.from(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>ARCH-${n}</ID>${padding}</Invoice>`);
  const r = await env.stores.messages.storeReceived(
    {
      headers: {
        messageId: `${randomUUID()}@test`,
        conversationId: `conv-${n}`,
        fromPartyId: 'POP000001',
        toPartyId: 'POP000009',
        originalSender: SUPPLIER,
        finalRecipient: receiver,
        sbdhInstanceId: randomUUID(),
        countryC1: 'BE',
        service: 'urn:proc',
        action: 'busdox-docid-qns::invoice',
        signatureReferences: null,
        mlsTo: null,
        mlsType: null,
      },
      receipt: { messageId: `receipt-${n}@test`, soap: Buffer.from(`<S12:Envelope><eb:Receipt n="${n}"/></S12:Envelope>`) },
      duplicateOf: null,
    },
    {
      senderId: SUPPLIER,
      receiverId: receiver,
      documentKind: 'Invoice',
      documentType: 'x',
      process: 'p',
      invoiceNumber: `ARCH-${n}`,
      issueDate,
      initial: checkCreate('inbound', 'received'),
      payload,
      payloadSha256: createHash('sha256').update(payload).digest('hex'),
      event: { reason: `received ${n}`, actor: 'as4', details: { n } },
      reporting: null,
    },
  );
  if (!r.stored) throw new Error('not stored');
  return r.stored.documentId;
}

/** Files a received document (available) and acknowledges it: two more events, and a final status. */
export async function fileAndAcknowledge(env: ArchiveEnv, id: string): Promise<void> {
  await env.stores.documents.setStatus(id, checkTransition(id, 'inbound', 'received', 'available'), { actor: 'test', reason: 'filed', details: { note: 'é ü 😀' } });
  await env.stores.documents.setStatus(id, checkTransition(id, 'inbound', 'available', 'acknowledged'), { actor: 'test', reason: 'picked up' });
}

/** Submits one outbound invoice (queued, with its validation report and job). */
export async function submit(env: ArchiveEnv): Promise<string> {
  const n = ++counter;
  const payload = Buffer.from(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>OUT-${n}</ID></Invoice>`);
  const { document } = await env.deliveries.createQueued(
    {
      initial: checkCreate('outbound', 'queued'),
      senderId: SUPPLIER,
      receiverId: '0208:0987654321',
      documentKind: 'Invoice',
      documentType: 'urn:doc',
      process: 'urn:proc',
      invoiceNumber: `OUT-${n}`,
      issueDate: '2026-11-28',
      payloadSha256: createHash('sha256').update(payload).digest('hex'),
      validationReport: { valid: true, errors: [], warnings: [{ rule: 'W-1', message: `warning ${n}` }] } as never,
    },
    payload,
    { actor: 'api', reason: 'queued' },
    { as4MessageId: `m${n}@test`, conversationId: `c${n}`, sbdhInstanceId: `i${n}`, countryC1: 'BE' },
    { maxAttempts: 5, dueAt: new Date(Date.now() + 3_600_000), heldBy: null },
  );
  return document.id;
}

/**
 * Appends until every event is in the archive. The archiver reads only behind the oldest transaction still
 * running on the whole server (xids are cluster-wide), so other work on the machine's Postgres can hold it
 * back for a moment: it catches up again until nothing is left.
 */
export async function archiveAll(env: Pick<ArchiveEnv, 'db' | 'archive'>, timeoutMs = 30_000): Promise<void> {
  return untilArchived(env.db.knex, () => env.archive.archiver.catchUp(), timeoutMs);
}

/** The same for any database and archiver (the e2e access points'). */
export async function untilArchived(knex: Knex, catchUp: () => Promise<unknown>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    await catchUp();
    const { rows } = await knex.raw(`SELECT count(*)::int AS n FROM document_events e WHERE NOT EXISTS (SELECT 1 FROM archive_entries a WHERE a.kind = 'event' AND a.ref = e.id::text)`);
    if (rows[0].n === 0) return;
    if (Date.now() > end) throw new Error(`${rows[0].n} events still not archived`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
