/** CLI: `render` writes the rendering the API serves, and extracts embedded attachments. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { BASE_INVOICE, CEN_EXAMPLES_DIR, SCHEMATRON_DIR } from '../support/artifacts.js';
import { readPdf } from '../support/pdf-text.js';

describe('cli: render', () => {
  const dir = mkdtempSync(join(tmpdir(), 'render-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(args: string[]) {
    let out = '';
    let err = '';
    const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  }

  it('writes a PDF in the language asked: render <file> --format pdf --lang fr -o out.pdf', async () => {
    const out = join(dir, 'out.pdf');
    const r = await run(['render', BASE_INVOICE, '--format', 'pdf', '--lang', 'fr', '-o', out]);
    assert.equal(r.code, 0, r.err);
    const pdf = await readPdf(readFileSync(out));
    assert.ok(pdf.text.includes('Facture Snippet1') && pdf.text.includes('Montant à payer 1 656,25 EUR'), pdf.text.slice(0, 300));
  });

  it('prints the HTML page without -o', async () => {
    const r = await run(['render', BASE_INVOICE, '--lang', 'nl']);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.startsWith('<!DOCTYPE html>') && r.out.includes('Te betalen'));
  });

  it('extracts an embedded attachment as it is', async () => {
    const source = join(CEN_EXAMPLES_DIR, 'FT_G2G_TD01_con_Allegato_Bonifico_e_Split_Payment.xml');
    const base64 = /<cbc:EmbeddedDocumentBinaryObject[^>]*>([^<]+)</.exec(readFileSync(source, 'utf8'))![1]!;
    const out = join(dir, 'attachment.bin');
    const r = await run(['render', source, '--attachment', '0', '-o', out]);
    assert.equal(r.code, 0, r.err);
    assert.ok(readFileSync(out).equals(Buffer.from(base64, 'base64')));
  });

  it('exits 2 on wrong arguments and on a document it cannot render, saying why', async () => {
    assert.equal((await run(['render', BASE_INVOICE, '--format', 'pdf'])).code, 2, 'a PDF without -o');
    assert.equal((await run(['render', BASE_INVOICE, '--lang', 'de'])).code, 2);
    assert.equal((await run(['render'])).code, 2);
    const mls = await run(['render', join(SCHEMATRON_DIR, 'examples', 'mls', 'MessageLevelStatus_Example_AP.xml')]);
    assert.equal(mls.code, 2);
    assert.match(mls.err, /cannot be rendered/);
    const missing = join(dir, 'missing.xml');
    assert.equal((await run(['render', missing])).code, 2);
    writeFileSync(join(dir, 'doctype.xml'), '<!DOCTYPE x><Invoice/>');
    assert.match((await run(['render', join(dir, 'doctype.xml')])).err, /DOCTYPE/);
  });
});
