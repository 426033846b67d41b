/**
 * Configuration of discovery (SML/SMP lookup), of the SMP published here and of the admin API, from
 * environment variables, checked once with one line per bad value. Kept beside src/config.ts (same
 * conventions) so that the two can be merged without renaming anything.
 */
import { readFileSync } from 'node:fs';
import { ApError } from './errors.js';
import { DEFAULT_CRL_FETCH_OPTIONS, DEFAULT_REVOCATION_POLICY, PeppolCertificateValidator, TrustStore, type CrlFetchOptions, type PeppolEnvironment, type RevocationPolicy } from './pki/index.js';
import { SML_ZONE_PRODUCTION } from './peppol/sml.js';

type Env = Record<string, string | undefined>;

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
  const problems: string[] = [];
  const raw = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, def: number, min: number, max: number) => {
    const v = raw(name);
    if (v === undefined) return def;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      problems.push(`${name}=${JSON.stringify(v)}: expected a whole number from ${min} to ${max}`);
      return def;
    }
    return Number(v);
  };
  const bool = (name: string, def: boolean) => {
    const v = raw(name);
    if (v === undefined) return def;
    if (v !== 'true' && v !== 'false') problems.push(`${name}=${JSON.stringify(v)}: expected true or false`);
    return v === 'true';
  };
  const url = (name: string) => {
    const v = raw(name);
    if (v === undefined) return undefined;
    if (!/^https?:\/\/[^\s]+$/.test(v)) problems.push(`${name}=${JSON.stringify(v)}: expected an http(s) URL`);
    return v.replace(/\/+$/, '');
  };

  const zone = raw('SML_ZONE') ?? SML_ZONE_PRODUCTION;
  if (!/^[a-z0-9.-]+$/i.test(zone)) problems.push(`SML_ZONE=${JSON.stringify(zone)}: expected a DNS name`);
  const dnsServers = (raw('SML_DNS_SERVERS') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of dnsServers) {
    if (!/^(\d{1,3}(\.\d{1,3}){3}(:\d+)?|\[[0-9a-f:]+\](:\d+)?|[0-9a-f:]+)$/i.test(s)) {
      problems.push(`SML_DNS_SERVERS: '${s}' is not an IP address with optional :port`);
    }
  }
  const envName = raw('PEPPOL_ENVIRONMENT');
  if (envName !== undefined && envName !== 'production' && envName !== 'test') {
    problems.push(`PEPPOL_ENVIRONMENT=${JSON.stringify(envName)}: expected production or test`);
  }
  const smpPublicUrl = url('SMP_PUBLIC_URL');
  const smpKeyFile = raw('SMP_KEY_FILE');
  const smpCertFile = raw('SMP_CERT_FILE');
  if ((smpPublicUrl || smpKeyFile || smpCertFile) && !(smpPublicUrl && smpKeyFile && smpCertFile)) {
    problems.push('SMP_PUBLIC_URL, SMP_KEY_FILE and SMP_CERT_FILE go together: set all three to publish an SMP');
  }
  const apUrl = url('AP_ENDPOINT_URL');
  const apCertFile = raw('AP_CERT_FILE');
  if ((apUrl || apCertFile) && !(apUrl && apCertFile)) problems.push('AP_ENDPOINT_URL and AP_CERT_FILE go together');

  const revocationMode = raw('PKI_REVOCATION') ?? DEFAULT_REVOCATION_POLICY.mode;
  if (revocationMode !== 'crl' && revocationMode !== 'off') problems.push(`PKI_REVOCATION=${JSON.stringify(revocationMode)}: expected crl or off`);
  const crlPrefixesText = raw('PKI_CRL_ALLOWED_PREFIXES');
  const crlPrefixes = crlPrefixesText === undefined ? [...DEFAULT_CRL_FETCH_OPTIONS.allowedPrefixes] : crlPrefixesText.split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of crlPrefixes) {
    if (!/^https?:\/\/[^\s/]+\//.test(p)) problems.push(`PKI_CRL_ALLOWED_PREFIXES: '${p}' is not an http(s) URL prefix with a host and a path (e.g. http://crl.example/)`);
  }

  const config: DiscoveryConfig = {
    sml: {
      zone,
      dnsServers,
      dnsTimeoutMs: int('SML_DNS_TIMEOUT_MS', 3000, 100, 60_000),
      requireHttps: bool('SMP_REQUIRE_HTTPS', true),
    },
    smp: {
      timeoutMs: int('SMP_HTTP_TIMEOUT_MS', 10_000, 100, 120_000),
      cacheTtlMs: int('SMP_CACHE_TTL_SECONDS', 900, 0, 86_400) * 1000,
      cacheMaxEntries: int('SMP_CACHE_MAX_ENTRIES', 10_000, 1, 10_000_000),
    },
    trustFile: raw('PEPPOL_TRUST_FILE') ?? null,
    peppolEnvironment: (envName as PeppolEnvironment | undefined) ?? null,
    adminToken: raw('ADMIN_TOKEN') ?? null,
    smpPublisher: smpPublicUrl && smpKeyFile && smpCertFile ? { publicUrl: smpPublicUrl, keyFile: smpKeyFile, certFile: smpCertFile } : null,
    ownEndpoint: apUrl && apCertFile ? { url: apUrl, certFile: apCertFile, technicalContactUrl: raw('AP_TECHNICAL_CONTACT') ?? apUrl } : null,
    pki: {
      revocation: { mode: revocationMode === 'off' ? 'off' : 'crl', softFail: bool('PKI_REVOCATION_SOFT_FAIL', DEFAULT_REVOCATION_POLICY.softFail) },
      crl: {
        allowedPrefixes: crlPrefixes,
        timeoutMs: int('PKI_CRL_TIMEOUT_MS', DEFAULT_CRL_FETCH_OPTIONS.timeoutMs, 100, 120_000),
        maxBytes: int('PKI_CRL_MAX_BYTES', DEFAULT_CRL_FETCH_OPTIONS.maxBytes, 1024, 1024 * 1024 * 1024),
      },
    },
  };
  if (problems.length > 0) {
    throw new ApError('config.invalid', `Invalid configuration:\n  ${problems.join('\n  ')}`, { problems });
  }
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
