/**
 * The access point as `serve` starts it (src/main.ts, configuration from environment variables), in this
 * process, on its own test database: our AP key and certificate, a trust file, optionally our SMP.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { startAccessPoint, type AccessPoint } from '../../src/main.js';
import { buildStores } from '../../src/composition/index.js';
import { TenantsService } from '../../src/services/tenants.js';
import { createTestDatabase, type TestDatabase } from './db.js';

interface KeyPair {
  keyPem: string;
  certPem: string;
}

export interface ServedApSetup {
  /** Names the test database and the key folder. */
  prefix: string;
  /** Our access point's key and certificate. */
  ap: KeyPair;
  /** The trust file: roots, AP CAs and SMP CAs, as PEM. */
  trust: { roots: string[]; ap: string[]; smp: string[] };
  /** Our SMP's key and certificate: with them, the access point publishes its SMP. */
  smp?: KeyPair;
  /** Further variables (SML, tokens, workers...). */
  env?: Record<string, string>;
  /** Runs on the migrated database before the access point starts (e.g. hosting a participant). */
  prepare?: (db: TestDatabase) => Promise<void>;
}

export interface ServedAp {
  ap: AccessPoint;
  db: TestDatabase;
  /** Tenants and keys of this access point (its database and hash key), as the CLI makes them. */
  tenants: TenantsService;
  close(): Promise<void>;
}

export async function startServedAp(setup: ServedApSetup): Promise<ServedAp> {
  const db = await createTestDatabase({ prefix: setup.prefix });
  const dir = mkdtempSync(join(tmpdir(), `${setup.prefix}-`));
  const file = (name: string, text: string | Buffer) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const hashKey = randomBytes(32);
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    API_KEY_HASH_KEY_FILE: file('api-key-hash.key', hashKey),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    AP_KEY_FILE: file('ap.key', setup.ap.keyPem),
    AP_CERT_FILE: file('ap.pem', setup.ap.certPem),
    AP_ENDPOINT_URL: 'http://127.0.0.1:9/as4', // published in our SMP; nothing is sent there
    PEPPOL_TRUST_FILE: file('trust.pem', [...setup.trust.roots, ...setup.trust.ap, ...setup.trust.smp].join('\n')),
    ...(setup.smp
      ? { SMP_PUBLIC_URL: 'http://127.0.0.1:9/smp', SMP_KEY_FILE: file('smp.key', setup.smp.keyPem), SMP_CERT_FILE: file('smp.pem', setup.smp.certPem) }
      : {}),
    ...setup.env,
  };
  try {
    await setup.prepare?.(db);
    const ap = await startAccessPoint(loadConfig(env), createLogger('silent'));
    const stores = buildStores(db.knex);
    return {
      ap,
      db,
      tenants: new TenantsService({ tenants: stores.tenants, keys: stores.apiKeys, audit: stores.audit, hashKey }),
      async close() {
        await ap.shutdown('test done');
        await db.drop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
