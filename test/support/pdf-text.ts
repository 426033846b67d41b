/**
 * Reads a PDF back with Mozilla's PDF.js (pdfjs-dist), an implementation independent of the one that
 * wrote it: the text of every page, and the embedded files.
 */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

export interface PdfContent {
  pages: number;
  /** The text of all pages, white space (no-break spaces included) folded to one space. */
  text: string;
  attachments: { filename: string; content: Uint8Array }[];
}

export const foldSpace = (s: string): string => s.replace(/[\s\u00a0\u202f]+/g, ' ').trim();

export async function readPdf(bytes: Uint8Array): Promise<PdfContent> {
  const doc = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, disableFontFace: true, isEvalSupported: false, verbosity: 0 }).promise;
  try {
    const parts: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const content = await (await doc.getPage(i)).getTextContent();
      for (const item of content.items) if ('str' in item) parts.push(item.str, item.hasEOL ? '\n' : '');
      parts.push('\n');
    }
    const files = ((await doc.getAttachments()) ?? {}) as Record<string, { filename: string; content: Uint8Array }>;
    return { pages: doc.numPages, text: foldSpace(parts.join('')), attachments: Object.values(files).map((f) => ({ filename: f.filename, content: f.content })) };
  } finally {
    await doc.destroy();
  }
}
