/** Assertion helpers shared by the test suites. */
import assert from 'node:assert/strict';
import { ApError } from '../../src/errors.js';

/** Awaits `p`, expecting it to reject with an ApError of `kind`; resolves with that error. */
export async function expectKind(p: Promise<unknown>, kind: string): Promise<ApError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApError, String(err));
    assert.equal(err.kind, kind, err.message);
    return err;
  }
  assert.fail(`expected ${kind}`);
}
