/**
 * Paints a view as an A4 PDF with pdfkit: no browser, fonts embedded (DejaVu Sans, which covers the
 * Latin, Greek and Cyrillic letters of European invoices, accents included). The font files are read once,
 * when this module loads; each PDF embeds only the glyphs it uses. Embedded attachments go into the PDF
 * unchanged, as embedded files (a PDF reader lists them), so the rendering carries them too.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import { attachmentBytes, attachmentFileName, type EmbeddedAttachment } from './attachments.js';
import { word } from './labels.js';
import type { Block, Cell, Column, View } from './view.js';

const require = createRequire(import.meta.url);
// Parsed once and shared: fontkit decodes a font's tables lazily and keeps them, which made up most of a
// PDF's time when every document parsed the 700 KB files again (about 150 ms against a few ms).
const font = (file: string): fontkit.Font => fontkit.create(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`))) as fontkit.Font;
const REGULAR = font('DejaVuSans.ttf');
const BOLD = font('DejaVuSans-Bold.ttf');
// fontkit reads the character map and the layout tables on first use: read them now, at start-up.
for (const f of [REGULAR, BOLD]) f.layout('Factuur Facture Rechnung Invoice ÄÖÜäöüß ÉÈÀÇéèàçêëïôœ € 0123456789,.-%');

const MARGIN = 40;
const SIZE = { title: 17, heading: 10.5, text: 8.5, sub: 7.5 } as const;
const GREY = '#555555';
const RULE = '#cccccc';
const CELL_PAD = 3;

type Doc = PDFKit.PDFDocument;

class Painter {
  y: number;
  readonly left = MARGIN;
  readonly width: number;
  readonly bottom: number;

  constructor(readonly doc: Doc) {
    this.y = MARGIN;
    this.width = doc.page.width - 2 * MARGIN;
    this.bottom = doc.page.height - MARGIN - 14; // room for the footer
  }

  /** Starts a new page when `height` does not fit on this one; true when it did. */
  ensure(height: number): boolean {
    if (this.y + height <= this.bottom) return false;
    this.doc.addPage();
    this.y = MARGIN;
    return true;
  }

  height(text: string, width: number, size: number, bold = false): number {
    if (text === '') return 0;
    return this.doc.font(bold ? 'bold' : 'regular').fontSize(size).heightOfString(text, { width });
  }

  write(text: string, x: number, width: number, size: number, options: { bold?: boolean; color?: string; align?: 'left' | 'right' } = {}): number {
    if (text === '') return 0;
    const h = this.height(text, width, size, options.bold);
    this.doc.fillColor(options.color ?? '#1a1a1a').text(text, x, this.y, { width, align: options.align ?? 'left', lineGap: 0 });
    return h;
  }

  heading(text: string): void {
    this.ensure(40);
    this.y += 10;
    this.y += this.write(text, this.left, this.width, SIZE.heading, { bold: true });
    this.doc.moveTo(this.left, this.y + 1).lineTo(this.left + this.width, this.y + 1).lineWidth(0.5).strokeColor(RULE).stroke();
    this.y += 5;
  }
}

const factText = (f: { label: string; value: string }): string => (f.label ? `${f.label}: ${f.value}` : f.value);

function parties(p: Painter, b: Extract<Block, { kind: 'parties' }>): void {
  const gap = 16;
  for (let i = 0; i < b.parties.length; i += 2) {
    const pair = b.parties.slice(i, i + 2);
    const colWidth = (p.width - gap) / 2;
    const heights = pair.map(
      (party) =>
        22 + p.height(party.name, colWidth, SIZE.text + 1, true) + party.facts.reduce((h, f) => h + p.height(factText(f), colWidth, SIZE.text), 0),
    );
    p.ensure(Math.max(...heights) + 10);
    const top = p.y;
    let end = top;
    pair.forEach((party, k) => {
      const x = p.left + k * (colWidth + gap);
      p.y = top + 10;
      p.y += p.write(party.heading, x, colWidth, SIZE.heading, { bold: true });
      p.y += 3;
      p.y += p.write(party.name, x, colWidth, SIZE.text + 1, { bold: true });
      for (const f of party.facts) p.y += p.write(factText(f), x, colWidth, SIZE.text);
      end = Math.max(end, p.y);
    });
    p.y = end;
  }
}

