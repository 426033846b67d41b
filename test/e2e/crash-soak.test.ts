/**
 * Crash soak, bounded (issue 17; the long run is `npm run bench:soak`): a sending access point A (its API
 * takes submissions with an Idempotency-Key, its job runner delivers them over AS4) and a receiving one B,
 * each a `serve` process on its own database, under sustained traffic: direct AS4 messages to B (some sent
 * again after their receipt, each sent again after an error, a time-out or a cut connection) and API
 * submissions to A (some repeated after their answer). Both are killed with SIGKILL at random moments,
 * sometimes again while they start, and restarted. Afterwards (test/e2e/soak/check.ts): every message
 * stored exactly once at B (by MessageId, SBDH instance id and invoice number), every receipt a sender got
 * backed by B's commit, every document delivered, no job stuck, every subscribed webhook event delivered
 * (a repeat only under the same webhook-id).
 */
import assert from 'node:assert/strict';
import { describeSoak, runSoak } from './soak/soak.js';

const MESSAGES = Number(process.env['SOAK_TEST_MESSAGES'] ?? 400);
const KILLS = Number(process.env['SOAK_TEST_KILLS'] ?? 6);

describe('crash soak: A and B killed at random moments under sustained traffic', function () {
  this.timeout(300_000);

  it(`stores each of ${MESSAGES} messages once, backs every receipt by a commit, loses no webhook event, leaves nothing stuck`, async () => {
    const result = await runSoak({ messages: MESSAGES, kills: KILLS, rate: 12, settleMs: 60_000 });
    const lines = describeSoak(result);
    console.log(lines.map((l) => `      ${l}`).join('\n'));
    // Each side was killed, and the traffic had duplicates and retries to survive.
    assert.ok(result.kills.a >= Math.floor(KILLS / 2) && result.kills.b >= Math.floor(KILLS / 2), `kills: ${JSON.stringify(result.kills)}`);
    assert.ok(result.direct.duplicatesSent > 0 && result.api.repeats > 0, 'deliberate duplicates sent');
    assert.ok(result.direct.attempts > result.direct.messages + result.direct.duplicatesSent, 'some direct messages were retried');
    assert.ok(result.direct.rebuilt > 0, 'some direct messages were sent again rebuilt');
    assert.ok(result.api.attempts > result.api.submissions + result.api.repeats, 'some submissions were retried');
    assert.equal(lines.at(-1), 'soak-result lost=0 duplicated=0 stuck=0', lines.join('\n'));
  });
});
