/**
 * Configuration of discovery (SML/SMP lookup), of the SMP published here and of the admin API, from
 * environment variables, checked once with one line per bad value. Kept beside src/config.ts (same
 * conventions) so that the two can be merged without renaming anything.
 */
import { readFileSync } from 'node:fs';
import { EnvReader, type Env } from './config-env.js';
import { ApError } from './errors.js';
import { DEFAULT_CRL_FETCH_OPTIONS, DEFAULT_REVOCATION_POLICY, PeppolCertificateValidator, TrustStore, type CrlFetchOptions, type PeppolEnvironment, type RevocationPolicy } from './pki/index.js';
import { SML_ZONE_PRODUCTION } from './peppol/sml.js';

export interface DiscoveryConfig {
  sml: {
    /** DNS zone of the SML. */
    zone: string;
    /** Resolver addresses (`ip` or `ip:port`); empty: the system's. */
    dnsServers: string[];
    dnsTimeoutMs: number;
    requireHttps: boolean;
  };
  smp: { timeoutMs: number; cacheTtlMs: number; cacheMaxEntries: number };
  /** PEM bundle of the trusted Peppol CAs (AP and SMP CAs, and their roots); null when not configured. */
  trustFile: string | null;
  /** With it, the trust file's CAs must be the pinned Peppol G3 CAs of that environment. */
  peppolEnvironment: PeppolEnvironment | null;
  /** Bearer token of the admin API; null disables it. */
  adminToken: string | null;
  /** The SMP published here: its public base URL and signing key; null when not configured. */
  smpPublisher: { publicUrl: string; keyFile: string; certFile: string } | null;
  /** This access point's AS4 endpoint and certificate, published for hosted participants. */
  ownEndpoint: { url: string; certFile: string; technicalContactUrl: string } | null;
  /** Revocation checking of AP and SMP certificates, and where CRLs may be downloaded from. */
  pki: { revocation: RevocationPolicy; crl: Pick<CrlFetchOptions, 'allowedPrefixes' | 'timeoutMs' | 'maxBytes'> };
}

export function loadDiscoveryConfig(env: Env = process.env): DiscoveryConfig {
  const r = new EnvReader(env);
  const zone = r.raw('SML_ZONE') ?? SML_ZONE_PRODUCTION;
  if (!/^[a-z0-9.-]+$/i.test(zone)) r.problem(`SML_ZONE=${JSON.stringify(zone)}: expected a DNS name`);
  const dnsServers = r.list('SML_DNS_SERVERS') ?? [];
  for (const s of dnsServers) {
    if (!/^(\d{1,3}(\.\d{1,3}){3}(:\d+)?|\[[0-9a-f:]+\](:\d+)?|[0-9a-f:]+)$/i.test(s)) {
      r.problem(`SML_DNS_SERVERS: '${s}' is not an IP address with optional :port`);
    }
  }
  const envName = r.raw('PEPPOL_ENVIRONMENT');
  if (envName !== undefined && envName !== 'production' && envName !== 'test') {
    r.problem(`PEPPOL_ENVIRONMENT=${JSON.stringify(envName)}: expected production or test`);
  }
  const smpPublicUrl = r.url('SMP_PUBLIC_URL');
  const smpKeyFile = r.raw('SMP_KEY_FILE');
  const smpCertFile = r.raw('SMP_CERT_FILE');
  if ((smpPublicUrl || smpKeyFile || smpCertFile) && !(smpPublicUrl && smpKeyFile && smpCertFile)) {
    r.problem('SMP_PUBLIC_URL, SMP_KEY_FILE and SMP_CERT_FILE go together: set all three to publish an SMP');
  }
  const apUrl = r.url('AP_ENDPOINT_URL');
  const apCertFile = r.raw('AP_CERT_FILE');
  if ((apUrl || apCertFile) && !(apUrl && apCertFile)) r.problem('AP_ENDPOINT_URL and AP_CERT_FILE go together');

  const crlPrefixes = r.list('PKI_CRL_ALLOWED_PREFIXES') ?? [...DEFAULT_CRL_FETCH_OPTIONS.allowedPrefixes];
  for (const p of crlPrefixes) {
    if (!/^https?:\/\/[^\s/]+\//.test(p)) r.problem(`PKI_CRL_ALLOWED_PREFIXES: '${p}' is not an http(s) URL prefix with a host and a path (e.g. http://crl.example/)`);
  }

  const config: DiscoveryConfig = {
    sml: {
      zone,
      dnsServers,
      dnsTimeoutMs: r.int('SML_DNS_TIMEOUT_MS', 3000, 100, 60_000),
      requireHttps: r.bool('SMP_REQUIRE_HTTPS', true),
    },
    smp: {
      timeoutMs: r.int('SMP_HTTP_TIMEOUT_MS', 10_000, 100, 120_000),
      cacheTtlMs: r.int('SMP_CACHE_TTL_SECONDS', 900, 0, 86_400) * 1000,
      cacheMaxEntries: r.int('SMP_CACHE_MAX_ENTRIES', 10_000, 1, 10_000_000),
    },
    trustFile: r.raw('PEPPOL_TRUST_FILE') ?? null,
    peppolEnvironment: (envName as PeppolEnvironment | undefined) ?? null,
    adminToken: r.token('ADMIN_TOKEN') ?? null,
    smpPublisher: smpPublicUrl && smpKeyFile && smpCertFile ? { publicUrl: smpPublicUrl, keyFile: smpKeyFile, certFile: smpCertFile } : null,
    ownEndpoint: apUrl && apCertFile ? { url: apUrl, certFile: apCertFile, technicalContactUrl: r.raw('AP_TECHNICAL_CONTACT') ?? apUrl } : null,
    pki: {
      revocation: { mode: r.oneOf('PKI_REVOCATION', DEFAULT_REVOCATION_POLICY.mode, ['crl', 'off']), softFail: r.bool('PKI_REVOCATION_SOFT_FAIL', DEFAULT_REVOCATION_POLICY.softFail) },
      crl: {
        allowedPrefixes: crlPrefixes,
        timeoutMs: r.int('PKI_CRL_TIMEOUT_MS', DEFAULT_CRL_FETCH_OPTIONS.timeoutMs, 100, 120_000),
        maxBytes: r.int('PKI_CRL_MAX_BYTES', DEFAULT_CRL_FETCH_OPTIONS.maxBytes, 1024, 1024 * 1024 * 1024),
      },
    },
  };
  r.check();
  return config;
}

/**
 * The certificate validator (AP and SMP certificates): trusted CAs from a PEM bundle given on the command
 * line (`--trust`), else PEPPOL_TRUST_FILE (pinned to the Peppol G3 CAs when PEPPOL_ENVIRONMENT is set);
 * revocation policy and CRL downloads from the PKI_* variables. The server builds one and shares it (and
 * its CRL cache) between inbound, outbound and discovery.
 */
export function discoveryValidator(config: DiscoveryConfig, trustOverride?: string): PeppolCertificateValidator {
  const file = trustOverride ?? config.trustFile;
  if (!file) throw new ApError('config.invalid', 'No trusted CAs: set PEPPOL_TRUST_FILE or pass --trust <ca.pem>');
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ApError('config.invalid', `Cannot read the trust file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const trustStore = !trustOverride && config.peppolEnvironment ? TrustStore.peppolG3(config.peppolEnvironment, pem) : TrustStore.fromBundle(pem);
  return new PeppolCertificateValidator({ trustStore, revocation: config.pki.revocation, crl: config.pki.crl });
}