function facts(p: Painter, b: Extract<Block, { kind: 'facts' }>): void {
  if (!b.facts.length) return;
  p.heading(b.heading);
  const labelWidth = 150;
  const valueWidth = p.width - labelWidth - 8;
  for (const f of b.facts) {
    const h = Math.max(p.height(f.label, labelWidth, SIZE.text), p.height(f.value, valueWidth, SIZE.text));
    p.ensure(h + 2);
    p.write(f.label, p.left, labelWidth, SIZE.text, { color: GREY });
    p.write(f.value, p.left + labelWidth + 8, valueWidth, SIZE.text);
    p.y += h + 2;
  }
}

function cellHeight(p: Painter, c: Cell, width: number): number {
  return p.height(c.main, width, SIZE.text) + (c.sub ?? []).reduce((h, s) => h + p.height(s, width, SIZE.sub), 0);
}

function tableHeader(p: Painter, columns: Column[], widths: number[]): void {
  const h = Math.max(...columns.map((c, i) => p.height(c.label, widths[i]! - 2 * CELL_PAD, SIZE.text, true))) + 2 * CELL_PAD;
  p.doc.rect(p.left, p.y, p.width, h).fill('#eeeeee');
  let x = p.left;
  columns.forEach((c, i) => {
    const y = p.y;
    p.y += CELL_PAD;
    p.write(c.label, x + CELL_PAD, widths[i]! - 2 * CELL_PAD, SIZE.text, { bold: true, align: c.align });
    p.y = y;
    x += widths[i]!;
  });
  p.y += h;
}

function table(p: Painter, b: Extract<Block, { kind: 'table' }>): void {
  p.heading(b.heading);
  const widths = b.columns.map((c) => c.width * p.width);
  tableHeader(p, b.columns, widths);
  for (const row of b.rows) {
    const h = Math.max(...row.map((c, i) => cellHeight(p, c, widths[i]! - 2 * CELL_PAD))) + 2 * CELL_PAD;
    if (p.ensure(h)) tableHeader(p, b.columns, widths);
    const top = p.y;
    let x = p.left;
    row.forEach((c, i) => {
      const w = widths[i]! - 2 * CELL_PAD;
      const align = b.columns[i]?.align ?? 'left';
      p.y = top + CELL_PAD;
      p.y += p.write(c.main, x + CELL_PAD, w, SIZE.text, { align });
      for (const s of c.sub ?? []) p.y += p.write(s, x + CELL_PAD, w, SIZE.sub, { color: GREY, align });
      x += widths[i]!;
    });
    p.y = top + h;
    p.doc.moveTo(p.left, p.y).lineTo(p.left + p.width, p.y).lineWidth(0.3).strokeColor(RULE).stroke();
  }
}

function totals(p: Painter, b: Extract<Block, { kind: 'totals' }>): void {
  const boxWidth = 300;
  const x = p.left + p.width - boxWidth;
  const heights = b.rows.map((r) => p.height(r.value, boxWidth - 175, SIZE.text + (r.strong ? 1.5 : 0), r.strong) + 4);
  // The totals stay on one page, with their heading.
  p.ensure(heights.reduce((a, h) => a + h, 0) + 40);
  p.heading(b.heading);
  for (const [k, r] of b.rows.entries()) {
    const h = heights[k]!;
    if (r.strong) p.doc.moveTo(x, p.y).lineTo(x + boxWidth, p.y).lineWidth(1).strokeColor('#333333').stroke();
    p.y += 2;
    p.write(r.label, x, 175, SIZE.text + (r.strong ? 1.5 : 0), { bold: r.strong });
    p.write(r.value, x + 175, boxWidth - 175, SIZE.text + (r.strong ? 1.5 : 0), { bold: r.strong, align: 'right' });
    p.y += h - 2;
  }
}

