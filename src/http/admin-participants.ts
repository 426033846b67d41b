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
import { parseParticipantId } from '../peppol/identifiers.js';
import type { Capability, CapabilityInput, HostedParticipant, ParticipantsService } from '../services/participants.js';
import { bearerGuard } from './bearer.js';

export interface AdminParticipantsDeps {
  participants: ParticipantsService;
  /** Bearer token; null or empty disables the API. */
  adminToken: string | null;
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
  const { participants } = deps;
  const router = Router();
  router.use(bearerGuard(deps.adminToken, { disabled: 'The admin API is disabled: no admin token is configured', invalid: 'A valid admin bearer token is required' }));
  router.use(express.json({ limit: '256kb' }));

  router.get('/participants', async (_req, res) => {
    res.json({ participants: (await participants.list()).map(participantJson) });
  });

  router.post('/participants', async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const [participant, name, countryCode] = [optionalString(b, 'participant'), optionalString(b, 'name'), optionalString(b, 'countryCode')];
    const hosted = await participants.add({
      ...(participant !== undefined ? { participant } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(countryCode !== undefined ? { countryCode } : {}),
      documentTypes: Array.isArray(b.documentTypes) ? b.documentTypes.map(capabilityFromBody) : [],
    });
    res.status(201).json(participantJson(hosted));
  });

  router.get('/participants/:participant', async (req, res) => {
    const participant = parseParticipantId(String(req.params.participant));
    const hosted = await participants.get(participant);
    if (!hosted) throw new ApError('api.not-found', `Participant ${participant.value} is not hosted here`);
    res.json(participantJson(hosted));
  });

  router.delete('/participants/:participant', async (req, res) => {
    const participant = parseParticipantId(String(req.params.participant));
    if (!(await participants.remove(participant))) throw new ApError('api.not-found', `Participant ${participant.value} is not hosted here`);
    res.status(204).end();
  });

  router.post('/participants/:participant/document-types', async (req, res) => {
    const participant = parseParticipantId(String(req.params.participant));
    res.status(201).json(capabilityJson(await participants.addCapability(participant, capabilityFromBody(req.body))));
  });

  router.delete('/participants/:participant/document-types', async (req, res) => {
    const participant = parseParticipantId(String(req.params.participant));
    const dt = typeof req.query.documentType === 'string' ? req.query.documentType : undefined;
    if (!dt) throw new ApError('api.bad-request', 'documentType query parameter is required');
    const process = typeof req.query.process === 'string' ? req.query.process : undefined;
    const n = await participants.removeCapabilities(participant, dt, process);
    if (n === 0) throw new ApError('api.not-found', `${participant.value} has no entry for this document type`);
    res.status(204).end();
  });

  return router;
}
