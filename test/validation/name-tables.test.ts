/**
 * The validation DOM shares element names process-wide; names come from untrusted documents, so those
 * tables are bounded. Run in a child process: documents with a million distinct element names leave the
 * heap bounded, and the rules still fire as before on the base example.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PROJECT_ROOT } from '../../src/config/index.js';

const SCRIPT = `
import { readFileSync } from 'node:fs';
import { createValidator } from './src/validation/validator.ts';
import { parseDocument } from './src/validation/dom.ts';
const v = await createValidator({ ublSchemasDir: 'ubl-schemas', schematronDir: 'schematron' });
const base = readFileSync('schematron/examples/peppol-3.0.21/base-example.xml', 'utf8').replace('<cbc:PayableAmount currencyID="EUR">1656.25<', '<cbc:PayableAmount currencyID="EUR">1.00<');
const ids = () => v.validate(base).issues.map((i) => i.layer + ' ' + i.id + ' ' + i.flag).sort().join(',');
const before = ids();
globalThis.gc(); const heap0 = process.memoryUsage().heapUsed;
for (let d = 0; d < 20; d++) {
  const parts = ['<r>'];
  for (let i = 0; i < 50000; i++) parts.push('<n' + d + '_' + i + '/>');
  parts.push('</r>');
  parseDocument(parts.join(''));
}
globalThis.gc(); const grown = (process.memoryUsage().heapUsed - heap0) / 1048576;
console.log(JSON.stringify({ grown, same: ids() === before, before }));
`;

describe('validation engine: process-wide name tables', function () {
  this.timeout(120_000);
  it('stay bounded under documents with a million distinct element names, and rules still fire as before', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', SCRIPT], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { grown: number; same: boolean; before: string };
    assert.ok(r.before.includes('BR-CO-16'), r.before);
    assert.ok(r.same, 'the same rules fire after the flood of names');
    assert.ok(r.grown < 40, `heap grew by ${r.grown.toFixed(1)} MB`);
  });
});
