/** Requests to a served access point (a `serve` child process) for start-up, outage and shutdown tests. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE_INVOICE } from './artifacts.js';

/** Submits the base example invoice through the documents API. */
export function submitInvoice(base: string): Promise<Response> {
  return fetch(`${base}/api/v1/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml' },
    body: new Uint8Array(readFileSync(BASE_INVOICE)),
    signal: AbortSignal.timeout(30_000),
  });
}

/** Polls `url` until it answers `status`; fails after `timeoutMs`. */
export async function waitForStatus(url: string, status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then((r) => r.status, () => 0);
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${url} answered ${last}, not ${status}, for ${timeoutMs} ms`);
}
