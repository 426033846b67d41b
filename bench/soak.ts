/**
 * The crash soak, long (test/e2e/soak/): sustained traffic into two served access points, direct AS4
 * messages to B and API submissions to A delivered over AS4 to B, with duplicates and retries, while A and
 * B are killed with SIGKILL at random moments (also while starting) and restarted; then every message is
 * checked stored exactly once, every receipt backed by a commit, every document delivered, no job stuck,
 * no webhook event lost.
 *
 *   npm run bench:soak [-- --messages 3000 --kills 20 --rate 25]
 *
 * Last line: `soak-result lost=<n> duplicated=<n> stuck=<n>`.
 */
import { describeSoak, runSoak } from '../test/e2e/soak/soak.js';
import { numberArg } from './served.js';

const messages = numberArg('messages', 3000);
const kills = numberArg('kills', 20);
const rate = numberArg('rate', 25);

const result = await runSoak({ messages, kills, rate, settleMs: 180_000, log: (line) => console.log(line) });
for (const line of describeSoak(result)) console.log(line);
process.exitCode = result.lost + result.duplicated + result.stuck === 0 ? 0 : 1;
