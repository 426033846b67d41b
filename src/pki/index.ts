/**
 * Peppol PKI: certificate validation, trust anchors, CRLs, issuing certificates and the sandbox's local PKI.
 * The tests' PKI with every certificate state is src/testing/test-pki.ts (tests only).
 */
export * from './types.js';
export { PeppolCertificateValidator, DEFAULT_REVOCATION_POLICY, type RevocationPolicy, type ValidatorOptions } from './validator.js';
export { TrustStore, PEPPOL_G3_FINGERPRINTS, type PeppolEnvironment, type TrustStoreInput, type TrustAnchor } from './trust-store.js';
export { CrlCache, CrlError, parseCrl, verifyCrl, DEFAULT_CRL_FETCH_OPTIONS, type Crl, type CrlFetchOptions } from './crl.js';
export {
  toX509,
  readCertificates,
  certificateDetails,
  seatIdOf,
  oneLineName,
  commonName,
  SEAT_ID,
  type CertificateInput,
  type CertificateDetails,
  type KeyUsage,
} from './certificate.js';
export { issueCertificate, type CertificateSpec, type DistinguishedName, type IssuedPem } from './issue.js';
export { createLocalPki, type LocalPki, type LocalPkiOptions } from './local-pki.js';
export * from './expiry.js';
