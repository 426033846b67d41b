/**
 * The two access points of the crash soak, each a real `serve` process (through tsx, test/support/process.ts)
 * on its own fresh database: A sends (its API takes the submissions, its job runner delivers them over AS4
 * after a real SML/SMP lookup in the local DNS zone), B receives (it hosts BUYER and publishes it in its own
 * SMP). A node can be killed with SIGKILL at any moment, also while it starts, and started again.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStores } from '../../../src/composition/index.js';
import { parseParticipantId } from '../../../src/peppol/identifiers.js';
import { commandLineCaller, TenantsService } from '../../../src/services/tenants.js';
import { SmpParticipantStore } from '../../../src/store/participants-smp.js';
import type { IssuedCertificate } from '../../../src/testing/test-pki.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { startDiscoveryEnv, TEST_SML_ZONE, type DiscoveryEnv } from '../../support/discovery.js';
import { freePort, spawnCli, waitFor200 } from '../../support/process.js';
import { BUYER, INVOICE } from '../../inbound/support.js';
import { belgianParticipant } from '../harness.js';

/** The supplier A sends for (its tenant owns it). */
export const SUPPLIER_AT_A = belgianParticipant(4242424);
/** Seat ids of A, B and the direct AS4 driver. */
export const SEAT = { a: 'PBE000711', b: 'PBE000712', driver: 'PBE000713' } as const;

export interface SoakNode {
  readonly name: 'A' | 'B';
  readonly url: string;
  readonly db: TestDatabase;
  readonly cert: IssuedCertificate;
  /** A key of the node's tenant (send, inbox, webhooks). */
  readonly key: string;
  /** How often `serve` was started. */
  starts: number;
  /** Starts `serve` and waits for /readyz. */
  up(): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
  /** Starts `serve` and kills it `afterMs` later, ready or not. */
  killDuringStartUp(afterMs: number): Promise<void>;
  /** The end of what the current process wrote on stderr. */
  stderrTail(): string;
  stop(): Promise<void>;
}

export interface SoakNetwork {
  discovery: DiscoveryEnv;
  a: SoakNode;
  b: SoakNode;
  /** The seat certificate of the direct AS4 driver (a third access point, trusted by B). */
  driverCert: IssuedCertificate;
  close(): Promise<void>;
}

