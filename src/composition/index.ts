/**
 * The composition root's parts: small build functions from a section of the configuration and what was
 * built before, each registering what it opens on the closers stack. src/main.ts composes the server from
 * them, the commands the little they need, and the end-to-end tests their access points, so the
 * application is wired in one place.
 */
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestListener } from 'node:http';
import type { RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { MlsType } from '../sbdh/model.js';
import { ResponsesService } from '../services/responses.js';
import type { ArchiveService } from '../services/archive.js';
import { archiveRouter } from '../http/archive.js';
import { responsesRouter } from '../http/responses.js';
import type { BusinessResponses } from './responses.js';
import { PostgresBusinessResponseStore } from '../store/business-responses.js';
import { PostgresConsoleStore } from '../store/console.js';
import { PostgresSupportQueries } from '../store/support-queries.js';
import { ConsoleUsersService } from '../services/console-users.js';
import { SupportService } from '../services/support.js';
import { consoleRouter } from '../console/router.js';
import { RateLimiter } from '../http/rate-limit.js';
import { PostgresReportingStore } from '../store/reporting.js';
import type { ReportsService } from '../services/reports.js';
import { reportsRouter } from '../http/reports.js';
import type { As4Identity } from '../as4/index.js';
import type { Config, ConsoleConfig, OutboundConfig, WebhooksConfig } from '../config/index.js';
import { buildWebhookDelivery, type WebhookService, type WebhooksParts } from '../jobs/webhook-service.js';
import { createApp, type AppDeps } from '../http/app.js';
import { as4DirectRoute } from '../http/as4-endpoint.js';
import type { InflightBudget } from '../http/body-budget.js';
import type { BodySpool } from '../http/spooled-body.js';
import { discoveryMounts, type Mount } from '../http/discovery-mounts.js';
import type { ReadinessCheck } from '../http/health.js';
import { inboxRouter } from '../http/inbox.js';
import { buildOutbound, type OutboundService, type OutboundServiceDeps } from '../jobs/outbound-service.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Logger } from '../log.js';
import { PeppolLookup } from '../peppol/lookup.js';
import type { SmlRegistrar } from '../peppol/sml-registrar.js';
import type { SmpSigningKey } from '../peppol/smp-signature.js';
import type { CertificateValidator } from '../pki/types.js';
import type { AfterStoredHandler } from '../pipeline/after-stored.js';
import { inboxFiling } from '../pipeline/inbox-filing.js';
import { startInbound, type InboundService } from '../pipeline/inbound-service.js';
import { inlineValidationRunner, workerValidationRunner, type ValidationRunner } from '../pipeline/inbound-validation.js';
import type { ReceiverLookup } from '../pipeline/outbound.js';
import { StoreServedHere, type ServedHere } from '../pipeline/served-here.js';
import type { OutboundQueue } from '../pipeline/submit.js';
import { DocumentsService } from '../services/documents.js';
import { InboxService } from '../services/inbox.js';
import { LookupService } from '../services/lookup.js';
import { ParticipantsService } from '../services/participants.js';
import { ReachabilityService } from '../services/reachability.js';
import { TenantsService } from '../services/tenants.js';
import { lookupRouter } from '../http/lookup.js';
import { EventsService } from '../services/events.js';
import { WebhooksService, type WebhookQueue } from '../services/webhooks.js';
import { PostgresEventStore } from '../store/events.js';
import { PostgresWebhookStore } from '../store/webhooks.js';
import { eventsRouter } from '../http/events.js';
import { webhooksRouter } from '../http/webhooks.js';
import { PostgresApiKeyStore } from '../store/api-keys.js';
import { PostgresAuditLog } from '../store/audit-log.js';
import { PostgresTenantStore } from '../store/tenants.js';
import { authenticate } from '../http/auth.js';
import { tenantsRouter } from '../http/tenants.js';
import type { AuthParts } from './auth.js';
import { As4MessageStore } from '../store/as4-messages.js';
import { openDatabase, type Database } from '../store/database.js';
import { PostgresDeliveryStore } from '../store/deliveries.js';
import { PostgresDocumentStore } from '../store/documents.js';
import { PostgresIdempotencyKeys } from '../store/idempotency-keys.js';
import { PostgresInbox } from '../store/inbox.js';
import { SmpParticipantStore, StoreSmpDirectory } from '../store/participants-smp.js';
import { PostgresPayloadStore, type PayloadStore } from '../store/payloads.js';
import { createValidator } from '../validation/validator.js';
import type { Closers } from './closers.js';
import type { EmailService } from '../jobs/email-service.js';
import { EmailSettingsService } from '../services/email-settings.js';
import { emailRouter } from '../http/email.js';
import type { SubmissionEmailOptions } from '../store/email.js';
import type { Tx } from '../store/documents.js';
import type { Metrics } from '../core/metrics.js';

export { Closers } from './closers.js';

/** The repositories over one pool. */
export interface Stores {
  /** Where transit payloads live (Postgres or S3, PAYLOAD_STORE); the stores below put and get through it. */
  payloads: PayloadStore;
  documents: PostgresDocumentStore;
  participants: SmpParticipantStore;
  messages: As4MessageStore;
  inbox: PostgresInbox;
  idempotencyKeys: PostgresIdempotencyKeys;
  tenants: PostgresTenantStore;
  apiKeys: PostgresApiKeyStore;
  audit: PostgresAuditLog;
  webhooks: PostgresWebhookStore;
  events: PostgresEventStore;
  responses: PostgresBusinessResponseStore;
  console: PostgresConsoleStore;
  support: PostgresSupportQueries;
  reporting: PostgresReportingStore;
}

export function buildStores(knex: Knex, payloads: PayloadStore = new PostgresPayloadStore(knex)): Stores {
  return {
    payloads,
    documents: new PostgresDocumentStore(knex, payloads),
    participants: new SmpParticipantStore(knex),
    messages: new As4MessageStore(knex, payloads),
    inbox: new PostgresInbox(knex),
    idempotencyKeys: new PostgresIdempotencyKeys(knex),
    tenants: new PostgresTenantStore(knex),
    apiKeys: new PostgresApiKeyStore(knex),
    audit: new PostgresAuditLog(knex),
    webhooks: new PostgresWebhookStore(knex),
    events: new PostgresEventStore(knex),
    responses: new PostgresBusinessResponseStore(knex),
    console: new PostgresConsoleStore(knex),
    support: new PostgresSupportQueries(knex),
    reporting: new PostgresReportingStore(knex),
  };
}

/** The database of a command: a small pool, migrated, closed with the command. */
export async function openCommandDatabase(config: Config, logger: Logger): Promise<Database> {
  return openDatabase({ url: config.database.url, poolMax: 2, embedded: config.database.embedded, logger });
}

/**
 * The validation pool the server shares between inbound and API submissions (INBOUND_VALIDATION_WORKERS
 * worker threads, so that a large invoice never holds up the event loop; with 0, inline).
 */
export async function buildValidation(v: Config['validation'], closers: Closers): Promise<ValidationRunner> {
  const options = { ublSchemasDir: v.ublSchemasDir, schematronDir: v.schematronDir, maxBytes: v.maxDocumentBytes };
  const runner = v.workers > 0 ? await workerValidationRunner({ ...options, workers: v.workers }) : inlineValidationRunner(await createValidator(options), v.maxDocumentBytes);
  closers.push('validation', () => runner.close());
  return runner;
}

/** The one "served here" check (and cache) of the process, for AS4 inbound and local delivery. */
export function buildServedHere(stores: Stores, opts: { ownEndpointUrl: string; cacheMs: number }): ServedHere {
  return new StoreServedHere(stores.participants, opts);
}

/** What each received document is handed to once stored and validated, in order (pickup: the e-mail channel's pick-up delay). */
export function buildAfterStoredHandlers(stores: Stores, responses?: { handler: AfterStoredHandler }, pickup?: AfterStoredHandler): AfterStoredHandler[] {
  return [inboxFiling(stores.documents), ...(responses ? [responses.handler] : []), ...(pickup ? [pickup] : [])];
}

export interface InboundParts {
  stores: Stores;
  identity: As4Identity;
  /** The AP key pairs being replaced (AP_PREVIOUS_KEY_FILE): they decrypt, the current one signs. */
  retiringIdentities?: readonly As4Identity[];
  seatId: string;
  certificateValidator: CertificateValidator;
  validation: ValidationRunner;
  served: ServedHere;
  handlers: readonly AfterStoredHandler[];
  /** Validations in flight (the pool's worker count). */
  concurrency: number;
  logger: Logger;
  metrics?: Metrics;
}

/** Where the spool files of large messages and documents go (AS4_SPOOL_DIR), in and out alike. */
export function spoolDirOf(as4: { spoolDir?: string | null | undefined }): string {
  return as4.spoolDir ?? join(tmpdir(), 'peppol-ap-spool');
}

/** AS4 inbound (we are C3). */
export async function buildInbound(
  as4: Pick<Config['as4'], 'duplicateRetentionMs' | 'maxMessageBytes'> & Partial<Pick<Config['as4'], 'spoolThresholdBytes' | 'spoolDir'>>,
  parts: InboundParts,
  closers: Closers,
): Promise<InboundService> {
  // Without a threshold (some tests), every part stays in memory.
  const spoolDir = spoolDirOf(as4);
  if (as4.spoolThresholdBytes !== undefined) await mkdir(spoolDir, { recursive: true, mode: 0o700 });
  const inbound = await startInbound({
    messages: parts.stores.messages,
    documents: parts.stores.documents,
    identity: parts.identity,
    ...(parts.retiringIdentities ? { retiringIdentities: parts.retiringIdentities } : {}),
    seatId: parts.seatId,
    certificateValidator: parts.certificateValidator,
    runner: parts.validation,
    served: parts.served,
    handlers: parts.handlers,
    duplicateRetentionMs: as4.duplicateRetentionMs,
    concurrency: parts.concurrency,
    limits: { mime: { maxTotalBytes: as4.maxMessageBytes, maxParts: 16, maxHeaderBytes: 16 * 1024 } },
    ...(as4.spoolThresholdBytes !== undefined ? { spool: { thresholdBytes: as4.spoolThresholdBytes, dir: spoolDir } } : {}),
    logger: parts.logger,
    ...(parts.metrics ? { metrics: parts.metrics } : {}),
  });
  closers.push('inbound', () => inbound.stop());
  return inbound;
}

export interface OutboundParts {
  knex: Knex;
  stores: Stores;
  lookup: ReceiverLookup;
  identity: As4Identity;
  seatId: string;
  certificateValidator: CertificateValidator;
  served: ServedHere;
  maxDocumentBytes: number;
  /** AS4_SPOOL_DIR (spoolDirOf): where large documents wait while they are sent. */
  spoolDir?: string;
  runner: JobRunner;
  logger: Logger;
  /** MLS_TYPE of our SBDHs. */
  mlsType?: MlsType;
  /** The e-mail channel's part of outbound delivery (src/composition/email.ts outboundEmail). */
  email?: OutboundServiceDeps['email'];
  metrics?: Metrics;
}

/** AS4 outbound (we are C2), registered on the runner as its `outbound` job kind (start the runner afterwards). */
/** SML and SMP resolution from the discovery settings; a command may point it at another zone or DNS server. */
export function buildLookup(
  discovery: Config['discovery'],
  validator: CertificateValidator,
  overrides: { zone?: string; dnsServer?: string; allowHttp?: boolean } = {},
): PeppolLookup {
  const { sml, smp } = discovery;
  return new PeppolLookup({
    sml: {
      zone: overrides.zone ?? sml.zone,
      dnsServers: overrides.dnsServer ? [overrides.dnsServer] : (sml.dnsServers ?? []),
      timeoutMs: sml.dnsTimeoutMs,
      requireHttps: overrides.allowHttp ? false : sml.requireHttps,
    },
    validator,
    smpTimeoutMs: smp.timeoutMs,
    cacheTtlMs: smp.cacheTtlMs,
    cacheMaxEntries: smp.cacheMaxEntries,
  });
}

/** The lookup use case over a resolver (see buildLookup). */
export function buildLookupService(lookup: PeppolLookup, zone: string): LookupService {
  return new LookupService(lookup, zone);
}

export function buildOutboundDelivery(config: OutboundConfig, parts: OutboundParts, closers: Closers): OutboundService {
  const outbound = buildOutbound({ ...parts, documents: parts.stores.documents, payloads: parts.stores.payloads, config });
  closers.push('outbound', () => outbound.close());
  return outbound;
}

/**
 * Webhook delivery registered on the runner as its `webhook` job kind (start the runner, then the
 * service's fan-out; stop them in the reverse order, which the closers do).
 */
export function buildWebhooks(config: WebhooksConfig, parts: Omit<WebhooksParts, 'retry' | 'allowPrivateTargets'>, closers: Closers): WebhookService {
  const service = buildWebhookDelivery({ ...parts, retry: { ...config.retry, multiplier: 2 }, allowPrivateTargets: config.allowPrivateTargets });
  closers.push('webhooks', () => service.close());
  return service;
}

/** Where submitted documents wait when this process does not deliver (no AP key): queued, never dispatched. */
export function queueWithoutDelivery(knex: Knex, outbound: { maxAttempts: number; firstAttemptGraceMs: number }, payloads?: PayloadStore): OutboundQueue {
  return {
    deliveries: new PostgresDeliveryStore(knex, payloads),
    sends: false,
    maxAttempts: outbound.maxAttempts,
    hold: () => null,
    firstAttemptGraceMs: outbound.firstAttemptGraceMs,
    dispatch: () => {},
    wake: () => {},
    idDomain: 'peppol-ap',
  };
}

export interface Services {
  documents: DocumentsService;
  inbox: InboxService;
  participants: ParticipantsService;
  tenants: TenantsService;
  reachability: ReachabilityService;
  events: EventsService;
  /** Null where no job runner delivers webhooks (commands, tests of other areas): the routes are not mounted. */
  webhooks: WebhooksService | null;
  /** Null without our AP (nothing is received or sent): the routes are not mounted. */
  responses: ResponsesService | null;
  consoleUsers: ConsoleUsersService;
  support: SupportService;
  /** Null when the e-mail channel is off (no SMTP_HOST): the routes are not mounted. */
  email: EmailSettingsService | null;
  /** The monthly Peppol reports (src/composition/reporting.ts); null without our AP: the route is not mounted. */
  reports: ReportsService | null;
  /** Null where no archive is built (commands, tests of other areas): the routes are not mounted. */
  archive: ArchiveService | null;
}

export function buildServices(
  config: { rejectedPayloadBytesPerDay: number; idempotencyKeyRetentionHours: number; idempotencyClaimLeaseMs?: number },
  parts: {
    stores: Stores;
    validation: ValidationRunner;
    outbound: OutboundQueue;
    /** The API keys' hash key, and the authenticator to tell of revocations (none in a command). */
    auth: Pick<AuthParts, 'hashKey'> & Partial<Pick<AuthParts, 'authenticator'>>;
    served?: ServedHere;
    sml?: { registrar: SmlRegistrar; smpBaseUrl: string };
    /** Peppol discovery for the lookup pre-flight; absent: only participants hosted here are found. */
    network?: PeppolLookup;
    /** The `webhook` job kind's queue (src/jobs/webhook-service.ts) and WEBHOOKS_ALLOW_PRIVATE_TARGETS. */
    webhooks?: { queue: WebhookQueue; allowPrivateTargets: boolean };
    /** Business responses (src/composition/responses.ts), where our AP sends and receives. */
    responses?: BusinessResponses;
    /** CONSOLE_IDLE_TIMEOUT_MINUTES (default 30). */
    consoleIdleMinutes?: number;
    /** The e-mail channel (src/composition/email.ts), when SMTP is configured. */
    email?: EmailService;
    /** The Peppol reports' use cases (src/composition/reporting.ts), where our AP is configured. */
    reports?: ReportsService;
    /** The archive service (src/composition/archive.ts). */
    archive?: ArchiveService;
    /** Submitted documents rejected are counted there. */
    metrics?: Metrics;
  },
): Services {
  const { stores } = parts;
  const responses = parts.responses
    ? new ResponsesService({ documents: stores.documents, inbox: stores.inbox, tenants: stores.tenants, store: parts.responses.store, invoices: parts.responses.invoices, mls: parts.responses.mls })
    : null;
  const participants = new ParticipantsService({
    store: stores.participants,
    ...(parts.served ? { served: parts.served } : {}),
    ...(parts.sml ? { sml: parts.sml } : {}),
  });
  return {
    documents: new DocumentsService({
      validation: parts.validation,
      documents: stores.documents,
      outbound: parts.outbound,
      rejectedPayloadBytesPerDay: config.rejectedPayloadBytesPerDay,
      messages: stores.messages,
      idempotencyKeys: stores.idempotencyKeys,
      idempotencyKeyRetentionHours: config.idempotencyKeyRetentionHours,
      ...(config.idempotencyClaimLeaseMs !== undefined ? { idempotencyClaimLeaseMs: config.idempotencyClaimLeaseMs } : {}),
      tenants: stores.tenants,
      responses: stores.responses,
      ...(parts.responses ? { answers: parts.responses.invoices } : {}),
      ...(parts.email ? { emailOptions: { save: (id: string, o: SubmissionEmailOptions, tx: Tx) => parts.email!.store.saveSubmissionOptions(id, o, tx) } } : {}),
      ...(parts.metrics ? { metrics: parts.metrics } : {}),
    }),
    inbox: new InboxService({ inbox: stores.inbox, documents: stores.documents, tenants: stores.tenants, ...(responses ? { acknowledgements: responses } : {}) }),
    participants,
    reachability: new ReachabilityService({ hosted: participants, network: parts.network ?? null }),
    tenants: new TenantsService({
      tenants: stores.tenants,
      keys: stores.apiKeys,
      audit: stores.audit,
      hashKey: parts.auth.hashKey,
      ...(parts.auth.authenticator ? { authenticator: parts.auth.authenticator } : {}),
    }),
    events: new EventsService(stores.events),
    webhooks: parts.webhooks ? new WebhooksService({ webhooks: stores.webhooks, events: stores.events, ...parts.webhooks }) : null,
    responses,
    consoleUsers: new ConsoleUsersService({ store: stores.console, tenants: stores.tenants, audit: stores.audit, idleSeconds: (parts.consoleIdleMinutes ?? 30) * 60 }),
    support: new SupportService({ documents: stores.documents, queries: stores.support, validation: parts.validation, outbound: parts.outbound }),
    email: parts.email ? new EmailSettingsService({ store: parts.email.store, tenants: stores.tenants }) : null,
    reports: parts.reports ?? null,
    archive: parts.archive ?? null,
  };
}

/** Our SMP: the hosted participants, with this access point's endpoint where a capability names none. */
export interface SmpParts {
  publicUrl: string;
  signingKey: SmpSigningKey;
  endpoint: { url: string; certificate: Buffer; technicalContactUrl: string; serviceDescription?: string };
}

export interface HttpParts {
  services: Services;
  stores: Stores;
  auth: AuthParts;
  maxDocumentBytes: number;
  bodies: InflightBudget;
  /** Large API submissions spooled to files (with our AP: AS4_SPOOL_THRESHOLD_BYTES, AS4_MAX_MESSAGE_BYTES, AS4_SPOOL_DIR). */
  spool?: BodySpool;
  /** The AS4 endpoint and the inbox, when our AP is configured. */
  inbound: { service: InboundService; path: string } | null;
  smp: SmpParts | null;
  readiness: Record<string, ReadinessCheck>;
  isShuttingDown: () => boolean;
  /** Marks /readyz (and so every monitor) while the sandbox runs. */
  sandbox?: boolean;
  /** The console's cookie policy (CONSOLE_SECURE_COOKIE; default auto). */
  console?: Pick<ConsoleConfig, 'secureCookie'>;
  logger: Logger;
  /** API requests counted, and GET /metrics when served on the main port (src/http/metrics.ts). */
  metrics?: NonNullable<AppDeps['metrics']>;
}

/** The SMP (when published) and the admin API, over the participants service. */
export function buildDiscoveryMounts(parts: { services: Services; stores: Stores; smp: SmpParts | null }): Mount[] {
  const { smp } = parts;
  return discoveryMounts({
    participants: parts.services.participants,
    tenants: parts.services.tenants,
    smp: smp && {
      publicUrl: smp.publicUrl,
      signingKey: smp.signingKey,
      directory: new StoreSmpDirectory(parts.stores.participants, { serviceDescription: 'Peppol access point', ...smp.endpoint }),
    },
  });
}

/** The authentication of /api/v1, operator requests audited in the store's log. */
export function apiAuthentication(auth: AuthParts, stores: Pick<Stores, 'audit'>): RequestHandler {
  return authenticate({ authenticator: auth.authenticator, limiter: auth.limiter, audit: stores.audit });
}

/**
 * The server's request handler: POST to the AS4 endpoint is taken before express (as4DirectRoute, see
 * as4-endpoint.ts); everything else is the express app's (documents API, inbox, SMP, admin API, health).
 */
export function buildHttp(parts: HttpParts): RequestListener {
  const { services, inbound } = parts;
  const mounts: Mount[] = [];
  if (inbound) {
    mounts.push(
      ...buildDiscoveryMounts({ services, stores: parts.stores, smp: parts.smp }),
      { path: '/api/v1/inbox', router: inboxRouter({ inbox: services.inbox, ...(services.responses ? { responses: services.responses } : {}) }) },
    );
  }
  mounts.push({ path: '/api/v1', router: tenantsRouter({ tenants: services.tenants }) }, { path: '/api/v1', router: lookupRouter({ reachability: services.reachability }) });
  mounts.push({ path: '/api/v1', router: eventsRouter({ events: services.events }) });
  if (services.webhooks) mounts.push({ path: '/api/v1', router: webhooksRouter({ webhooks: services.webhooks }) });
  if (services.responses) mounts.push({ path: '/api/v1', router: responsesRouter({ responses: services.responses }) });
  mounts.push({
    path: '/console',
    router: consoleRouter({
      users: services.consoleUsers,
      support: services.support,
      documents: services.documents,
      responses: services.responses,
      cookies: { secure: parts.console?.secureCookie ?? 'auto' },
      logger: parts.logger,
      // Ten sign-in attempts at once per address, then one every six seconds.
      signInLimiter: new RateLimiter({ perSecond: 1 / 6, burst: 10 }),
    }),
  });
  if (services.email) mounts.push({ path: '/api/v1', router: emailRouter({ settings: services.email }) });
  if (services.reports) mounts.push({ path: '/api/v1', router: reportsRouter({ reports: services.reports }) });
  if (services.archive) mounts.push({ path: '/api/v1', router: archiveRouter({ archive: services.archive }) });
  const app = createApp({
    logger: parts.logger,
    authenticate: apiAuthentication(parts.auth, parts.stores),
    documents: { documents: services.documents, maxDocumentBytes: parts.maxDocumentBytes, bodies: parts.bodies, ...(parts.spool ? { spool: parts.spool } : {}) },
    readiness: parts.readiness,
    ...(parts.sandbox ? { sandbox: true } : {}),
    isShuttingDown: parts.isShuttingDown,
    mounts,
    ...(parts.metrics ? { metrics: parts.metrics } : {}),
  });
  const as4 = inbound ? as4DirectRoute(inbound.service.pipeline, { path: inbound.path, logger: parts.logger, isShuttingDown: parts.isShuttingDown, budget: parts.bodies }) : null;
  return (req, res) => {
    if (!as4?.(req, res)) app(req, res);
  };
}
