/**
 * The SMP and the participants admin API as mounts for createApp, built once at start-up from what the
 * configuration read (keys and certificates included; no file is read here):
 *   - SMP at the path of its public URL (e.g. https://ap.example/smp → /smp), when it is published;
 *   - admin API at /api/v1/admin (keys with the `participants` scope).
 */
import type { Router } from 'express';
import type { SmpDirectory } from '../peppol/smp-directory.js';
import type { SmpSigningKey } from '../peppol/smp-signature.js';
import type { ParticipantsService } from '../services/participants.js';
import type { TenantsService } from '../services/tenants.js';
import { createAdminParticipantsRouter } from './admin-participants.js';
import { createSmpRouter } from './smp.js';

export const ADMIN_API_PATH = '/api/v1/admin';

export interface Mount {
  path: string;
  router: Router;
}

export interface DiscoveryMountsDeps {
  participants: ParticipantsService;
  tenants: TenantsService;
  /** Our SMP: its public base URL, signing key, and what it publishes (the hosted participants). */
  smp: { publicUrl: string; signingKey: SmpSigningKey; directory: SmpDirectory } | null;
}

export function discoveryMounts(deps: DiscoveryMountsDeps): Mount[] {
  const mounts: Mount[] = [];
  const { smp } = deps;
  if (smp) {
    const path = new URL(smp.publicUrl).pathname.replace(/\/+$/, '') || '/';
    mounts.push({ path, router: createSmpRouter({ directory: smp.directory, signingKey: smp.signingKey, publicBaseUrl: smp.publicUrl }) });
  }
  mounts.push({ path: ADMIN_API_PATH, router: createAdminParticipantsRouter({ participants: deps.participants, tenants: deps.tenants }) });
  return mounts;
}
