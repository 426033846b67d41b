/**
 * The access point under test in the inbound benches: its seat (RECEIVING_AP) and a sending AP's
 * (SENDING_AP) from a fresh test PKI, BUYER hosted with the invoice capability, and the environment
 * `serve` runs with as that receiving access point.
 */
import { createPrivateKey, type X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { As4Identity } from '../src/as4/index.js';
import { parseParticipantId } from '../src/peppol/identifiers.js';
import { SmpParticipantStore } from '../src/store/participants-smp.js';
import { createTestPki } from '../src/testing/test-pki.js';
import type { TestDatabase } from '../test/support/db.js';
import { BUYER, INVOICE, RECEIVING_AP, SENDING_AP } from './inbound-message.js';
import { servedDatabaseUrl } from './served.js';

export interface ReceivingAp {
  sender: As4Identity;
  receiverCertificate: X509Certificate;
  /** `serve`'s environment on `port` (its AP key, certificate, endpoint and trust store are files in the folder given). */
  env(port: number): Record<string, string>;
}

/**
 * Writes the keys into `dir` (ap.key, ap.pem, trust.pem for `serve`; sender.key, sender.pem for message
 * builders in other processes or a sending `serve`; smp.key, smp.pem for a published SMP) and hosts BUYER in `db`.
 */
export async function prepareReceivingAp(db: TestDatabase, dir: string): Promise<ReceivingAp> {
  const pki = createTestPki();
  const receiver = pki.issueAp(RECEIVING_AP, { noCrlDistributionPoint: true });
  const sender = pki.issueAp(SENDING_AP, { noCrlDistributionPoint: true });
  writeFileSync(join(dir, 'ap.key'), receiver.keyPem);
  writeFileSync(join(dir, 'ap.pem'), receiver.certPem);
  writeFileSync(join(dir, 'sender.key'), sender.keyPem);
  writeFileSync(join(dir, 'sender.pem'), sender.certPem);
  // For a bench that sends through discovery: the receiver may publish its own SMP (smp.key, smp.pem).
  const smp = pki.issueSmp('SMP BENCH', { noCrlDistributionPoint: true });
  writeFileSync(join(dir, 'smp.key'), smp.keyPem);
  writeFileSync(join(dir, 'smp.pem'), smp.certPem);
  writeFileSync(join(dir, 'trust.pem'), [...pki.trustedPems.roots, ...pki.trustedPems.ap, ...pki.trustedPems.smp].join('\n'));
  const participants = new SmpParticipantStore(db.knex);
  await participants.addParticipant({ participant: parseParticipantId(BUYER) });
  await participants.addCapability(parseParticipantId(BUYER), { documentType: INVOICE.documentType, process: INVOICE.process });
  return {
    sender: { privateKey: createPrivateKey(sender.keyPem), certificate: sender.cert },
    receiverCertificate: receiver.cert,
    env: (port) => ({
      DATABASE_URL: servedDatabaseUrl(db.url),
      AP_KEY_FILE: join(dir, 'ap.key'),
      AP_CERT_FILE: join(dir, 'ap.pem'),
      AP_ENDPOINT_URL: `http://127.0.0.1:${port}/as4`,
      PEPPOL_TRUST_FILE: join(dir, 'trust.pem'),
    }),
  };
}
