import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BUSINESS_STATUS_OF, BUSINESS_STATUSES, businessMove, checkBusinessMove } from '../../src/core/business-status.js';
import { ApError } from '../../src/errors.js';
import { RESPONSE_CODES } from '../../src/responses/codes.js';

/** The README's business status table: status → [codes, next statuses]. */
function readmeTable(): Map<string, { codes: string[]; next: string[] }> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('| business status |'));
  const rows = new Map<string, { codes: string[]; next: string[] }>();
  for (const m of table.matchAll(/^\| `(\w+)` \| ([^|]+) \| ([^|]+) \|$/gm)) {
    rows.set(m[1]!, {
      codes: [...m[2]!.matchAll(/`([A-Z]{2})`/g)].map((c) => c[1]!).sort(),
      next: [...m[3]!.matchAll(/`(\w+)`/g)].map((c) => c[1]!).sort(),
    });
  }
  return rows;
}

describe('business status (Invoice Responses, the supplier view)', () => {
  it('the README table is the code: every status, the codes that mean it and where it may move on to', () => {
    const rows = readmeTable();
    assert.deepEqual([...rows.keys()].sort(), [...BUSINESS_STATUSES].sort());
    for (const status of BUSINESS_STATUSES) {
      const codes = RESPONSE_CODES.filter((c) => BUSINESS_STATUS_OF[c] === status).sort();
      const next = BUSINESS_STATUSES.filter((to) => businessMove(status, to) !== null).sort();
      assert.deepEqual(rows.get(status), { codes, next }, status);
    }
  });

  it('every response code means a status, and the first answer may set any', () => {
    for (const code of RESPONSE_CODES) assert.ok(BUSINESS_STATUSES.includes(BUSINESS_STATUS_OF[code]), code);
    for (const to of BUSINESS_STATUSES) assert.deepEqual(businessMove(null, to), { from: null, to });
  });

  it('moves only forward: nothing out of rejected or paid, no way back to received, the same status is no move', () => {
    assert.equal(businessMove('processed', 'received'), null);
    assert.equal(businessMove('paid', 'rejected'), null);
    assert.equal(businessMove('rejected', 'paid'), null);
    assert.equal(businessMove('received', 'received'), null);
    assert.deepEqual(businessMove('received', 'paid'), { from: 'received', to: 'paid' });
    assert.throws(() => checkBusinessMove('doc-1', 'paid', 'processed'), (e: unknown) => e instanceof ApError && e.kind === 'state.invalid-transition' && /paid to processed/.test(e.message));
  });
});
