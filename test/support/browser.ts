/**
 * Real Chromium for the console tests (Debian's `chromium`, driven by playwright-core): one browser per
 * suite, a fresh profile each time, and an axe-core check that a page has no serious or critical
 * WCAG 2.1 A/AA violation.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface TestBrowser {
  /** A new context (its own cookies), with the page's CSP bypassed only so that axe can be injected. */
  context(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * One Chromium for a suite. playwright-core gives every launch a fresh temporary --user-data-dir of its
 * own (and refuses one passed in args), removed when the browser closes.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    context: () => browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 }, locale: 'en-GB' }),
    close: () => browser.close(),
  };
}

/** Runs axe-core on the page; fails listing each serious or critical violation. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${what}: ${JSON.stringify(bad, null, 1)}`);
}
