/**
 * The owner of a supplier, asked for every API submission (src/store/tenants.ts tenantOfParticipant): the
 * iso6523 value in any case, only the participant scheme, null for a participant of no tenant or none.
 */
import assert from 'node:assert/strict';
import { PARTICIPANT_SCHEME } from '../../src/peppol/identifiers.js';
import { PostgresTenantStore } from '../../src/store/tenants.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('the tenant of a participant', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let tenants: PostgresTenantStore;

  before(async () => {
    db = await createTestDatabase();
    tenants = new PostgresTenantStore(db.knex);
  });
  after(async () => db?.drop());

  it('is found by the participant value in any case, under the participant scheme only', async () => {
    const owner = await tenants.create({ name: 'Owner' });
    const other = await tenants.create({ name: 'Other' });
    await tenants.assignParticipant(owner.id, { scheme: PARTICIPANT_SCHEME, value: '9925:BE0123456749' }, null);
    await tenants.assignParticipant(other.id, { scheme: PARTICIPANT_SCHEME, value: '0208:0987654394' }, null);
    await db.knex('hosted_participants').insert({ scheme: PARTICIPANT_SCHEME, identifier: '0208:0000000097' });
    await db.knex('hosted_participants').insert({ scheme: 'another-scheme', identifier: '0208:0111111111', tenant_id: owner.id });

    // Asked twice each: the second run of a named statement uses the statement prepared by the first.
    for (let i = 0; i < 2; i++) {
      assert.equal(await tenants.tenantOfParticipant('9925:BE0123456749'), owner.id);
      assert.equal(await tenants.tenantOfParticipant('9925:be0123456749'), owner.id, 'any case');
      assert.equal(await tenants.tenantOfParticipant('0208:0987654394'), other.id);
      assert.equal(await tenants.tenantOfParticipant('0208:0000000097'), null, 'hosted, of no tenant');
      assert.equal(await tenants.tenantOfParticipant('0208:0111111111'), null, 'another scheme');
      assert.equal(await tenants.tenantOfParticipant('0208:0222222222'), null, 'not hosted');
    }
    await db.knex.transaction(async (tx) => assert.equal(await tenants.tenantOfParticipant('9925:BE0123456749', tx), owner.id, 'in a transaction'));
  });
});
