/**
 * The validation copy of a large UBL document, built while the document streams past: the base64 text of
 * every `EmbeddedDocumentBinaryObject` is replaced by a short placeholder, everything else is copied byte
 * for byte. The attachments are what makes a document large; the rules read their attributes (mimeCode,
 * filename), never their bytes, so the copy validates as the document does. The text replaced is checked
 * to be base64 (letters, digits, + / =, white space, and the character references of CR and LF that some
 * writers use): a content that is not gets a placeholder the schema refuses, so the copy fails as the
 * document would.
 *
 * Works on the bytes as latin1 text: every byte is one character, the markup searched for is ASCII, and
 * the copy is the same bytes. Memory: the copy (bounded by maxBytes) and a few hundred bytes of carry.
 */
import { ApError } from '../errors.js';

const START = /<([\w.-]+:)?EmbeddedDocumentBinaryObject(?=[\s/>])[^>]*>/g;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;
const LINE_BREAK_REFERENCE = /&#(?:13|10|x[dD]|x[aA]);/g;
/** What the content becomes: valid base64, and what it becomes when it was not (refused by xs:base64Binary). */
export const PLACEHOLDER = 'AAAA';
const NOT_BASE64 = '#not-base64#';
/** Past this, a start tag still unfinished at a chunk's end is copied as text: it is no binary object's. */
const MAX_CARRY = 64 * 1024;

export class EmbeddedBinaryReducer {
  private readonly out: Buffer[] = [];
  private size = 0;
  private carry = '';
  /** Inside a binary object: the end tag that closes it, and whether its content was base64 so far. */
  private closing: string | null = null;
  private valid = true;
  /** Bytes of base64 text left out. */
  removed = 0;

  constructor(private readonly maxBytes: number) {}

  write(chunk: Buffer): void {
    let text = this.carry + chunk.toString('latin1');
    this.carry = '';
    for (;;) {
      if (this.closing !== null) {
        const end = text.indexOf(this.closing);
        if (end < 0) {
          // Keep what could be the start of the end tag or of a character reference.
          let cut = Math.max(0, text.length - this.closing.length);
          const amp = text.lastIndexOf('&');
          if (amp >= 0 && amp >= text.length - 6) cut = Math.min(cut, amp);
          this.skip(text.slice(0, cut));
          this.carry = text.slice(cut);
          return;
        }
        this.skip(text.slice(0, end));
        this.emit(this.valid ? PLACEHOLDER : NOT_BASE64);
        this.closing = null;
        text = text.slice(end);
        continue;
      }
      START.lastIndex = 0;
      const m = START.exec(text);
      if (!m) {
        const lt = text.lastIndexOf('<');
        const keep = lt >= 0 && text.indexOf('>', lt) < 0 && text.length - lt <= MAX_CARRY ? lt : text.length;
        this.emit(text.slice(0, keep));
        this.carry = text.slice(keep);
        return;
      }
      const tagEnd = m.index + m[0].length;
      this.emit(text.slice(0, tagEnd));
      text = text.slice(tagEnd);
      if (!m[0].endsWith('/>')) {
        this.closing = `</${m[1] ?? ''}EmbeddedDocumentBinaryObject`;
        this.valid = true;
      }
    }
  }

  /** The copy; the document ended inside a binary object only if it was not well-formed, which the copy then shows. */
  end(): Buffer {
    this.emit(this.carry);
    this.carry = '';
    return Buffer.concat(this.out);
  }

  private skip(content: string): void {
    this.removed += content.length;
    if (this.valid && !BASE64.test(content.replace(LINE_BREAK_REFERENCE, ''))) this.valid = false;
  }

  private emit(text: string): void {
    if (!text) return;
    this.size += text.length;
    if (this.size > this.maxBytes) {
      throw new ApError('input.too-large', `The document without its embedded attachments is more than ${this.maxBytes} bytes`, { limit: this.maxBytes });
    }
    this.out.push(Buffer.from(text, 'latin1'));
  }
}
