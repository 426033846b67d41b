/**
 * Administration of the participants hosted here, which our SMP publishes: list, add (with document
 * types), remove, add and remove document type capabilities. The rules live here once; the admin API and
 * the `participants` command only translate their input to these calls. Adding or removing a participant
 * also (un)registers it in the SML when a registrar is given.
 */
import { ApError } from '../errors.js';
import { documentTypeFromText, resolveDocumentType } from '../peppol/document-types.js';
import { parseParticipantId, parseProcessId, type ParticipantIdentifier } from '../peppol/identifiers.js';
import type { SmlRegistrar } from '../peppol/sml-registrar.js';
import type { ServedHere } from '../pipeline/served-here.js';
import type { Capability, HostedParticipant, NewCapability, SmpParticipantStore } from '../store/participants-smp.js';

export type { Capability, HostedParticipant };

/** A capability as callers write it: identifiers as text (short names allowed), dates as ISO text. */
export interface CapabilityInput {
  /** A short name of the constants table (e.g. `invoice`) or a full identifier. */
  documentType?: string;
  /** Required for a document type that is not in the constants table. */
  process?: string;
  transportProfile?: string;
  /** Absent: this access point's endpoint. */
  endpointUrl?: string;
  /** Absent: this access point's certificate. */
  certificatePem?: string;
  serviceActivationDate?: string;
  serviceExpirationDate?: string;
}

export interface ParticipantInput {
  participant?: string;
  name?: string;
  /** ISO 3166 alpha-2, upper case. */
  countryCode?: string;
  documentTypes?: CapabilityInput[];
}

export interface ParticipantsServiceDeps {
  store: SmpParticipantStore;
  /** With the SMP's public base URL: participants are (un)registered in the SML as they are added/removed. */
  sml?: { registrar: SmlRegistrar; smpBaseUrl: string };
  /** Told of every change, so that this process sees it at once rather than when its cache expires. */
  served?: Pick<ServedHere, 'forget'>;
}

/** Errors of the input carry the field they concern, for adapters that name fields their own way. */
const invalid = (field: string, message: string): never => {
  throw new ApError('api.bad-request', message, { field });
};

function isoDate(field: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime())) invalid(field, `${field} '${text}' is not an ISO date-time`);
  return d;
}

export function capabilityOf(input: CapabilityInput): NewCapability {
  if (!input.documentType) invalid('documentType', 'documentType is required');
  const cap: NewCapability = resolveDocumentType(input.documentType!, input.process);
  const { endpointUrl, certificatePem, transportProfile } = input;
  if (endpointUrl !== undefined && !/^https?:\/\//.test(endpointUrl)) invalid('endpointUrl', 'endpointUrl must be an http(s) URL');
  if (certificatePem !== undefined && !certificatePem.includes('-----BEGIN CERTIFICATE-----')) invalid('certificatePem', 'certificatePem must be a PEM certificate');
  if (transportProfile) cap.transportProfile = transportProfile;
  if (endpointUrl) cap.endpointUrl = endpointUrl;
  if (certificatePem) cap.certificatePem = certificatePem;
  const activation = isoDate('serviceActivationDate', input.serviceActivationDate);
  const expiration = isoDate('serviceExpirationDate', input.serviceExpirationDate);
  if (activation) cap.serviceActivationDate = activation;
  if (expiration) cap.serviceExpirationDate = expiration;
  return cap;
}

export class ParticipantsService {
  constructor(private readonly deps: ParticipantsServiceDeps) {}

  list(): Promise<HostedParticipant[]> {
    return this.deps.store.listParticipants();
  }

  get(participant: ParticipantIdentifier): Promise<HostedParticipant | null> {
    return this.deps.store.getParticipant(participant);
  }

  /** Adds the participant with its document types in one transaction, then registers it in the SML. */
  async add(input: ParticipantInput): Promise<HostedParticipant> {
    if (!input.participant) invalid('participant', 'participant is required');
    const participant = parseParticipantId(input.participant!);
    if (input.countryCode !== undefined && !/^[A-Z]{2}$/.test(input.countryCode)) invalid('countryCode', 'countryCode must be two upper-case letters');
    const capabilities = (input.documentTypes ?? []).map(capabilityOf);
    const hosted = await this.deps.store.transaction(async (store) => {
      await store.addParticipant({ participant, name: input.name ?? null, countryCode: input.countryCode ?? null });
      for (const c of capabilities) await store.addCapability(participant, c);
      return (await store.getParticipant(participant))!;
    });
    this.deps.served?.forget();
    if (this.deps.sml) await this.deps.sml.registrar.register(participant, this.deps.sml.smpBaseUrl);
    return hosted;
  }

  /** Removes the participant and its capabilities; false when it was not hosted here. */
  async remove(participant: ParticipantIdentifier): Promise<boolean> {
    if (!(await this.deps.store.removeParticipant(participant))) return false;
    this.deps.served?.forget();
    if (this.deps.sml) await this.deps.sml.registrar.unregister(participant);
    return true;
  }

  async addCapability(participant: ParticipantIdentifier, input: CapabilityInput): Promise<Capability> {
    const added = await this.deps.store.addCapability(participant, capabilityOf(input));
    this.deps.served?.forget();
    return added;
  }

  /** Removes the entries for a document type (every process, or one); resolves with how many went. */
  async removeCapabilities(participant: ParticipantIdentifier, documentType: string | undefined, process?: string): Promise<number> {
    if (!documentType) invalid('documentType', 'documentType is required');
    const n = await this.deps.store.removeCapabilities(participant, documentTypeFromText(documentType!), process === undefined ? undefined : parseProcessId(process));
    this.deps.served?.forget();
    return n;
  }
}
