/**
 * The served access point (src/main.ts wiring, PEPPOL_TRUST_FILE holding the root, the AP CA and the SMP
 * CA, PEPPOL_ENVIRONMENT unset) accepts only access point certificates as AS4 signers: a signer issued by
 * the SMP CA, or one whose subject says it is an SMP certificate, gets EBMS:0101 and nothing is stored.
 */
import assert from 'node:assert/strict';
import type { IssuedCertificate } from '../../src/testing/test-pki.js';
import type { AccessPoint } from '../../src/main.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { SmpParticipantStore } from '../../src/store/participants-smp.js';
import { as4Fixture } from '../as4/fixtures.js';
import type { TestDatabase } from '../support/db.js';
import { startServedAp, type ServedAp } from '../support/served-ap.js';
import { BUYER, header, INVOICE, message, post, sbd, signal } from './support.js';

describe('served access point: only access point certificates may sign AS4 messages', function () {
  this.timeout(90_000);
  const f = as4Fixture();
  // No CRL distribution point: revocation is not what these tests are about.
  const opts = { noCrlDistributionPoint: true } as const;
  let served: ServedAp;
  let ap: AccessPoint;
  let db: TestDatabase;

  before(async () => {
    served = await startServedAp({
      prefix: 'ap_signer_purpose',
      ap: f.receiver,
      trust: f.pki.trustedPems,
      env: { INBOUND_VALIDATION_WORKERS: '0', INBOUND_SERVICED_CACHE_MS: '0' },
      async prepare(db) {
        const participants = new SmpParticipantStore(db.knex);
        await participants.addParticipant({ participant: parseParticipantId(BUYER) });
        await participants.addCapability(parseParticipantId(BUYER), { documentType: INVOICE.documentType, process: INVOICE.process });
      },
    });
    ({ ap, db } = served);
  });
  after(() => served?.close());

  const stored = async () => Number((await db.knex('documents').count('* as n'))[0]!.n);

  async function send(signer: IssuedCertificate, seat: string) {
    const m = await message(sbd(), { sender: f.identity(signer), header: header({ fromPartyId: seat }) });
    const r = await post(ap.url, m);
    return { m, r, s: await signal(r) };
  }

  async function expectRefused(signer: IssuedCertificate, seat: string, description: RegExp) {
    const before = await stored();
    const { m, r, s } = await send(signer, seat);
    assert.equal(s.kind, 'error', r.body.toString().slice(0, 2000));
    const e = s.signal.errors[0]!;
    assert.equal(e.errorCode, 'EBMS:0101', e.description ?? '');
    assert.match(e.description ?? '', description);
    assert.equal(r.status, 400);
    assert.equal(await stored(), before, 'nothing stored');
    assert.equal(await db.knex('as4_messages').where({ message_id: m.messageId }).first(), undefined);
  }

  it('receipts a message signed by an access point certificate of the AP CA (the control)', async () => {
    const before = await stored();
    const { r, s } = await send(f.pki.issueAp('POP000041', opts), 'POP000041');
    assert.equal(r.status, 200, r.body.toString().slice(0, 2000));
    assert.equal(s.kind, 'receipt');
    assert.equal(await stored(), before + 1);
  });

  it('answers EBMS:0101 to a signer issued by the SMP CA of the trust bundle', async () => {
    const bySmpCa = f.pki.issueAp('POP000042', { ...opts, issuer: 'smp' });
    await expectRefused(bySmpCa, 'POP000042', /SMP CA.*access point certificate is required/);
  });

  it('answers EBMS:0101 to a signer of the AP CA whose subject has OU=PEPPOL TEST SMP', async () => {
    const smpSubject = f.pki.issueSmp('POP000043', { ...opts, issuer: 'ap' });
    await expectRefused(smpSubject, 'POP000043', /OU=PEPPOL TEST SMP/);
  });
});
