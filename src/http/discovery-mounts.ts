/**
 * The SMP and the participants admin API as mounts for createApp, built once at start-up from the
 * discovery configuration: key and certificate files are read here, never per request.
 *   - SMP at the path of SMP_PUBLIC_URL (e.g. https://ap.example/smp → /smp), when SMP_PUBLIC_URL,
 *     SMP_KEY_FILE, SMP_CERT_FILE, AP_ENDPOINT_URL and AP_CERT_FILE are set;
 *   - admin API at /api/v1/admin (every request refused while ADMIN_TOKEN is unset).
 */
import { readFileSync } from 'node:fs';
import type { Router } from 'express';
import type { Knex } from 'knex';
import type { DiscoveryConfig } from '../config-discovery.js';
import { ApError } from '../errors.js';
import type { SmlRegistrar } from '../peppol/sml-registrar.js';
import { SmpParticipantStore, StoreSmpDirectory } from '../store/participants-smp.js';
import { createAdminParticipantsRouter } from './admin-participants.js';
import { createSmpRouter } from './smp.js';

export const ADMIN_API_PATH = '/api/v1/admin';

function readPem(file: string, what: string, marker: RegExp): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ApError('config.invalid', `Cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (!marker.test(text)) throw new ApError('config.invalid', `${file} holds no PEM ${what}`);
  return text;
}

function firstCertificateDer(pem: string): Buffer {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  return Buffer.from(m![1]!.replace(/\s+/g, ''), 'base64');
}

export interface DiscoveryMountsDeps {
  config: DiscoveryConfig;
  knex: Knex;
  /** Where added/removed participants are (un)registered; without it the SML is left alone. */
  registrar?: SmlRegistrar;
}

export function discoveryMounts(deps: DiscoveryMountsDeps): Array<{ path: string; router: Router }> {
  const { config } = deps;
  const store = new SmpParticipantStore(deps.knex);
  const mounts: Array<{ path: string; router: Router }> = [];
  const publisher = config.smpPublisher;
  if (publisher && config.ownEndpoint) {
    const keyPem = readPem(publisher.keyFile, 'SMP private key', /-----BEGIN (RSA )?PRIVATE KEY-----/);
    const certPem = readPem(publisher.certFile, 'SMP certificate', /-----BEGIN CERTIFICATE-----/);
    const apCertPem = readPem(config.ownEndpoint.certFile, 'AP certificate', /-----BEGIN CERTIFICATE-----/);
    const directory = new StoreSmpDirectory(store, {
      url: config.ownEndpoint.url,
      certificate: firstCertificateDer(apCertPem),
      technicalContactUrl: config.ownEndpoint.technicalContactUrl,
      serviceDescription: 'Peppol access point',
    });
    const path = new URL(publisher.publicUrl).pathname.replace(/\/+$/, '') || '/';
    mounts.push({ path, router: createSmpRouter({ directory, signingKey: { keyPem, certPem }, publicBaseUrl: publisher.publicUrl }) });
  }
  mounts.push({
    path: ADMIN_API_PATH,
    router: createAdminParticipantsRouter({
      store,
      adminToken: config.adminToken,
      ...(deps.registrar && publisher ? { sml: { registrar: deps.registrar, smpBaseUrl: publisher.publicUrl } } : {}),
    }),
  });
  return mounts;
}
