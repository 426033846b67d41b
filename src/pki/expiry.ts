/** How far a certificate is from its notAfter, for the alerts that must come well before a rollover is late. */
import type { X509Certificate } from 'node:crypto';

export interface CertificateExpiry {
  notAfter: Date;
  /** Milliseconds until notAfter (negative once expired). */
  remainingMs: number;
  /** 'ok' before the warning period, 'expiring' inside it, 'expired' after notAfter. */
  state: 'ok' | 'expiring' | 'expired';
}

export function certificateExpiry(certificate: X509Certificate, now: Date, warningMs: number): CertificateExpiry {
  const notAfter = new Date(certificate.validTo);
  const remainingMs = notAfter.getTime() - now.getTime();
  return { notAfter, remainingMs, state: remainingMs <= 0 ? 'expired' : remainingMs <= warningMs ? 'expiring' : 'ok' };
}
