/**
 * bench:render — HTML and PDF renderings per second (src/rendering), one at a time on one thread, of the
 * official base example (9 KB) and of a generated 1000-line invoice, each after a warm-up. Fonts are read
 * at module load, as at start-up.
 *
 *   npm run bench:render [-- --quick]     (--quick: short warm-up and timing, for development only)
 *
 * Last line: `render-rate html_per_s=<n> pdf_per_s=<n>` (base example).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { renderHtml, renderPdf } from '../src/rendering/index.js';
import { largeInvoice } from '../src/testing/mutate/large.js';

const quick = process.argv.includes('--quick');
const timing = { warmup: quick ? 1 : 5, seconds: quick ? 2 : 10 };
const examples = join(resolve(loadConfig().validation.schematronDir), 'examples', 'peppol-3.0.21');
const base = readFileSync(join(examples, 'base-example.xml'));
const large = Buffer.from(largeInvoice(base.toString('utf8'), 1000));

/** Warm-up, then as many renderings as fit in the window: per second, and ms each. */
async function measure(render: () => unknown): Promise<{ perSec: number; ms: number }> {
  const warmEnd = performance.now() + timing.warmup * 1000;
  while (performance.now() < warmEnd) await render();
  let n = 0;
  const t0 = performance.now();
  const end = t0 + timing.seconds * 1000;
  while (performance.now() < end) {
    await render();
    n++;
  }
  const elapsed = performance.now() - t0;
  return { perSec: (n * 1000) / elapsed, ms: elapsed / n };
}

const fmt = (r: { perSec: number; ms: number }) => `${r.perSec.toFixed(1)}/s (${r.ms.toFixed(2)} ms)`;
const sizes = `${(base.length / 1024).toFixed(1)} KB and ${(large.length / 1024).toFixed(0)} KB`;
console.log(`render: base example and a 1000-line invoice (${sizes}), warm-up ${timing.warmup} s, ${timing.seconds} s each`);
const html = await measure(() => renderHtml(base, 'nl'));
console.log(`base html: ${fmt(html)}`);
const pdf = await measure(() => renderPdf(base, 'nl'));
console.log(`base pdf: ${fmt(pdf)} (${(await renderPdf(base, 'nl')).length} bytes)`);
const largeHtml = await measure(() => renderHtml(large, 'nl'));
console.log(`1000 lines html: ${fmt(largeHtml)}`);
const largePdf = await measure(() => renderPdf(large, 'nl'));
const largeBytes = await renderPdf(large, 'nl');
console.log(`1000 lines pdf: ${fmt(largePdf)} (${largeBytes.length} bytes)`);
console.log(`render-rate html_per_s=${html.perSec.toFixed(1)} pdf_per_s=${pdf.perSec.toFixed(1)}`);
