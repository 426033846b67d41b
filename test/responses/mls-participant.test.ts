/** Our MLS participant is published by every node at start-up: nodes starting together all succeed, and publish it once. */
import assert from 'node:assert/strict';
import { publishMlsParticipant } from '../../src/composition/responses.js';
import { parseParticipantId } from '../../src/peppol/identifiers.js';
import { SmpParticipantStore } from '../../src/store/participants-smp.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('publishing our MLS participant from several nodes at once', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase({ prefix: 'ap_mls_publish' });
  });
  after(() => db?.drop());

  it('succeeds on every node and leaves one participant with one MLS capability', async () => {
    const stores = Array.from({ length: 4 }, () => new SmpParticipantStore(db.knex));
    const ids = await Promise.all(stores.map((s) => publishMlsParticipant(s, 'PBE000909')));
    assert.deepEqual(new Set(ids), new Set(['0242:000909']));
    const hosted = await stores[0]!.getParticipant(parseParticipantId('0242:000909'));
    assert.equal(hosted!.capabilities.length, 1);
    assert.equal(await publishMlsParticipant(stores[0]!, 'PBE000909'), '0242:000909', 'and again at the next start');
  });
});
