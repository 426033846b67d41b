/**
 * `render <file> [--format html|pdf] [--lang nl|fr|en] [-o <out>]`: a human-readable rendering of a UBL
 * Invoice, CreditNote or Invoice Response file, the one the API serves (src/rendering). HTML goes to
 * standard output without -o; a PDF needs -o. `--attachment <n> -o <out>` writes the n-th embedded
 * attachment (AdditionalDocumentReference position, 0-based) as it is instead. Exit 0 done, 2 wrong
 * arguments or a file that cannot be rendered.
 */
import { statSync, writeFileSync } from 'node:fs';
import { ApError } from '../../errors.js';
import { extractAttachment, MAX_RENDER_BYTES, RENDER_LANGUAGES, renderHtml, renderPdf, type RenderLanguage } from '../../rendering/index.js';
import type { CliCommand } from '../command.js';
import { readInput } from './discovery-args.js';

const USAGE = 'render <file> [--format html|pdf] [--lang nl|fr|en] [-o <out>] | render <file> --attachment <n> -o <out>';
const EXIT_DONE = 0;
const EXIT_UNUSABLE = 2;

interface RenderArgs {
  file: string;
  format: 'html' | 'pdf';
  lang: RenderLanguage;
  out?: string;
  attachment?: number;
}

function parseArgs(args: string[]): RenderArgs | string {
  const files: string[] = [];
  const opts: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (['--format', '--lang', '-o', '--out', '--attachment'].includes(a)) {
      const v = args[++i];
      if (v === undefined) return `${a} needs a value`;
      opts[a === '--out' ? '-o' : a] = v;
    } else if (a.startsWith('-')) return `Unknown option ${a}`;
    else files.push(a);
  }
  if (files.length !== 1) return 'One file is expected';
  const format = opts['--format'] ?? 'html';
  if (format !== 'html' && format !== 'pdf') return '--format must be html or pdf';
  const lang = opts['--lang'] ?? 'en';
  if (!(RENDER_LANGUAGES as readonly string[]).includes(lang)) return `--lang must be one of ${RENDER_LANGUAGES.join(', ')}`;
  const out = opts['-o'];
  if (format === 'pdf' && out === undefined) return 'A PDF needs -o <out>';
  const attachment = opts['--attachment'];
  if (attachment !== undefined && (!/^\d{1,4}$/.test(attachment) || out === undefined)) return '--attachment needs a position (0, 1, …) and -o <out>';
  return { file: files[0]!, format, lang: lang as RenderLanguage, ...(out !== undefined ? { out } : {}), ...(attachment !== undefined ? { attachment: Number(attachment) } : {}) };
}

export const render: CliCommand = {
  name: ['render'],
  summary: 'Render a UBL Invoice, CreditNote or Invoice Response as HTML or PDF (nl, fr, en), or extract an embedded attachment',
  usage: USAGE,
  async run(args, io) {
    const parsed = parseArgs(args);
    if (typeof parsed === 'string') {
      io.err(`${parsed}\nUsage: peppol-ap ${USAGE}`);
      return EXIT_UNUSABLE;
    }
    try {
      const size = statSync(parsed.file, { throwIfNoEntry: false })?.size ?? 0;
      if (size > MAX_RENDER_BYTES) throw new ApError('input.too-large', `${parsed.file} is ${size} bytes; the renderer takes at most ${MAX_RENDER_BYTES}`);
      const xml = readInput(parsed.file);
      if (parsed.attachment !== undefined) {
        const found = extractAttachment(xml, parsed.attachment);
        if (!found) throw new ApError('api.not-found', `${parsed.file} embeds no attachment at position ${parsed.attachment}`);
        writeFileSync(parsed.out!, found.content);
        io.err(`${parsed.out}: ${found.filename ?? found.id}, ${found.mimeCode ?? 'no type'}, ${found.content.length} bytes\n`);
      } else if (parsed.format === 'pdf') {
        writeFileSync(parsed.out!, await renderPdf(xml, parsed.lang));
      } else if (parsed.out !== undefined) {
        writeFileSync(parsed.out, renderHtml(xml, parsed.lang));
      } else {
        io.out(renderHtml(xml, parsed.lang));
      }
      return EXIT_DONE;
    } catch (err) {
      if (!(err instanceof ApError) || err.kind === 'internal') throw err;
      io.err(`${parsed.file}: ${err.message}\n`);
      return EXIT_UNUSABLE;
    }
  },
};
