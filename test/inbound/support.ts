/**
 * An inbound access point for tests: a fresh database, the test PKI's receiver identity (POP000002), a
 * hosted participant accepting invoices and credit notes, and the inbound side with the full validator,
 * composed by the composition root's functions and served as the server serves it (the AS4 endpoint on
 * node:http before the express app with the inbox). Messages are built with our own AS4 library.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { buildUserMessage, parseMimeMessage, readSignal, type BuiltUserMessage, type ReadSignal, type UserMessageInput } from '../../src/as4/index.js';
import {
  buildAfterStoredHandlers,
  buildHttp,
  buildInbound,
  buildServedHere,
  buildServices,
  buildStores,
  Closers,
  queueWithoutDelivery,
} from '../../src/composition/index.js';
import { InflightBudget } from '../../src/http/body-budget.js';
import { DOCUMENT_TYPES } from '../../src/peppol/document-types.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import type { InboundService } from '../../src/pipeline/inbound-service.js';
import { inlineValidationRunner, type ValidationRunner } from '../../src/pipeline/inbound-validation.js';
import { buildSbd } from '../../src/sbdh/build.js';
import type { PostgresDocumentStore } from '../../src/store/documents.js';
import type { SmpParticipantStore } from '../../src/store/participants-smp.js';
import { createValidator, type Validator } from '../../src/validation/validator.js';
import { as4Fixture, type As4Fixture } from '../as4/fixtures.js';
import { BASE_CREDIT_NOTE, BASE_INVOICE, SCHEMATRON_DIR, UBL_SCHEMAS_DIR } from '../support/artifacts.js';
import { bearer, createKey, createTenant, testAuth } from '../support/auth.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

export const SUPPLIER = '0208:0123456749';
export const BUYER = '0208:0987654394';
export const INVOICE = DOCUMENT_TYPES.find((d) => d.name === 'invoice')!;
export const CREDIT_NOTE = DOCUMENT_TYPES.find((d) => d.name === 'creditnote')!;
export const INVOICE_XML = readFileSync(BASE_INVOICE);
export const CREDIT_NOTE_XML = readFileSync(BASE_CREDIT_NOTE);

let validatorPromise: Promise<Validator> | undefined;
/** The full validator, compiled once per test run. */
export function fullValidator(): Promise<Validator> {
  return (validatorPromise ??= createValidator({ ublSchemasDir: UBL_SCHEMAS_DIR, schematronDir: SCHEMATRON_DIR }));
}

export interface InboundEnv {
  f: As4Fixture;
  db: TestDatabase;
  documents: PostgresDocumentStore;
  participants: SmpParticipantStore;
  service: InboundService;
  server: Server;
  url: string;
  /** A key of the buyer's tenant with the inbox scope. */
  inboxKey: string;
  close(): Promise<void>;
}

export const OWN_ENDPOINT_URL = 'https://ap.test.local/as4';

