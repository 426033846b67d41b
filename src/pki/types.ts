/**
 * Contract of the Peppol PKI module, used by AS4 (signer and receiver certificates) and discovery
 * (SMP signing certificates, AP certificates published in SMP endpoints).
 */
import type { X509Certificate } from 'node:crypto';

/** Which Peppol CA a certificate must chain to. */
export type CertificatePurpose = 'ap' | 'smp';

export type RevocationStatus = 'good' | 'revoked' | 'unknown' | 'not-checked';

export interface CertificateCheckOptions {
  purpose: CertificatePurpose;
  /** Validation time; defaults to now. Lets operators check old messages (`--at`). */
  at?: Date;
  /**
   * What the certificate is about to be relied on for: checking its signature (a UserMessage, a receipt)
   * or encrypting a payload key to it (an endpoint certificate from an SMP). Each use requires only its
   * own key usage bit (digitalSignature, keyEncipherment), as the Peppol relying-party checks and the
   * reference implementation do; AP certificates of every CA generation carry other bits too (G2-era:
   * keyAgreement instead of dataEncipherment), which are accepted. Defaults to ['signature'].
   */
  uses?: readonly CertificateUse[];
}

export type CertificateUse = 'signature' | 'keyTransport';

export interface ValidatedCertificate {
  certificate: X509Certificate;
  subject: string;
  issuer: string;
  /** Peppol seat id from the subject CN (e.g. PBE000123), or null when the CN is not a seat id. */
  seatId: string | null;
  /** Leaf first, trust anchor last. */
  chain: X509Certificate[];
  revocation: RevocationStatus;
  /** Things a person should know that did not fail the check (e.g. CRL unreachable under soft-fail). */
  warnings: string[];
}

export interface CertificateValidator {
  /** Resolves with the validated certificate or rejects with an ApError of kind `pki.*`. */
  validate(cert: X509Certificate | Buffer | string, options: CertificateCheckOptions): Promise<ValidatedCertificate>;
}
