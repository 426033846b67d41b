/**
 * What a certificate's own subject says it is for: access point or SMP. Peppol names its issuing CAs and
 * marks its leaf certificates by purpose (peppol-reference §5); the reference gives no certificate policy
 * OIDs that tell AP from SMP, so the subject is the evidence. Being listed in a trust file is not.
 */
import type { X509Certificate } from 'node:crypto';
import { subjectValues } from './certificate.js';
import type { CertificatePurpose } from './types.js';

/**
 * Subject CNs of the Peppol issuing CAs, production and test, of every generation: e.g.
 * "PEPPOL ACCESS POINT CA - G3", "PEPPOL SERVICE METADATA PUBLISHER TEST CA - G2".
 */
const CA_CN: Record<CertificatePurpose, RegExp> = {
  ap: /^PEPPOL ACCESS POINT (TEST )?CA( - G\d+)?$/i,
  smp: /^PEPPOL SERVICE METADATA PUBLISHER (TEST )?CA( - G\d+)?$/i,
};

/** The CA name patterns as an operator reads them, for configuration errors. */
export const PEPPOL_CA_NAMES = '"PEPPOL ACCESS POINT [TEST ]CA - G<n>" or "PEPPOL SERVICE METADATA PUBLISHER [TEST ]CA - G<n>"';

/** Subject OUs of Peppol leaf certificates, test and production. */
const LEAF_OU: Record<CertificatePurpose, readonly string[]> = {
  ap: ['PEPPOL TEST AP', 'PEPPOL PRODUCTION AP'],
  smp: ['PEPPOL TEST SMP', 'PEPPOL PRODUCTION SMP'],
};

const PURPOSES: readonly CertificatePurpose[] = ['ap', 'smp'];

/**
 * The purpose of a Peppol issuing CA from its subject CN; null when no CN is a Peppol CA name, or (a
 * subject with several CNs) when they name both purposes.
 */
export function caPurposeOf(ca: X509Certificate): CertificatePurpose | null {
  const cns = subjectValues(ca.subject, 'CN').map((cn) => cn.trim());
  const named = PURPOSES.filter((p) => cns.some((cn) => CA_CN[p].test(cn)));
  return named.length === 1 ? named[0]! : null;
}

/** The subject OU that marks a leaf certificate as one of `purpose` (e.g. OU=PEPPOL TEST SMP), if any. */
export function ouMarking(cert: X509Certificate, purpose: CertificatePurpose): string | undefined {
  return subjectValues(cert.subject, 'OU').find((ou) => LEAF_OU[purpose].includes(ou.trim().toUpperCase()));
}
