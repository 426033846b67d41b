/**
 * The alert before our AP certificate expires: a rollover needs the new certificate from OpenPeppol, the
 * SMP updated and the old key kept for a while, so the warning starts weeks ahead (AP_CERT_EXPIRY_WARNING_DAYS).
 */
import type { X509Certificate } from 'node:crypto';
import type { Logger } from '../log.js';
import { certificateExpiry, oneLineName } from '../pki/index.js';
import type { Closers } from './closers.js';

const CHECK_INTERVAL_MS = 12 * 3_600_000;
const DAY_MS = 86_400_000;

export interface OurCertificate {
  role: 'current' | 'previous';
  certificate: X509Certificate;
}

export function watchCertificateExpiry(certificates: readonly OurCertificate[], warningMs: number, logger: Logger, closers: Closers, now: () => Date = () => new Date()): void {
  const check = () => {
    for (const { role, certificate } of certificates) {
      const e = certificateExpiry(certificate, now(), warningMs);
      const facts = { certificate: role, subject: oneLineName(certificate.subject), serialNumber: certificate.serialNumber, notAfter: e.notAfter.toISOString(), daysLeft: Math.floor(e.remainingMs / DAY_MS) };
      if (role === 'previous') {
        // The old key is needed only until senders' SMP caches have moved on; once expired, nobody can use it.
        if (e.state === 'expired') logger.info(facts, 'the previous AP certificate has expired: AP_PREVIOUS_KEY_FILE and AP_PREVIOUS_CERT_FILE can be removed');
      } else if (e.state === 'expired') {
        logger.error(facts, 'the AP certificate has EXPIRED: other access points refuse our messages and receipts; configure the new certificate now');
      } else if (e.state === 'expiring') {
        logger.warn(facts, `the AP certificate expires in ${facts.daysLeft} days: request the new one, then set it as AP_CERT_FILE with the old one as AP_PREVIOUS_CERT_FILE`);
      }
    }
  };
  check();
  const timer = setInterval(check, CHECK_INTERVAL_MS);
  timer.unref();
  closers.push('certificate expiry watch', () => clearInterval(timer));
}