/** `maxMessageBytes`: AS4_MAX_MESSAGE_BYTES (default 100 MiB). */
export async function startInboundEnv(
  opts: { runner?: ValidationRunner; db?: TestDatabase; maxMessageBytes?: number; spool?: { thresholdBytes: number; dir: string } } = {},
): Promise<InboundEnv> {
  const f = as4Fixture();
  const db = opts.db ?? (await createTestDatabase({ prefix: 'ap_inbound' }));
  const logger = pino({ level: 'silent' });
  const stores = buildStores(db.knex);
  const buyer = parseParticipantId(BUYER);
  if (!(await stores.participants.getParticipant(buyer))) {
    await stores.participants.addParticipant({ participant: buyer, name: 'Public buyer' });
    for (const d of [INVOICE, CREDIT_NOTE]) await stores.participants.addCapability(buyer, { documentType: d.documentType, process: d.process });
  }
  const closers = new Closers(logger);
  const validation = opts.runner ?? inlineValidationRunner(await fullValidator());
  const served = buildServedHere(stores, { ownEndpointUrl: OWN_ENDPOINT_URL, cacheMs: 0 });
  const service = await buildInbound(
    {
      duplicateRetentionMs: 30 * 86_400_000,
      maxMessageBytes: opts.maxMessageBytes ?? 100 * 1024 * 1024,
      ...(opts.spool ? { spoolThresholdBytes: opts.spool.thresholdBytes, spoolDir: opts.spool.dir } : {}),
    },
    { stores, identity: f.receiverId, seatId: 'POP000002', certificateValidator: f.validator, validation, served, handlers: buildAfterStoredHandlers(stores), concurrency: 1, logger },
    closers,
  );
  const auth = testAuth(stores);
  const services = buildServices({ rejectedPayloadBytesPerDay: 0, idempotencyKeyRetentionHours: 24 }, { stores, validation, outbound: queueWithoutDelivery(db.knex, { maxAttempts: 1, firstAttemptGraceMs: 0 }), served, auth });
  const buyerTenant = (await stores.tenants.tenantOfParticipant(BUYER)) ?? (await createTenant(services.tenants, { name: 'Public buyer', enterpriseNumber: '0987654394', participants: [BUYER] })).id;
  const inboxKey = (await createKey(services.tenants, buyerTenant, ['inbox'])).secret;
  const handler = buildHttp({
    services,
    stores,
    auth,
    maxDocumentBytes: 20 * 1024 * 1024,
    bodies: new InflightBudget(256 * 1024 * 1024),
    inbound: { service, path: '/as4' },
    smp: null,
    readiness: {},
    isShuttingDown: () => false,
    logger,
  });
  const server = createServer(handler).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    f,
    db,
    documents: stores.documents,
    participants: stores.participants,
    service,
    server,
    url,
    inboxKey,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await closers.closeAll(Date.now() + 10_000);
      if (!opts.db) await db.drop();
    },
  };
}

export interface SbdOptions {
  sender?: string;
  receiver?: string;
  instanceIdentifier?: string;
  documentType?: { scheme: string; value: string };
  process?: { scheme: string; value: string };
  xml?: Buffer | string;
}

export function sbd(o: SbdOptions = {}): Buffer {
  return Buffer.from(
    buildSbd({
      sender: parseParticipantId(o.sender ?? SUPPLIER),
      receiver: parseParticipantId(o.receiver ?? BUYER),
      documentType: o.documentType ?? INVOICE.documentType,
      process: o.process ?? INVOICE.process,
      countryC1: 'BE',
      payload: { xml: o.xml ?? INVOICE_XML },
      ...(o.instanceIdentifier ? { instanceIdentifier: o.instanceIdentifier } : {}),
    }),
  );
}

export function header(o: Partial<UserMessageInput> = {}): UserMessageInput {
  return {
    fromPartyId: 'POP000001',
    toPartyId: 'POP000002',
    processId: INVOICE.process.value,
    documentTypeId: INVOICE.documentType.value,
    originalSender: SUPPLIER,
    finalRecipient: BUYER,
    ...o,
  };
}

/** A signed and encrypted AS4 message from POP000001 to POP000002 carrying `payload`. */
export function message(payload: Buffer, o: Partial<Parameters<typeof buildUserMessage>[0]> = {}): Promise<BuiltUserMessage> {
  const f = as4Fixture();
  return buildUserMessage({ header: header(), payload, sender: f.senderId, receiverCertificate: f.receiver.cert, ...o });
}

export interface Posted {
  status: number;
  contentType: string;
  body: Buffer;
}

export async function post(url: string, m: { contentType: string; body: Buffer }): Promise<Posted> {
  const res = await fetch(`${url}/as4`, { method: 'POST', headers: { 'content-type': m.contentType }, body: new Uint8Array(m.body) });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

/** Reads and verifies a signal (receipt: NRR against what we sent). */
export function signal(r: Posted, sent?: BuiltUserMessage): Promise<ReadSignal> {
  return readSignal(parseMimeMessage(r.contentType, r.body), {
    certificateValidator: as4Fixture().validator,
    ...(sent ? { sent: { messageId: sent.messageId, signatureReferences: sent.signatureReferences } } : {}),
  });
}

export function inbox(env: Pick<InboundEnv, 'url' | 'inboxKey'>, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${env.url}/api/v1/inbox/${path}`, { ...init, headers: { ...bearer(env.inboxKey), ...(init.headers ?? {}) } });
}
