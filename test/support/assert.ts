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

/** Polls `probe` every `everyMs` until it gives a truthy value (resolved with it), failing after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
