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

export function embeddedAttachments(root: Element): EmbeddedAttachment[] {
  return all(root, 'cac:AdditionalDocumentReference').flatMap((d, index) => {
    const binary = at(d, 'cac:Attachment/cbc:EmbeddedDocumentBinaryObject');
    if (!binary) return [];
    return [{ index, id: text(d, 'cbc:ID') ?? '', filename: attr(binary, 'filename'), mimeCode: attr(binary, 'mimeCode'), base64: binary.textContent ?? '' }];
  });
}

export function decodeAttachment(a: EmbeddedAttachment): Buffer {
  // Buffer.from skips characters outside the alphabet: refuse them instead of offering other bytes.
  if (!BASE64.test(a.base64)) throw new ApError('rendering.unsupported-document', `Attachment ${a.index} (${a.id}) is not valid base64`, { index: a.index });
  return Buffer.from(a.base64, 'base64');
}

export interface ExtractedAttachment {
  id: string;
  filename?: string;
  mimeCode?: string;
  content: Buffer;
}

/** The embedded attachment at `index` (an AdditionalDocumentReference position), or null when it has none. */
export function extractAttachment(xml: Uint8Array | string, index: number): ExtractedAttachment | null {
  const found = embeddedAttachments(parseUbl(xml)).find((a) => a.index === index);
  if (!found) return null;
  return { id: found.id, filename: found.filename, mimeCode: found.mimeCode, content: decodeAttachment(found) };
}
