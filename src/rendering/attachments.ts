/**
 * The supporting documents an invoice embeds (AdditionalDocumentReference/Attachment/
 * EmbeddedDocumentBinaryObject, BG-24): offered as they are, byte for byte what the base64 says.
 */
import { ApError } from '../errors.js';
import { all, at, attr, parseUbl, text } from './dom.js';

export interface EmbeddedAttachment {
  /** Position among the document's AdditionalDocumentReference elements (0-based), as in the model. */
  index: number;
  id: string;
  filename?: string;
  mimeCode?: string;
  /** The content as the document holds it (base64, white space included). */
  base64: string;
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** The attachment types BIS 3.0 allows (BR-CL-24). */
export const ALLOWED_MIME_CODES: ReadonlySet<string> = new Set([
  'application/pdf',
  'image/png',
  'image/jpeg',
  'text/csv',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.oasis.opendocument.spreadsheet',
]);

/**
 * The media type an attachment is offered as: its mimeCode when BIS 3.0 allows it, else plain bytes, so
 * that an invoice can never make a browser open its attachment as a page (text/html, image/svg+xml).
 */
export function offeredMediaType(mimeCode: string | undefined): string {
  return mimeCode !== undefined && ALLOWED_MIME_CODES.has(mimeCode) ? mimeCode : 'application/octet-stream';
}

/** A file name for an attachment: its filename, else its id, without path or control characters. */
export function attachmentFileName(a: { index: number; id: string; filename?: string }): string {
  return (a.filename ?? a.id).replace(/[\\/:*?"<>|\x00-\x1f\x7f]/g, '_') || `attachment-${a.index}`;
}

export function embeddedAttachments(root: Element): EmbeddedAttachment[] {
  return all(root, 'cac:AdditionalDocumentReference').flatMap((d, index) => {
    const binary = at(d, 'cac:Attachment/cbc:EmbeddedDocumentBinaryObject');
    if (!binary) return [];
    return [{ index, id: text(d, 'cbc:ID') ?? '', filename: attr(binary, 'filename'), mimeCode: attr(binary, 'mimeCode'), base64: binary.textContent ?? '' }];
  });
}

/** The bytes of an attachment; null when its content is not base64 (Buffer.from would skip the odd characters and offer other bytes). */
export function attachmentBytes(a: EmbeddedAttachment): Buffer | null {
  return BASE64.test(a.base64) ? Buffer.from(a.base64, 'base64') : null;
}

export interface ExtractedAttachment {
  index: number;
  id: string;
  filename?: string;
  mimeCode?: string;
  content: Buffer;
}

/** The embedded attachment at `index` (an AdditionalDocumentReference position), or null when it has none. */
export function extractAttachment(xml: Uint8Array | string, index: number): ExtractedAttachment | null {
  const found = embeddedAttachments(parseUbl(xml)).find((a) => a.index === index);
  if (!found) return null;
  const content = attachmentBytes(found);
  if (!content) throw new ApError('rendering.unsupported-document', `Attachment ${index} (${found.id}) is not valid base64: it cannot be offered`, { index });
  return { index: found.index, id: found.id, filename: found.filename, mimeCode: found.mimeCode, content };
}