export async function startSoakNetwork(): Promise<SoakNetwork> {
  const discovery = await startDiscoveryEnv();
  const dir = mkdtempSync(join(tmpdir(), 'ap-soak-'));
  const file = (name: string, content: string | Buffer) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  const pki = discovery.pki;
  // Without a CRL distribution point: the served processes have no CRL to fetch.
  const certA = pki.issueAp(SEAT.a, { noCrlDistributionPoint: true });
  const certB = pki.issueAp(SEAT.b, { noCrlDistributionPoint: true });
  const driverCert = pki.issueAp(SEAT.driver, { noCrlDistributionPoint: true });
  const common = {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    PEPPOL_TRUST_FILE: file('trust.pem', [...pki.trustedPems.roots, ...pki.trustedPems.ap, ...pki.trustedPems.smp].join('\n')),
    SML_ZONE: TEST_SML_ZONE,
    SML_DNS_SERVERS: discovery.dns.address,
    SMP_REQUIRE_HTTPS: 'false',
    INBOUND_VALIDATION_WORKERS: '0',
    INBOUND_SERVICED_CACHE_MS: '0',
    WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true',
    OUTBOUND_POLL_INTERVAL_MS: '200',
    // An attempt cut off by a kill is retried within seconds, as it would be minutes later in production.
    OUTBOUND_RETRY_INITIAL_MS: '300',
    OUTBOUND_RETRY_MAX_MS: '1500',
    OUTBOUND_MAX_ATTEMPTS: '200',
    OUTBOUND_CIRCUIT_OPEN_MS: '300',
    OUTBOUND_CIRCUIT_MAX_OPEN_MS: '1000',
    WEBHOOKS_RETRY_INITIAL_MS: '300',
    WEBHOOKS_RETRY_MAX_MS: '1500',
    // A submission cut off by a kill holds its Idempotency-Key this long; then the client's retry takes it over.
    IDEMPOTENCY_CLAIM_LEASE_SECONDS: '2',
  };
  const nodes: SoakNode[] = [];
  const node = async (name: 'A' | 'B', cert: IssuedCertificate, extra: (url: string) => Record<string, string>, provision: (db: TestDatabase, tenants: TenantsService) => Promise<string>): Promise<SoakNode> => {
    const db = await createTestDatabase({ prefix: `ap_soak_${name.toLowerCase()}` });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const hashKey = randomBytes(32);
    const n = name.toLowerCase();
    const env = {
      ...common,
      DATABASE_URL: db.url,
      PORT: String(port),
      API_KEY_HASH_KEY_FILE: file(`${n}-hash.key`, hashKey),
      AP_KEY_FILE: file(`${n}.key`, cert.keyPem),
      AP_CERT_FILE: file(`${n}.pem`, cert.certPem),
      AP_ENDPOINT_URL: `${url}/as4`,
      ...extra(url),
    };
    const stores = buildStores(db.knex);
    const key = await provision(db, new TenantsService({ tenants: stores.tenants, keys: stores.apiKeys, audit: stores.audit, hashKey }));
    let child: ReturnType<typeof spawnCli> | null = null;
    const kill = async () => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      c.kill('SIGKILL');
      await c.exited;
    };
    const spawn = () => {
      child = spawnCli(['serve'], env);
      result.starts++;
      return child;
    };
    const result: SoakNode = {
      name,
      url,
      db,
      cert,
      key,
      starts: 0,
      async up() {
        const t = Date.now();
        const c = spawn();
        try {
          await waitFor200(`${url}/readyz`, 120_000, c);
          if (process.env['SOAK_DEBUG']) console.log(`${name} ready in ${Date.now() - t} ms`);
        } catch (err) {
          throw new Error(`${name}: ${(err as Error).message}: ${c.output().stderr.slice(-3000)}`);
        }
      },
      kill,
      async killDuringStartUp(afterMs) {
        spawn();
        await new Promise((r) => setTimeout(r, afterMs));
        await kill();
      },
      stderrTail: () => child?.output().stderr.slice(-3000) ?? '',
      async stop() {
        const c = child;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        c.kill('SIGTERM');
        await c.exited;
      },
    };
    nodes.push(result);
    return result;
  };
  const by = commandLineCaller('soak');
  try {
    const b = await node(
      'B',
      certB,
      (url) => ({ SMP_PUBLIC_URL: `${url}/smp`, SMP_KEY_FILE: file('smp.key', discovery.smpCert.keyPem), SMP_CERT_FILE: file('smp.pem', discovery.smpCert.certPem) }),
      async (db, tenants) => {
        const participants = new SmpParticipantStore(db.knex);
        await participants.addParticipant({ participant: parseParticipantId(BUYER) });
        await participants.addCapability(parseParticipantId(BUYER), { documentType: INVOICE.documentType, process: INVOICE.process });
        const tenant = await tenants.create(by, { name: 'Buyer at B' });
        await tenants.addParticipant(by, tenant.id, BUYER);
        return (await tenants.createKey(by, { tenantId: tenant.id, scopes: ['inbox', 'webhooks'] })).secret;
      },
    );
    const a = await node('A', certA, () => ({}), async (_db, tenants) => {
      const tenant = await tenants.create(by, { name: 'Supplier at A' });
      await tenants.addParticipant(by, tenant.id, SUPPLIER_AT_A);
      return (await tenants.createKey(by, { tenantId: tenant.id, scopes: ['send', 'webhooks'] })).secret;
    });
    await discovery.registrar.register(parseParticipantId(BUYER), `${b.url}/smp`);
    return {
      discovery,
      a,
      b,
      driverCert,
      async close() {
        for (const n of nodes) await n.stop();
        for (const n of nodes) await n.db.drop();
        await discovery.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const n of nodes) await n.db.drop();
    await discovery.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