function paragraphs(p: Painter, b: Extract<Block, { kind: 'paragraphs' }>): void {
  p.heading(b.heading);
  for (const text of b.paragraphs) {
    p.ensure(Math.min(p.height(text, p.width, SIZE.text), 200) + 4);
    p.y += p.write(text, p.left, p.width, SIZE.text) + 4;
  }
}

function attachments(p: Painter, b: Extract<Block, { kind: 'attachments' }>, view: View): void {
  p.heading(b.heading);
  for (const i of b.items) {
    const h = p.height(i.name, p.width, SIZE.text, true) + p.height(i.detail, p.width, SIZE.sub) + 3;
    p.ensure(h);
    p.y += p.write(i.name, p.left, p.width, SIZE.text, { bold: true });
    p.y += p.write(i.detail, p.left, p.width, SIZE.sub, { color: GREY }) + 3;
  }
  if (b.items.some((i) => i.embedded)) p.y += p.write(word('attachmentsInPdf', view.lang), p.left, p.width, SIZE.sub, { color: GREY });
}

function embed(doc: Doc, files: EmbeddedAttachment[]): void {
  const names = new Set<string>();
  for (const a of files) {
    // One that is not base64 is listed but not carried: the rendering still shows the invoice.
    const bytes = attachmentBytes(a);
    if (!bytes) continue;
    let name = attachmentFileName(a);
    // Names of a PDF's embedded files are keys of a name tree: keep them distinct.
    while (names.has(name)) name = `${a.index}-${name}`;
    names.add(name);
    doc.file(bytes, { name, ...(a.mimeCode ? { type: a.mimeCode } : {}), description: a.id });
  }
}

function footer(doc: Doc, view: View): void {
  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    // Text below the bottom margin would make pdfkit open a page: lift the margin for the footer line.
    doc.page.margins.bottom = 0;
    const text = `${view.title} ${view.number} · ${word('page', view.lang)} ${i + 1} ${word('of', view.lang)} ${range.count}`;
    doc.font('regular').fontSize(SIZE.sub).fillColor(GREY).text(text, MARGIN, doc.page.height - MARGIN, { width: doc.page.width - 2 * MARGIN, align: 'right', lineBreak: false });
  }
}

export function paintPdf(view: View, files: EmbeddedAttachment[]): Promise<Uint8Array> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    // No default font: pdfkit would open Helvetica for every document, never used (and opening ours as the
    // default costs a comparison of its name tables with the registered copy, about 5 ms a document).
    font: '',
    bufferPages: true,
    autoFirstPage: true,
    info: { Title: `${view.title} ${view.number}`, Subject: view.notice, Creator: 'peppol-ap' },
    lang: view.lang,
    displayTitle: true,
  } as PDFKit.PDFDocumentOptions);
  // pdfkit takes a parsed fontkit font where its types say a file or buffer (PDFFontFactory.open).
  doc.registerFont('regular', REGULAR as unknown as Buffer);
  doc.registerFont('bold', BOLD as unknown as Buffer);
  const chunks: Buffer[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
  });
  const p = new Painter(doc);
  doc.rect(p.left, p.y, p.width, 26).fillAndStroke('#fff6d6', '#e0c860');
  p.y += 5;
  p.write(view.notice, p.left + 6, p.width - 12, SIZE.sub);
  p.y += 30;
  p.y += p.write(`${view.title}  ${view.number}`, p.left, p.width, SIZE.title, { bold: true });
  for (const b of view.blocks) {
    if (b.kind === 'parties') parties(p, b);
    else if (b.kind === 'facts') facts(p, b);
    else if (b.kind === 'table') table(p, b);
    else if (b.kind === 'totals') totals(p, b);
    else if (b.kind === 'paragraphs') paragraphs(p, b);
    else attachments(p, b, view);
  }
  embed(doc, files);
  footer(doc, view);
  doc.end();
  return done;
}
