import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  checkCreate,
  checkTransition,
  INBOUND_STATUSES,
  OUTBOUND_STATUSES,
  STATE_MACHINES,
  type CheckedCreate,
  type Direction,
} from '../../src/core/state-machine.js';
import { PostgresDocumentStore } from '../../src/store/documents.js';
import { PostgresPayloadStore } from '../../src/store/payloads.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const STATUSES: Record<Direction, readonly string[]> = { outbound: OUTBOUND_STATUSES, inbound: INBOUND_STATUSES };

/** The moves of the code as `direction from>to` lines, `(new)` for a creation. */
function codeMoves(): string[] {
  const lines: string[] = [];
  for (const direction of ['outbound', 'inbound'] as const) {
    const m = STATE_MACHINES[direction];
    for (const s of m.initial) lines.push(`${direction} (new)>${s}`);
    for (const [from, tos] of Object.entries(m.transitions)) for (const to of tos) lines.push(`${direction} ${from}>${to}`);
  }
  return lines.sort();
}

/** The same lines read from the README's state-machine table (cells such as "`queued` / `retrying`"). */
function readmeMoves(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('**State machine**'));
  const lines: string[] = [];
  for (const m of table.matchAll(/^\| (outbound|inbound) \| ([^|]+) \| ([^|]+) \|/gm)) {
    const cell = (c: string) => c.split('/').map((x) => x.trim().replace(/`/g, ''));
    for (const from of cell(m[2]!)) for (const to of cell(m[3]!)) lines.push(`${m[1]} ${from}>${to}`);
  }
  return lines.sort();
}

describe('state machine (src/core)', () => {
  it('the README table lists exactly the creations and moves of the code', () => {
    assert.deepEqual(readmeMoves(), codeMoves());
  });

  it('checks each creation and move once, at load: the same frozen object every time', () => {
    const a = checkTransition('x', 'outbound', 'queued', 'sending');
    assert.equal(checkTransition('y', 'outbound', 'queued', 'sending'), a);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(checkCreate('inbound', 'received')));
    assert.throws(() => checkTransition('x', 'outbound', 'delivered', 'sending'), /cannot move from delivered to sending/);
    assert.throws(() => checkCreate('inbound', 'available'), /cannot start as available/);
  });

  describe('the documents_status_check constraint', () => {
    let db: TestDatabase;
    let store: PostgresDocumentStore;
    before(async () => {
      db = await createTestDatabase();
      store = new PostgresDocumentStore(db.knex, new PostgresPayloadStore(db.knex));
    });
    after(() => db?.drop());

    it('accepts every status of a direction and refuses any other, even from a forged creation', async () => {
      const all = [...new Set([...OUTBOUND_STATUSES, ...INBOUND_STATUSES, 'bogus'])];
      for (const direction of ['outbound', 'inbound'] as const) {
        for (const status of all) {
          // A cast is the only way around the brand; Postgres still decides.
          const initial = { direction, status } as unknown as CheckedCreate;
          const create = store.create(
            { initial, senderId: null, receiverId: null, documentKind: null, documentType: null, process: null, invoiceNumber: null, issueDate: null, payloadSha256: 'a'.repeat(64), validationReport: null },
            Buffer.from('<x/>'),
            { actor: 'test' },
          );
          if (STATUSES[direction].includes(status)) await create;
          else await assert.rejects(create, /documents_status_check/, `${direction} ${status}`);
        }
      }
    });
  });
});
