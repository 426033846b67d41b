/**
 * The sandbox: what `serve` runs on when no AP key is configured (SANDBOX=auto), so that a first start
 * shows the product doing its job. A local test PKI is generated once in SANDBOX_DIR and reused; our AP
 * key, certificate, endpoint and trust come from it; two demo participants are hosted here, so that an
 * invoice from one is delivered locally into the other's inbox. Nothing leaves this access point: there
 * is no SMP, no SML registration, and a receiver not hosted here is refused without asking the Peppol SML.
 * Refused under PEPPOL_ENVIRONMENT=production, where a missing key is a mistake to report, not to paper over.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPemFile, type Config, type PemKinds } from '../config/index.js';
import { ApError } from '../errors.js';
import type { Logger } from '../log.js';
import { parseParticipantId } from '../peppol/identifiers.js';
import { knownDocumentType } from '../peppol/document-types.js';
import type { ReceiverLookup } from '../pipeline/outbound.js';
import { createLocalPki } from '../pki/index.js';
import type { Authenticator } from '../services/authenticator.js';
import type { ParticipantsService } from '../services/participants.js';
import { commandLineCaller, type TenantsService } from '../services/tenants.js';

/**
 * The demo the sandbox hosts: two participants, each accepting invoices, credit notes and Invoice
 * Responses (so that a buyer's answer reaches the supplier). Whoever creates demo tenants and API keys
 * gives these participants to them.
 */
export const sandboxDemo = {
  participants: ['0208:0000000097', '0208:0000000196'],
  documentTypes: ['invoice', 'creditnote', 'invoice-response'],
} as const;

/** The seat id of the sandbox's AP certificate: ZZ is no country, so no real seat id has it. */
export const SANDBOX_SEAT_ID = 'PZZ000001';

const FILES = { key: 'ap.key', cert: 'ap.pem', trust: 'trust.pem' } as const;
/** The demo tenant's API key, kept so that every start prints the same one (mode 0600). */
const DEMO_KEY_FILE = 'demo-api-key';
const DEMO_SCOPES = ['send', 'inbox', 'respond', 'participants', 'webhooks', 'admin'] as const;

export interface Sandbox {
  /** The configuration with the sandbox's AP key, certificate, endpoint and trust. */
  config: Config;
  /** Answers every receiver not hosted here: the sandbox never asks the Peppol SML. */
  lookup: ReceiverLookup;
  /**
   * Hosts the demo participants that are not hosted yet (on every start, so removing one is undone),
   * gives them to the demo tenant, and returns that tenant's API key: the one kept in SANDBOX_DIR while
   * it still works, else a new one.
   */
  setUpDemo(services: { participants: ParticipantsService; tenants: TenantsService }, authenticator: Pick<Authenticator, 'verify'>): Promise<{ tenantId: string; apiKey: string }>;
}

/** The sandbox for `config`, or null when it has an AP key or SANDBOX=off. */
export function prepareSandbox(config: Config, logger: Logger): Sandbox | null {
  if (config.as4.identity || config.sandbox.mode === 'off') return null;
  if (config.pki.environment === 'production') {
    throw new ApError(
      'config.invalid',
      'PEPPOL_ENVIRONMENT=production needs our AP key: set AP_KEY_FILE, AP_CERT_FILE and AP_ENDPOINT_URL (the sandbox, which runs without them, is refused in production; SANDBOX=off runs without AS4)',
    );
  }
  const dir = config.sandbox.dir;
  const created = ensureLocalPki(dir);
  const read = <K extends keyof PemKinds>(name: string, kind: K): PemKinds[K] => {
    const r = readPemFile('SANDBOX_DIR', join(dir, name), kind);
    if (!r.ok) throw new ApError('config.invalid', `${r.problems.join('; ')} (delete ${dir} to have the sandbox generate a new one)`);
    return r.value;
  };
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? 'localhost' : config.http.host;
  const endpointUrl = `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}${config.as4.path}`;
  const sandboxed: Config = Object.freeze({
    ...config,
    as4: { ...config.as4, identity: { privateKey: read(FILES.key, 'private key'), certificate: read(FILES.cert, 'certificate'), endpointUrl, technicalContactUrl: endpointUrl } },
    // Only the sandbox's own CAs, which publish no CRL.
    pki: { ...config.pki, trust: read(FILES.trust, 'certificate bundle'), environment: null, revocation: { ...config.pki.revocation, mode: 'off' as const } },
    smp: null,
  });
  logger.warn(
    { sandbox: true, dir, pki: created ? 'created' : 'reused', seatId: SANDBOX_SEAT_ID, participants: sandboxDemo.participants },
    'SANDBOX: no AP key configured (AP_KEY_FILE), so this access point runs on a local test PKI and delivers only between the participants hosted here; nothing it sends reaches the Peppol network',
  );
  return {
    config: sandboxed,
    lookup: {
      lookup: async (participant) => {
        throw new ApError('sml.not-registered', `sandbox: ${participant.scheme}::${participant.value} is not hosted on this access point, and the sandbox never asks the Peppol SML`);
      },
      invalidate: () => {},
    },
    async setUpDemo({ participants, tenants }, authenticator) {
      for (const participant of sandboxDemo.participants) {
        const id = parseParticipantId(participant);
        const hosted = await participants.get(id);
        if (!hosted) {
          await participants.add({ participant, name: `Sandbox participant ${participant}`, documentTypes: sandboxDemo.documentTypes.map((documentType) => ({ documentType })) });
          continue;
        }
        // A sandbox made by an earlier version gets the document types added since.
        for (const name of sandboxDemo.documentTypes) {
          const type = knownDocumentType(name)!.documentType.value;
          if (!hosted.capabilities.some((c) => c.documentType.value === type)) await participants.addCapability(id, { documentType: name });
        }
      }
      const by = commandLineCaller('sandbox');
      const owners = await tenants.list(by);
      let tenant = owners.find((t) => t.sandbox && t.name === DEMO_TENANT);
      tenant ??= await tenants.create(by, { name: DEMO_TENANT, sandbox: true });
      for (const participant of sandboxDemo.participants) await tenants.addParticipant(by, tenant.id, participant);
      const keyFile = join(dir, DEMO_KEY_FILE);
      const kept = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : null;
      const principal = kept ? await authenticator.verify(kept) : null;
      if (kept && principal?.tenantId === tenant.id) return { tenantId: tenant.id, apiKey: kept };
      const { secret } = await tenants.createKey(by, { tenantId: tenant.id, name: 'sandbox demo', scopes: [...DEMO_SCOPES] });
      writeFileSync(keyFile, `${secret}\n`, { mode: 0o600 });
      return { tenantId: tenant.id, apiKey: secret };
    },
  };
}

const DEMO_TENANT = 'Sandbox demo';

/** Generates the PKI into `dir` unless all its files are there; true when it generated one. */
function ensureLocalPki(dir: string): boolean {
  if (Object.values(FILES).every((f) => existsSync(join(dir, f)))) return false;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pki = createLocalPki({ seatId: SANDBOX_SEAT_ID, organization: 'peppol-ap sandbox' });
  // Each file written whole under a temporary name, then renamed: a crash leaves the set incomplete,
  // and an incomplete set is generated again.
  const write = (name: string, text: string, mode: number) => {
    const tmp = join(dir, `.${name}.tmp`);
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, join(dir, name));
  };
  write(FILES.key, pki.apKeyPem, 0o600);
  write(FILES.cert, pki.apCertPem, 0o644);
  write(FILES.trust, pki.trustPem, 0o644);
  return true;
}
