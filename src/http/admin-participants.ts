/**
 * Admin API for the participants this access point hosts and publishes in its SMP:
 *   GET    /participants                          list, with their document types
 *   POST   /participants                          { participant, name?, countryCode?, documentTypes?: [...] }
 *   GET    /participants/{participant}
 *   DELETE /participants/{participant}
 *   POST   /participants/{participant}/document-types   { documentType, process?, endpointUrl?, certificatePem?,
 *                                                        serviceActivationDate?, serviceExpirationDate?, transportProfile? }
 *   DELETE /participants/{participant}/document-types?documentType=...&process=...
 * `documentType` is a short name of the constants table (e.g. `invoice`) or a full identifier.
 * Protected by a static bearer token until full authentication arrives; without a token configured
 * every request is refused. Adding or removing a participant also (un)registers it in the SML.
 */
import express, { Router } from 'express';
import { ApError } from '../errors.js';
import { bearerGuard } from './bearer.js';
import { documentTypeFromText, resolveDocumentType } from '../peppol/document-types.js';
import { parseParticipantId, parseProcessId } from '../peppol/identifiers.js';
import type { SmlRegistrar } from '../peppol/sml-registrar.js';
import type { Capability, HostedParticipant, NewCapability, SmpParticipantStore } from '../store/participants-smp.js';

export interface AdminParticipantsDeps {
  store: SmpParticipantStore;
  /** Bearer token; null or empty disables the API. */
  adminToken: string | null;
  /** With the SMP's public base URL: participants are (un)registered in the SML as they are added/removed. */
  sml?: { registrar: SmlRegistrar; smpBaseUrl: string };
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ApError('api.bad-request', `${name} must be a string`);
  return v;
}

function optionalDate(body: Record<string, unknown>, name: string): Date | undefined {
  const v = optionalString(body, name);
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(d.getTime())) throw new ApError('api.bad-request', `${name} '${v}' is not an ISO date-time`);
  return d;
}

function capabilityFromBody(body: unknown): NewCapability {
  if (!body || typeof body !== 'object') throw new ApError('api.bad-request', 'A JSON object is expected');
  const b = body as Record<string, unknown>;
  const dt = optionalString(b, 'documentType');
  if (!dt) throw new ApError('api.bad-request', 'documentType is required');
  const { documentType, process } = resolveDocumentType(dt, optionalString(b, 'process'));
  const endpointUrl = optionalString(b, 'endpointUrl');
  if (endpointUrl !== undefined && !/^https?:\/\//.test(endpointUrl)) throw new ApError('api.bad-request', 'endpointUrl must be an http(s) URL');
  const certificatePem = optionalString(b, 'certificatePem');
  if (certificatePem !== undefined && !certificatePem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ApError('api.bad-request', 'certificatePem must be a PEM certificate');
  }
  const cap: NewCapability = { documentType, process };
  const transportProfile = optionalString(b, 'transportProfile');
  if (transportProfile) cap.transportProfile = transportProfile;
  if (endpointUrl) cap.endpointUrl = endpointUrl;
  if (certificatePem) cap.certificatePem = certificatePem;
  const activation = optionalDate(b, 'serviceActivationDate');
  const expiration = optionalDate(b, 'serviceExpirationDate');
  if (activation) cap.serviceActivationDate = activation;
  if (expiration) cap.serviceExpirationDate = expiration;
  return cap;
}

const capabilityJson = (c: Capability) => ({
  id: c.id,
  documentType: `${c.documentType.scheme}::${c.documentType.value}`,
  process: `${c.process.scheme}::${c.process.value}`,
  transportProfile: c.transportProfile,
  endpointUrl: c.endpointUrl,
  hasOwnCertificate: c.certificatePem !== null,
  serviceActivationDate: c.serviceActivationDate?.toISOString() ?? null,
  serviceExpirationDate: c.serviceExpirationDate?.toISOString() ?? null,
});

const participantJson = (p: HostedParticipant) => ({
  id: p.id,
  participant: `${p.participant.scheme}::${p.participant.value}`,
  name: p.name,
  countryCode: p.countryCode,
  createdAt: p.createdAt.toISOString(),
  documentTypes: p.capabilities.map(capabilityJson),
});

export function createAdminParticipantsRouter(deps: AdminParticipantsDeps): Router {
  const router = Router();
  router.use(bearerGuard(deps.adminToken, { disabled: 'The admin API is disabled: no admin token is configured', invalid: 'A valid admin bearer token is required' }));
  router.use(express.json({ limit: '256kb' }));

  router.get('/participants', async (_req, res) => {
    res.json({ participants: (await deps.store.listParticipants()).map(participantJson) });
  });

  router.post('/participants', async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const text = optionalString(b, 'participant');
    if (!text) throw new ApError('api.bad-request', 'participant is required');
    const participant = parseParticipantId(text);
    const countryCode = optionalString(b, 'countryCode');
    if (countryCode !== undefined && !/^[A-Z]{2}$/.test(countryCode)) throw new ApError('api.bad-request', 'countryCode must be two upper-case letters');
    const capabilities = Array.isArray(b.documentTypes) ? b.documentTypes.map(capabilityFromBody) : [];
    await deps.store.addParticipant({ participant, name: optionalString(b, 'name') ?? null, countryCode: countryCode ?? null });
    for (const c of capabilities) await deps.store.addCapability(participant, c);
    if (deps.sml) await deps.sml.registrar.register(participant, deps.sml.smpBaseUrl);
    res.status(201).json(participantJson((await deps.store.getParticipant(participant))!));
  });

  router.get('/participants/:participant', async (req, res) => {
    const participant = parseParticipantId(String(req.params.participant));
    const hosted = await deps.store.getParticipant(participant);
    if (!hosted) throw new ApError('api.not-found', `Participant ${participant.value} is not hosted here`);
    res.json(participantJson(hosted));
  });

  router.delete('/participants/:participant', async (req, res) => {
    const participant = parseParticipantId(String(req.params.participant));
    if (!(await deps.store.removeParticipant(participant))) throw new ApError('api.not-found', `Participant ${participant.value} is not hosted here`);
    if (deps.sml) await deps.sml.registrar.unregister(participant);
    res.status(204).end();
  });

  router.post('/participants/:participant/document-types', async (req, res) => {
    const participant = parseParticipantId(String(req.params.participant));
    res.status(201).json(capabilityJson(await deps.store.addCapability(participant, capabilityFromBody(req.body))));
  });

  router.delete('/participants/:participant/document-types', async (req, res) => {
    const participant = parseParticipantId(String(req.params.participant));
    const dt = typeof req.query.documentType === 'string' ? req.query.documentType : undefined;
    if (!dt) throw new ApError('api.bad-request', 'documentType query parameter is required');
    const documentType = documentTypeFromText(dt);
    const process = typeof req.query.process === 'string' ? parseProcessId(req.query.process) : undefined;
    const n = await deps.store.removeCapabilities(participant, documentType, process);
    if (n === 0) throw new ApError('api.not-found', `${participant.value} has no entry for this document type`);
    res.status(204).end();
  });

  return router;
}
