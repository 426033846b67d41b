/**
 * The trusted CAs: PEPPOL_TRUST_FILE when set, else, with PEPPOL_ENVIRONMENT, the Peppol G3 CAs of that
 * environment shipped in certs/peppol-g3/ (public certificates, pinned by fingerprint in src/pki).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PkiConfig } from './index.js';
import type { CertificatesFile } from './pem.js';
import { PROJECT_ROOT } from './project-root.js';

export const PEPPOL_G3_DIR = join(PROJECT_ROOT, 'certs', 'peppol-g3');
const ROLES = ['root', 'ap', 'smp'] as const;

/** The shipped root, access point CA and SMP CA of `environment`, as one bundle. */
export function shippedPeppolG3(environment: 'production' | 'test'): CertificatesFile {
  const pems = ROLES.map((role) => readFileSync(join(PEPPOL_G3_DIR, environment, `${role}.pem`), 'utf8'));
  return { file: join(PEPPOL_G3_DIR, environment), pem: pems.join(''), x509: pems.map((p) => new X509Certificate(p)) };
}

/** What the certificates of other access points and SMPs are checked against; null when nothing says. */
export function trustOf(pki: Pick<PkiConfig, 'trust' | 'environment'>): CertificatesFile | null {
  return pki.trust ?? (pki.environment ? shippedPeppolG3(pki.environment) : null);
}
