/** Requests to a served access point (a `serve` child process) for start-up, outage and shutdown tests. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE_INVOICE } from './artifacts.js';
import { supplierOf } from './auth.js';
import { runCliProcess } from './process.js';

/**
 * Bootstraps a sender as an operator would, with the real command line against the server's database
 * (`env` as the serve got it): a tenant owning the base invoice's supplier, and a key with send and
 * inbox. Returns the key's secret.
 */
export async function provisionSender(env: Record<string, string | undefined>): Promise<string> {
  const cli = async (args: string[]) => {
    const run = await runCliProcess(args, { ...env, LOG_LEVEL: 'warn' });
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    return JSON.parse(run.stdout) as Record<string, string>;
  };
  const tenant = await cli(['tenants', 'create', '--name', 'Supplier of the base invoice']);
  await cli(['tenants', 'add-participant', tenant['id']!, supplierOf(readFileSync(BASE_INVOICE))!]);
  return (await cli(['keys', 'create', '--tenant', tenant['id']!, '--scopes', 'send,inbox']))['secret']!;
}

/** Submits the base example invoice through the documents API (again and again: a deliberate resend). */
export function submitInvoice(base: string, key: string): Promise<Response> {
  return fetch(`${base}/api/v1/documents?resend=true`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml' },
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
