/**
 * Trust anchors: the CAs that may issue access point and SMP certificates, and the roots above them.
 * Built once at start-up from PEM; the Peppol G3 sets are pinned by SHA-256 fingerprint so a wrong or
 * substituted CA file is refused at configuration time rather than trusted silently.
 */
import type { X509Certificate } from 'node:crypto';
import { ApError } from '../errors.js';
import { certificateDetails, oneLineName, readCertificates, type CertificateInput } from './certificate.js';
import { caPurposeOf, PEPPOL_CA_NAMES } from './purpose.js';
import type { CertificatePurpose } from './types.js';

/** SHA-256 fingerprints of the Peppol PKI G3 CAs (peppol-reference §5), in node's `AA:BB:...` form. */
export const PEPPOL_G3_FINGERPRINTS = {
  production: {
    root: 'B6:07:5B:9F:86:55:E7:56:77:7F:18:2D:14:07:C0:04:94:42:D3:A2:F5:7D:FF:97:81:52:38:28:F3:31:F2:11',
    ap: 'B6:5E:37:5A:58:26:AD:A1:65:17:B2:AA:8A:88:1B:6F:CA:FF:5E:48:E7:55:9B:9E:96:BB:A5:C6:49:21:F9:00',
    smp: 'D9:E1:74:67:C6:9E:51:FC:4F:5C:52:63:54:2F:C6:8D:2A:BB:A5:DF:AA:E6:2E:87:FB:D6:82:9F:1D:E6:21:C4',
  },
  test: {
    root: '8B:4E:0E:5D:C7:C8:20:8C:BA:88:ED:EB:FA:D3:1E:06:47:40:D8:96:AB:6E:18:DE:0B:03:38:6F:D2:4B:E7:34',
    ap: 'D2:44:5A:0F:11:5E:E6:4C:C1:41:A8:49:FE:14:29:27:FE:57:01:B7:D9:B5:8D:3E:6F:53:99:31:62:11:5C:C0',
    smp: 'EB:78:DA:BB:62:2B:BC:70:15:92:F0:85:BC:27:AB:81:7F:E1:C0:D4:75:3A:E8:29:68:2E:81:27:B3:B0:0C:E7',
  },
} as const;

export type PeppolEnvironment = keyof typeof PEPPOL_G3_FINGERPRINTS;

export interface TrustStoreInput {
  /** Self-signed roots above the issuing CAs (optional: an issuing CA may itself be the anchor). */
  roots?: CertificateInput[];
  /** CAs that issue access point certificates. */
  ap?: CertificateInput[];
  /** CAs that issue SMP certificates. */
  smp?: CertificateInput[];
}

export interface TrustAnchor {
  /** The CA that issues leaf certificates of this purpose. */
  ca: X509Certificate;
  /** The CA's own chain up to a configured root, CA first (empty when the CA is the anchor itself). */
  above: X509Certificate[];
}

export class TrustStore {
  private readonly anchors: Record<CertificatePurpose, TrustAnchor[]>;

  private constructor(anchors: Record<CertificatePurpose, TrustAnchor[]>) {
    this.anchors = anchors;
  }

  /**
   * Builds a store from PEM/DER certificates. Every issuing CA must be a CA certificate; when roots are
   * given, each issuing CA that is not self-signed is linked to the root that signed it.
   */
  static create(input: TrustStoreInput): TrustStore {
    const roots = readCertificates(input.roots ?? []);
    for (const r of roots) {
      assertCa(r);
      if (!isSelfSigned(r)) {
        throw new ApError('config.invalid', `trust root "${oneLineName(r.subject)}" is not self-signed`);
      }
    }
    const link = (ca: X509Certificate): TrustAnchor => {
      assertCa(ca);
      if (isSelfSigned(ca)) return { ca, above: [] };
      const root = roots.find((r) => ca.checkIssued(r) && ca.verify(r.publicKey));
      return { ca, above: root ? [root] : [] };
    };
    const anchors = {
      ap: readCertificates(input.ap ?? []).map(link),
      smp: readCertificates(input.smp ?? []).map(link),
    };
    if (anchors.ap.length === 0 && anchors.smp.length === 0) {
      throw new ApError('config.invalid', 'the trust store has no access point or SMP CA');
    }
    return new TrustStore(anchors);
  }

