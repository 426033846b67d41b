/**
 * Human-readable renderings of Peppol documents: a UBL Invoice or CreditNote (BIS Billing 3.0) or an
 * Invoice Response (BIS 63), as a self-contained HTML page or a PDF, in Dutch, French or English. A
 * rendering is marked as such: the XML stays the original. A document it cannot render is refused with
 * ApError('rendering.unsupported-document'); XML that is not well-formed, or carries a DOCTYPE, with the
 * errors of the hardened parse (src/xml).
 */
import { embeddedAttachments } from './attachments.js';
import { parseUbl } from './dom.js';
import type { RenderLanguage } from './format.js';
import { paintHtml } from './html.js';
import { paintPdf } from './pdf.js';
import { readRenderable } from './read.js';
import { viewOf } from './view.js';

export type { RenderLanguage } from './format.js';
export { RENDER_LANGUAGES } from './format.js';
export { ALLOWED_MIME_CODES, attachmentFileName, extractAttachment, offeredMediaType, type ExtractedAttachment } from './attachments.js';
export type { AttachmentRef, RenderableDocument } from './model.js';
export { MAX_RENDER_LINES, readDocument } from './read.js';
export { MAX_RENDER_BYTES } from './dom.js';

export function renderHtml(xml: Uint8Array | string, lang: RenderLanguage): string {
  const root = parseUbl(xml);
  return paintHtml(viewOf(readRenderable(root), lang), embeddedAttachments(root));
}

export async function renderPdf(xml: Uint8Array | string, lang: RenderLanguage): Promise<Uint8Array> {
  const root = parseUbl(xml);
  return paintPdf(viewOf(readRenderable(root), lang), embeddedAttachments(root));
}
