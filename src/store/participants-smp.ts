/**
 * Hosted participants (table of the first migration) and their SMP capabilities (document types,
 * processes, endpoints), and the SmpDirectory the SMP router publishes from.
 */
import type { Knex } from 'knex';
import { ApError } from '../errors.js';
import type { DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier } from '../peppol/identifiers.js';
import type { SmpDirectory } from '../peppol/smp-directory.js';
import type { ServiceInformation, SmpEndpoint } from '../peppol/smp-xml.js';

export interface Capability {
  id: string;
  documentType: DocumentTypeIdentifier;
  process: ProcessIdentifier;
  transportProfile: string;
  /** null: this access point's AS4 endpoint. */
  endpointUrl: string | null;
  /** null: this access point's certificate. */
  certificatePem: string | null;
  serviceActivationDate: Date | null;
  serviceExpirationDate: Date | null;
}

export type NewCapability = Pick<Capability, 'documentType' | 'process'> & Partial<Omit<Capability, 'id' | 'documentType' | 'process'>>;

export interface HostedParticipant {
  id: string;
  participant: ParticipantIdentifier;
  name: string | null;
  countryCode: string | null;
  createdAt: Date;
  capabilities: Capability[];
}

interface ParticipantRow {
  id: string;
  scheme: string;
  identifier: string;
  name: string | null;
  country_code: string | null;
  created_at: Date;
}

interface CapabilityRow {
  id: string;
  participant_id: string;
  document_type_scheme: string;
  document_type: string;
  process_scheme: string;
  process: string;
  transport_profile: string;
  endpoint_url: string | null;
  certificate_pem: string | null;
  service_activation_date: Date | null;
  service_expiration_date: Date | null;
}

const UNIQUE_VIOLATION = '23505';

function toCapability(r: CapabilityRow): Capability {
  return {
    id: String(r.id),
    documentType: { scheme: r.document_type_scheme, value: r.document_type },
    process: { scheme: r.process_scheme, value: r.process },
    transportProfile: r.transport_profile,
    endpointUrl: r.endpoint_url,
    certificatePem: r.certificate_pem,
    serviceActivationDate: r.service_activation_date,
    serviceExpirationDate: r.service_expiration_date,
  };
}

export class SmpParticipantStore {
  constructor(private readonly knex: Knex) {}

  /** Runs `fn` with a store on one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (store: SmpParticipantStore) => Promise<T>): Promise<T> {
    return this.knex.transaction((trx) => fn(new SmpParticipantStore(trx)));
  }

  private participantRow(p: ParticipantIdentifier): Promise<ParticipantRow | undefined> {
    return this.knex<ParticipantRow>('hosted_participants')
      .where({ scheme: p.scheme })
      .andWhereRaw('lower(identifier) = lower(?)', [p.value])
      .first();
  }

  private async withCapabilities(rows: ParticipantRow[]): Promise<HostedParticipant[]> {
    if (rows.length === 0) return [];
    const caps = await this.knex<CapabilityRow>('participant_capabilities')
      .whereIn('participant_id', rows.map((r) => r.id))
      .orderBy('id');
    return rows.map((r) => ({
      id: r.id,
      participant: { scheme: r.scheme, value: r.identifier },
      name: r.name,
      countryCode: r.country_code,
      createdAt: r.created_at,
      capabilities: caps.filter((c) => c.participant_id === r.id).map(toCapability),
    }));
  }

  async addParticipant(p: { participant: ParticipantIdentifier; name?: string | null; countryCode?: string | null }): Promise<HostedParticipant> {
    try {
      const [row] = await this.knex<ParticipantRow>('hosted_participants')
        .insert({ scheme: p.participant.scheme, identifier: p.participant.value, name: p.name ?? null, country_code: p.countryCode ?? null })
        .returning('*');
      return { ...(await this.withCapabilities([row!]))[0]! };
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new ApError('api.conflict', `Participant ${p.participant.value} is already hosted here`);
      }
      throw err;
    }
  }

  async getParticipant(p: ParticipantIdentifier): Promise<HostedParticipant | null> {
    const row = await this.participantRow(p);
    return row ? (await this.withCapabilities([row]))[0]! : null;
  }

  async listParticipants(): Promise<HostedParticipant[]> {
    return this.withCapabilities(await this.knex<ParticipantRow>('hosted_participants').orderBy('identifier'));
  }

  /** True when the participant existed; its capabilities go with it. */
  async removeParticipant(p: ParticipantIdentifier): Promise<boolean> {
    const n = await this.knex('hosted_participants')
      .where({ scheme: p.scheme })
      .andWhereRaw('lower(identifier) = lower(?)', [p.value])
      .delete();
    return n > 0;
  }