  /**
   * A store from one PEM bundle (PEPPOL_TRUST_FILE, CLI `--trust`). Each CA's purpose comes from the CA
   * itself (its Peppol name, purpose.ts), never from being in the bundle: otherwise an SMP CA would also
   * issue access point certificates. Other self-signed CAs are roots only; any other CA is refused, as it
   * could be trusted for nothing or for the wrong thing.
   */
  static fromBundle(pem: CertificateInput | CertificateInput[]): TrustStore {
    const certs = readCertificates(pem);
    if (certs.length === 0) throw new ApError('config.invalid', 'the trust bundle holds no certificate');
    const sorted: Record<'roots' | CertificatePurpose, X509Certificate[]> = { roots: [], ap: [], smp: [] };
    for (const cert of certs) {
      const purpose = caPurposeOf(cert);
      if (purpose) sorted[purpose].push(cert);
      else if (isSelfSigned(cert)) sorted.roots.push(cert);
      else {
        assertCa(cert);
        throw new ApError(
          'config.invalid',
          `the trust bundle holds the CA "${oneLineName(cert.subject)}", which is neither self-signed nor named as a Peppol access point or SMP CA (${PEPPOL_CA_NAMES}), so whether it may issue access point or SMP certificates is unknown: remove it from the trust file`,
        );
      }
    }
    if (sorted.ap.length === 0 && sorted.smp.length === 0) {
      const roots = sorted.roots.map((r) => `"${oneLineName(r.subject)}"`).join(', ');
      throw new ApError('config.invalid', `the trust bundle holds no access point or SMP CA (named ${PEPPOL_CA_NAMES}), only the roots ${roots}`);
    }
    return TrustStore.create(sorted);
  }

  /**
   * The Peppol G3 CA set of an environment. The CA certificates are supplied as PEM (they are not bundled)
   * and each must match a pinned fingerprint of that environment; the access point CA is required.
   */
  static peppolG3(env: PeppolEnvironment, pem: CertificateInput | CertificateInput[]): TrustStore {
    const pins = PEPPOL_G3_FINGERPRINTS[env];
    const sorted: Required<TrustStoreInput> = { roots: [], ap: [], smp: [] };
    for (const cert of readCertificates(pem)) {
      const fp = cert.fingerprint256.toUpperCase();
      if (fp === pins.root) sorted.roots.push(cert);
      else if (fp === pins.ap) sorted.ap.push(cert);
      else if (fp === pins.smp) sorted.smp.push(cert);
      else {
        throw new ApError(
          'config.invalid',
          `certificate "${oneLineName(cert.subject)}" (SHA-256 ${fp}) is not a Peppol G3 ${env} CA`,
        );
      }
    }
    if (sorted.ap.length === 0) {
      throw new ApError('config.invalid', `the Peppol G3 ${env} access point CA (SHA-256 ${pins.ap}) is missing from the trust files`);
    }
    return TrustStore.create(sorted);
  }

  /** Issuing CAs for a purpose. */
  anchorsFor(purpose: CertificatePurpose): readonly TrustAnchor[] {
    return this.anchors[purpose];
  }

  /** Every configured CA certificate (issuing CAs and roots), without duplicates. */
  allCas(): X509Certificate[] {
    const seen = new Map<string, X509Certificate>();
    for (const a of [...this.anchors.ap, ...this.anchors.smp]) {
      for (const c of [a.ca, ...a.above]) seen.set(c.fingerprint256, c);
    }
    return [...seen.values()];
  }
}

function isSelfSigned(cert: X509Certificate): boolean {
  return cert.checkIssued(cert) && cert.verify(cert.publicKey);
}

function assertCa(cert: X509Certificate): void {
  const ku = certificateDetails(cert).keyUsage;
  if (!cert.ca || (ku && !ku.has('keyCertSign'))) {
    throw new ApError('config.invalid', `trust anchor "${oneLineName(cert.subject)}" is not a CA certificate`);
  }
}
