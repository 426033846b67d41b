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
 * A key with the `participants` scope manages its tenants' participants (an operator's: all of them);
 * another tenant's participant is not found. POST gives the new participant to `tenantId` (default: the
 * key's tenant; a tenant key only participants carrying its enterprise number). Adding or removing a
 * participant also (un)registers it in the SML.
 */
import express, { Router } from 'express';
import { ApError } from '../errors.js';
import { parseParticipantId } from '../peppol/identifiers.js';
import type { Capability, CapabilityInput, HostedParticipant, ParticipantsService } from '../services/participants.js';
import type { Caller, TenantsService } from '../services/tenants.js';
import { callerOf, principalWith } from './principal.js';

export interface AdminParticipantsDeps {
  participants: ParticipantsService;
  tenants: TenantsService;
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ApError('api.bad-request', `${name} must be a string`);
  return v;
}

const CAPABILITY_FIELDS = ['documentType', 'process', 'transportProfile', 'endpointUrl', 'certificatePem', 'serviceActivationDate', 'serviceExpirationDate'] as const;

function capabilityFromBody(body: unknown): CapabilityInput {
  if (!body || typeof body !== 'object') throw new ApError('api.bad-request', 'A JSON object is expected');
  const input: CapabilityInput = {};
  for (const name of CAPABILITY_FIELDS) {
    const v = optionalString(body as Record<string, unknown>, name);
    if (v !== undefined) input[name] = v;
  }
  return input;
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
  const { participants, tenants } = deps;
  const router = Router();
  router.use(express.json({ limit: '256kb' }));
  const caller = (req: express.Request): Caller => callerOf(principalWith(req, 'participants'), req);
  /** The participant of the path, if the caller manages it (else 404). */
  const managed = async (req: express.Request) => {
    const participant = parseParticipantId(String(req.params.participant));
    await tenants.participantTenant(caller(req), participant);
    return participant;
  };

  router.get('/participants', async (req, res) => {
    const mine = await tenants.manageableParticipants(caller(req));
    const all = await participants.list();
    res.json({ participants: (mine === 'all' ? all : all.filter((p) => mine.has(p.participant.value.toLowerCase()))).map(participantJson) });
  });

  router.post('/participants', async (req, res) => {
    const by = caller(req);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const [participant, name, countryCode, tenantText] = [optionalString(b, 'participant'), optionalString(b, 'name'), optionalString(b, 'countryCode'), optionalString(b, 'tenantId')];
    const tenantId = tenantText ?? by.principal.tenantId;
    // Rights first, so that nothing is registered (SMP, SML) for a participant the caller may not claim.
    if (tenantId !== null && participant !== undefined) await tenants.checkClaim(by, tenantId, parseParticipantId(participant));
    else if (tenantId === null && !by.principal.operator) throw new ApError('api.bad-request', 'tenantId is required');
    const hosted = await participants.add({
      ...(participant !== undefined ? { participant } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(countryCode !== undefined ? { countryCode } : {}),
      documentTypes: Array.isArray(b.documentTypes) ? b.documentTypes.map(capabilityFromBody) : [],
    });
    if (tenantId !== null) await tenants.addParticipant(by, tenantId, `${hosted.participant.scheme}::${hosted.participant.value}`, hosted.name);
    res.status(201).json({ ...participantJson(hosted), tenantId });
  });

  router.get('/participants/:participant', async (req, res) => {
    const participant = await managed(req);
    const hosted = await participants.get(participant);
    if (!hosted) throw new ApError('api.not-found', `Participant ${participant.value} is not hosted here`);
    res.json(participantJson(hosted));
  });

  router.delete('/participants/:participant', async (req, res) => {
    const participant = await managed(req);
    if (!(await participants.remove(participant))) throw new ApError('api.not-found', `Participant ${participant.value} is not hosted here`);
    res.status(204).end();
  });

  router.post('/participants/:participant/document-types', async (req, res) => {
    const participant = await managed(req);
    res.status(201).json(capabilityJson(await participants.addCapability(participant, capabilityFromBody(req.body))));
  });

  router.delete('/participants/:participant/document-types', async (req, res) => {
    const participant = await managed(req);
    const dt = typeof req.query.documentType === 'string' ? req.query.documentType : undefined;
    if (!dt) throw new ApError('api.bad-request', 'documentType query parameter is required');
    const process = typeof req.query.process === 'string' ? req.query.process : undefined;
    const n = await participants.removeCapabilities(participant, dt, process);
    if (n === 0) throw new ApError('api.not-found', `${participant.value} has no entry for this document type`);
    res.status(204).end();
  });

  return router;
}
