/**
 * Dynamic discovery: participant + document type (+ process) → the receiving AP's AS4 endpoint URL and
 * certificate, through the SML (NAPTR) and the participant's SMP. Results are cached with a TTL and a
 * bounded size; concurrent lookups of the same key share one resolution.
 */
import { X509Certificate } from 'node:crypto';
import { PEPPOL } from '../as4/profile.js';
import { ApError } from '../errors.js';
import type { CertificateValidator } from '../pki/types.js';
import {
  formatId,
  sameId,
  type DocumentTypeIdentifier,
  type ParticipantIdentifier,
  type ProcessIdentifier,
} from './identifiers.js';
import { SmpClient } from './smp-client.js';
import { documentTypeFromReference, type SmpEndpoint } from './smp-xml.js';
import { SmlLocator, type NaptrRecord, type SmlLocatorOptions } from './sml.js';

export interface LookupResult {
  participant: ParticipantIdentifier;
  documentType: DocumentTypeIdentifier;
  process: ProcessIdentifier;
  /** The receiving AP's AS4 endpoint. */
  endpointUrl: string;
  /** The receiving AP's certificate, checked against the AP CA. */
  certificate: X509Certificate;
  transportProfile: string;
  /** SMP base URL found in the SML. */
  smpUrl: string;
  /** URL the signed service metadata was read from (differs from the SMP's after a Redirect). */
  metadataUrl: string;
  redirectedFrom?: string;
  dnsName: string;
  naptr: NaptrRecord;
  serviceActivationDate?: Date;
  serviceExpirationDate?: Date;
  requireBusinessLevelSignature: boolean;
  technicalContactUrl: string;
  /** Subject of the certificate that signed the SMP response. */
  smpSigner: string;
  signatureAlgorithm: string;
  /** Accepted but noteworthy: RSA-SHA1 signature, revocation not determined, ... */
  warnings: string[];
  resolvedAt: Date;
  /** When the cached entry stops being used. */
  expiresAt: Date;
  fromCache: boolean;
}

export interface ServiceGroupLookup {
  participant: ParticipantIdentifier;
  smpUrl: string;
  dnsName: string;
  naptr: NaptrRecord;
  documentTypes: DocumentTypeIdentifier[];
}

export interface PeppolLookupOptions {
  sml: SmlLocatorOptions;
  /** Checks SMP signing certificates ('smp') and AP certificates ('ap'). */
  validator: CertificateValidator;
  smpTimeoutMs?: number;
  smpMaxResponseBytes?: number;
  /** Cache time to live; default 15 minutes. 0 disables the cache. */
  cacheTtlMs?: number;
  /** Most entries kept; the least recently used goes first. Default 10 000. */
  cacheMaxEntries?: number;
  /** Clock, for tests of expiry. */
  now?: () => Date;
}

type CachedResult = Omit<LookupResult, 'fromCache'>;

export class PeppolLookup {
  readonly sml: SmlLocator;
  readonly smp: SmpClient;
  private readonly validator: CertificateValidator;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => Date;
  private readonly cache = new Map<string, CachedResult>();
  private readonly inFlight = new Map<string, Promise<CachedResult>>();

  constructor(options: PeppolLookupOptions) {
    this.sml = new SmlLocator(options.sml);
    this.validator = options.validator;
    this.smp = new SmpClient({
      validator: options.validator,
      ...(options.smpTimeoutMs !== undefined ? { timeoutMs: options.smpTimeoutMs } : {}),
      ...(options.smpMaxResponseBytes !== undefined ? { maxResponseBytes: options.smpMaxResponseBytes } : {}),
    });
    this.ttlMs = options.cacheTtlMs ?? 15 * 60_000;
    this.maxEntries = options.cacheMaxEntries ?? 10_000;
    this.now = options.now ?? (() => new Date());
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  /**
   * Resolves the AS4 endpoint. Without `process`, the first process of the SMP answer that has a usable
   * AS4 endpoint is taken. Throws ApError: sml.*, smp.*, or pki.* for an unacceptable certificate.
   */
  async lookup(participant: ParticipantIdentifier, documentType: DocumentTypeIdentifier, process?: ProcessIdentifier): Promise<LookupResult> {
    const key = cacheKey(participant, documentType, process);
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now) {
      // Re-insert so the Map's order stays least-recently-used first.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return { ...hit, fromCache: true };
    }
    if (hit) this.cache.delete(key);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.resolve(participant, documentType, process).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const result = await pending;
    if (this.ttlMs > 0 && !this.cache.has(key)) {
      this.cache.set(key, result);
      while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    }
    return { ...result, fromCache: false };
  }

  /** Drops cached results of a participant (all document types, or one); e.g. after a delivery failure. */
  invalidate(participant: ParticipantIdentifier, documentType?: DocumentTypeIdentifier): void {
    const prefix = documentType ? cacheKey(participant, documentType) : `${participant.value.toLowerCase()}|`;
    for (const key of [...this.cache.keys()]) if (key.startsWith(prefix)) this.cache.delete(key);
  }

