/**
 * The SMP and the participants admin API as mounts for createApp, built once at start-up from what the
 * configuration read (keys and certificates included; no file is read here):
 *   - SMP at the path of its public URL (e.g. https://ap.example/smp → /smp), when it is published;
 *   - admin API at /api/v1/admin (every request refused while there is no admin token).
 */
import type { Router } from 'express';
import type { Knex } from 'knex';
import type { SmpSigningKey } from '../peppol/smp-signature.js';
import type { SmlRegistrar } from '../peppol/sml-registrar.js';
import { SmpParticipantStore, StoreSmpDirectory } from '../store/participants-smp.js';
import { createAdminParticipantsRouter } from './admin-participants.js';
import { createSmpRouter } from './smp.js';

export const ADMIN_API_PATH = '/api/v1/admin';

export interface Mount {
  path: string;
  router: Router;
}

export interface DiscoveryMountsDeps {
  knex: Knex;
  /** Bearer token of the admin API; null refuses every request. */
  adminToken: string | null;
  /** Our SMP: its public base URL, signing key, and the endpoint it publishes for hosted participants. */
  smp: {
    publicUrl: string;
    signingKey: SmpSigningKey;
    endpoint: { url: string; certificate: Buffer; technicalContactUrl: string };
  } | null;
  /** Where added/removed participants are (un)registered; without it the SML is left alone. */
  registrar?: SmlRegistrar;
}

export function discoveryMounts(deps: DiscoveryMountsDeps): Mount[] {
  const store = new SmpParticipantStore(deps.knex);
  const mounts: Mount[] = [];
  const { smp } = deps;
  if (smp) {
    const directory = new StoreSmpDirectory(store, {
      url: smp.endpoint.url,
      certificate: smp.endpoint.certificate,
      technicalContactUrl: smp.endpoint.technicalContactUrl,
      serviceDescription: 'Peppol access point',
    });
    const path = new URL(smp.publicUrl).pathname.replace(/\/+$/, '') || '/';
    mounts.push({ path, router: createSmpRouter({ directory, signingKey: smp.signingKey, publicBaseUrl: smp.publicUrl }) });
  }
  mounts.push({
    path: ADMIN_API_PATH,
    router: createAdminParticipantsRouter({
      store,
      adminToken: deps.adminToken,
      ...(deps.registrar && smp ? { sml: { registrar: deps.registrar, smpBaseUrl: smp.publicUrl } } : {}),
    }),
  });
  return mounts;
}