  async addCapability(p: ParticipantIdentifier, c: NewCapability): Promise<Capability> {
    const row = await this.participantRow(p);
    if (!row) throw new ApError('api.not-found', `Participant ${p.value} is not hosted here`);
    try {
      const [cap] = await this.knex<CapabilityRow>('participant_capabilities')
        .insert({
          participant_id: row.id,
          document_type_scheme: c.documentType.scheme,
          document_type: c.documentType.value,
          process_scheme: c.process.scheme,
          process: c.process.value,
          ...(c.transportProfile ? { transport_profile: c.transportProfile } : {}),
          endpoint_url: c.endpointUrl ?? null,
          certificate_pem: c.certificatePem ?? null,
          service_activation_date: c.serviceActivationDate ?? null,
          service_expiration_date: c.serviceExpirationDate ?? null,
        })
        .returning('*');
      return toCapability(cap!);
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new ApError('api.conflict', `${p.value} already has this document type, process and endpoint`);
      }
      throw err;
    }
  }

  /** Removes a participant's entries for a document type (all processes, or one); resolves with the count. */
  async removeCapabilities(p: ParticipantIdentifier, documentType: DocumentTypeIdentifier, process?: ProcessIdentifier): Promise<number> {
    const row = await this.participantRow(p);
    if (!row) throw new ApError('api.not-found', `Participant ${p.value} is not hosted here`);
    const q = this.knex('participant_capabilities').where({
      participant_id: row.id,
      document_type_scheme: documentType.scheme,
      document_type: documentType.value,
    });
    if (process) q.andWhere({ process_scheme: process.scheme, process: process.value });
    return q.delete();
  }

  /**
   * Whether a hosted participant accepts a document type in a process over AS4 at `at`, at this access
   * point: capabilities naming no endpoint, or `ownEndpointUrl`, count as served here.
   */
  async acceptsOverAs4(
    p: ParticipantIdentifier,
    dt: DocumentTypeIdentifier,
    proc: ProcessIdentifier,
    opts: { transportProfile: string; ownEndpointUrl: string | null; at: Date },
  ): Promise<boolean> {
    const row = await this.knex('participant_capabilities as c')
      .join('hosted_participants as h', 'h.id', 'c.participant_id')
      .where('h.scheme', p.scheme)
      .andWhereRaw('lower(h.identifier) = lower(?)', [p.value])
      .andWhere({ 'c.document_type_scheme': dt.scheme, 'c.document_type': dt.value, 'c.process_scheme': proc.scheme, 'c.process': proc.value })
      .andWhere('c.transport_profile', opts.transportProfile)
      .andWhere((q) => {
        q.whereNull('c.endpoint_url');
        if (opts.ownEndpointUrl) q.orWhere('c.endpoint_url', opts.ownEndpointUrl);
      })
      .andWhere((q) => q.whereNull('c.service_activation_date').orWhere('c.service_activation_date', '<=', opts.at))
      .andWhere((q) => q.whereNull('c.service_expiration_date').orWhere('c.service_expiration_date', '>', opts.at))
      .first('c.id');
    return row !== undefined;
  }
}

/** The endpoint published when a capability names none of its own: this access point. */
export interface OwnEndpoint {
  url: string;
  /** DER of this AP's certificate. */
  certificate: Buffer;
  technicalContactUrl: string;
  serviceDescription: string;
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** Publishes the hosted participants of the store, filling in this AP's endpoint where none is set. */
export class StoreSmpDirectory implements SmpDirectory {
  constructor(
    private readonly store: SmpParticipantStore,
    private readonly own: OwnEndpoint,
  ) {}

  async documentTypes(p: ParticipantIdentifier): Promise<DocumentTypeIdentifier[] | null> {
    const hosted = await this.store.getParticipant(p);
    if (!hosted) return null;
    const seen = new Map<string, DocumentTypeIdentifier>();
    for (const c of hosted.capabilities) seen.set(`${c.documentType.scheme}::${c.documentType.value}`, c.documentType);
    return [...seen.values()];
  }

  async serviceInformation(p: ParticipantIdentifier, documentType: DocumentTypeIdentifier): Promise<ServiceInformation | null> {
    const hosted = await this.store.getParticipant(p);
    if (!hosted) return null;
    const caps = hosted.capabilities.filter((c) => c.documentType.scheme === documentType.scheme && c.documentType.value === documentType.value);
    if (caps.length === 0) return null;
    const processes = new Map<string, { process: ProcessIdentifier; endpoints: SmpEndpoint[] }>();
    for (const c of caps) {
      const key = `${c.process.scheme}::${c.process.value}`;
      const entry = processes.get(key) ?? { process: c.process, endpoints: [] };
      entry.endpoints.push({
        transportProfile: c.transportProfile,
        address: c.endpointUrl ?? this.own.url,
        requireBusinessLevelSignature: false,
        ...(c.serviceActivationDate ? { serviceActivationDate: c.serviceActivationDate } : {}),
        ...(c.serviceExpirationDate ? { serviceExpirationDate: c.serviceExpirationDate } : {}),
        certificate: c.certificatePem ? pemToDer(c.certificatePem) : this.own.certificate,
        serviceDescription: this.own.serviceDescription,
        technicalContactUrl: this.own.technicalContactUrl,
      });
      processes.set(key, entry);
    }
    return { participant: hosted.participant, documentType, processes: [...processes.values()] };
  }
}