  clearCache(): void {
    this.cache.clear();
  }

  /** The document types a participant's SMP lists (ServiceGroup; not signed in SMP 1.x, not cached). */
  async serviceGroup(participant: ParticipantIdentifier): Promise<ServiceGroupLookup> {
    const sml = await this.sml.locate(participant);
    const group = await this.smp.getServiceGroup(sml.smpUrl, participant);
    return {
      participant,
      smpUrl: sml.smpUrl,
      dnsName: sml.dnsName,
      naptr: sml.record,
      documentTypes: group.references.map(documentTypeFromReference).filter((d): d is DocumentTypeIdentifier => d !== null),
    };
  }

  private async resolve(
    participant: ParticipantIdentifier,
    documentType: DocumentTypeIdentifier,
    process: ProcessIdentifier | undefined,
  ): Promise<CachedResult> {
    const now = this.now();
    const sml = await this.sml.locate(participant);
    const meta = await this.smp.getServiceMetadata(sml.smpUrl, participant, documentType, now);
    const processes = process ? meta.information.processes.filter((p) => sameId(p.process, process)) : meta.information.processes;
    if (processes.length === 0) {
      throw new ApError('smp.document-type-unsupported', `${formatId(participant)} accepts ${formatId(documentType)} but not in process ${formatId(process!)}`, {
        participant: participant.value,
        documentType: documentType.value,
        process: process!.value,
      });
    }
    const skipped: string[] = [];
    for (const p of processes) {
      const endpoint = selectEndpoint(p.endpoints, now, skipped);
      if (!endpoint) continue;
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(endpoint.certificate);
      } catch {
        throw new ApError('smp.invalid-response', `The endpoint certificate published for ${formatId(participant)} cannot be decoded`, { url: meta.url });
      }
      const ap = await this.validator.validate(certificate, { purpose: 'ap', at: now, uses: ['signature', 'keyTransport'] });
      const ttlEnd = now.getTime() + this.ttlMs;
      const limits = [ttlEnd, new Date(certificate.validTo).getTime()];
      if (endpoint.serviceExpirationDate) limits.push(endpoint.serviceExpirationDate.getTime());
      return {
        participant,
        documentType,
        process: p.process,
        endpointUrl: endpoint.address,
        certificate,
        transportProfile: endpoint.transportProfile,
        smpUrl: sml.smpUrl,
        metadataUrl: meta.url,
        ...(meta.redirectedFrom ? { redirectedFrom: meta.redirectedFrom } : {}),
        dnsName: sml.dnsName,
        naptr: sml.record,
        ...(endpoint.serviceActivationDate ? { serviceActivationDate: endpoint.serviceActivationDate } : {}),
        ...(endpoint.serviceExpirationDate ? { serviceExpirationDate: endpoint.serviceExpirationDate } : {}),
        requireBusinessLevelSignature: endpoint.requireBusinessLevelSignature,
        technicalContactUrl: endpoint.technicalContactUrl,
        smpSigner: meta.signature.signer.subject,
        signatureAlgorithm: meta.signature.signatureAlgorithm,
        warnings: [...meta.signature.warnings, ...ap.warnings.map((w) => `AP certificate: ${w}`)],
        resolvedAt: now,
        expiresAt: new Date(Math.min(...limits)),
      };
    }
    throw new ApError('smp.no-endpoint', `No usable ${PEPPOL.TRANSPORT_PROFILE} endpoint for ${formatId(participant)} and ${formatId(documentType)}${skipped.length ? ` (${skipped.join('; ')})` : ''}`, {
      participant: participant.value,
      documentType: documentType.value,
      skipped,
    });
  }
}

/** The AS4 endpoint active at `now`; the reasons others were passed over go to `skipped`. */
function selectEndpoint(endpoints: SmpEndpoint[], now: Date, skipped: string[]): SmpEndpoint | undefined {
  for (const e of endpoints) {
    if (e.transportProfile !== PEPPOL.TRANSPORT_PROFILE) {
      skipped.push(`transport profile ${e.transportProfile}`);
    } else if (e.serviceActivationDate && e.serviceActivationDate > now) {
      skipped.push(`${e.address} not active before ${e.serviceActivationDate.toISOString()}`);
    } else if (e.serviceExpirationDate && e.serviceExpirationDate <= now) {
      skipped.push(`${e.address} expired at ${e.serviceExpirationDate.toISOString()}`);
    } else {
      return e;
    }
  }
  return undefined;
}

function cacheKey(participant: ParticipantIdentifier, documentType: DocumentTypeIdentifier, process?: ProcessIdentifier): string {
  return `${participant.value.toLowerCase()}|${documentType.scheme}::${documentType.value}|${process ? process.value : ''}`;
}
