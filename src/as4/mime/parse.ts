/**
 * A streaming multipart parser with hard limits, and message reading on it. The parser is incremental: it scans each chunk with Buffer.indexOf for the delimiter and moves body bytes
 * out as soon as they cannot belong to a delimiter, so apart from the part bodies themselves (bounded by
 * maxTotalBytes) it holds at most one header block or one delimiter's worth of bytes.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApError } from '../../errors.js';
import {
  type ByteSource,
  DEFAULT_MIME_LIMITS,
  type MimeLimits,
  type MimeMessage,
  type MimePart,
  parseHeaderValue,
  type SpooledBody,
  type SpoolOptions,
  stripAngleBrackets,
} from './message.js';

/**
 * Parses a header block (lines separated by CRLF or LF, folded lines unfolded) into lower-cased names.
 * Lines without a colon are a malformed header.
 */
export function parseHeaderBlock(text: string, where: string): Record<string, string> {
  const headers: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      headers[last] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ApError('mime.malformed', `${where}: header line without a name: "${line.slice(0, 80)}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    last = name;
  }
  return headers;
}

function decodeBody(raw: Buffer, headers: Record<string, string>, where: string): Buffer {
  const cte = (headers['content-transfer-encoding'] ?? 'binary').trim().toLowerCase();
  switch (cte) {
    case 'binary':
    case '8bit':
    case '7bit':
      return raw;
    case 'base64':
      // Buffer's decoder skips line breaks and other whitespace; reject anything else outright.
      if (/[^A-Za-z0-9+/=\s]/.test(raw.toString('latin1'))) {
        throw new ApError('mime.malformed', `${where}: body is not valid base64`);
      }
      return Buffer.from(raw.toString('latin1'), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(raw);
    default:
      throw new ApError('mime.malformed', `${where}: unsupported Content-Transfer-Encoding "${cte}"`);
  }
}

function decodeQuotedPrintable(raw: Buffer): Buffer {
  const s = raw.toString('latin1').replace(/=\r?\n/g, '');
  const out = Buffer.alloc(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out[n++] = parseInt(s.slice(i + 1, i + 3), 16);
      i += 2;
    } else {
      out[n++] = s.charCodeAt(i);
    }
  }
  return out.subarray(0, n);
}

const BINARY_CTE = new Set(['binary', '8bit', '7bit']);

function makePart(headers: Record<string, string>, raw: Buffer, index: number, spooled?: SpooledBody): MimePart {
  const where = `MIME part ${index + 1}`;
  const contentType = headers['content-type'] ?? 'text/plain';
  const part: MimePart = {
    headers,
    contentType,
    mediaType: parseHeaderValue(contentType).value,
    body: spooled ? EMPTY : decodeBody(raw, headers, where),
  };
  if (spooled) part.spooled = spooled;
  const cid = headers['content-id'];
  if (cid !== undefined) part.contentId = stripAngleBrackets(cid);
  return part;
}

// --- incremental multipart parser --------------------------------------------------------------------------

export const LF = 0x0a;
export const CR = 0x0d;
const DASH = 0x2d;
const EMPTY = Buffer.alloc(0);
/** Transport padding (RFC 2046 LWSP after a boundary) longer than this is not taken for a delimiter. */
const MAX_PADDING = 256;

type State = 'preamble' | 'headers' | 'body' | 'epilogue';

/** What follows "--boundary": the close delimiter, a delimiter line ending at `next`, no delimiter, or too few bytes yet. */
type After = { kind: 'close' } | { kind: 'open'; next: number } | { kind: 'none' } | { kind: 'more' };

/**
 * Push parser: write() chunks as they arrive, end() when the source is exhausted. Throws ApError on the
 * first violation, so a caller reading a socket stops reading at that point.
 */
export class MultipartParser {
  private readonly dashBoundary: Buffer; // "--" + boundary
  private readonly lineDelimiter: Buffer; // "\n--" + boundary
  private buf: Buffer = EMPTY;
  private state: State = 'preamble';
  private total = 0;
  private headers: Record<string, string> = {};
  private bodyChunks: Buffer[] = [];
  private readonly parts: MimePart[] = [];
  /** The body buffer still starts with the LF that ended the header block (see scanHeaders). */
  private bodyStartsAfterLf = false;
  /** Bytes of the current part's body so far. */
  private bodyBytes = 0;
  /** The current part may go to a file (binary, not SOAP), and its file once it does. */
  private spoolable = false;
  private spool: { fd: number; path: string } | null = null;
  /** Every file written, so that discard() can remove them. */
  private readonly spooledPaths: string[] = [];

  constructor(
    boundary: string,
    private readonly limits: MimeLimits = DEFAULT_MIME_LIMITS,
    private readonly spoolOptions?: SpoolOptions,
  ) {
    if (!boundary || boundary.length > 200) {
      throw new ApError('mime.malformed', `invalid multipart boundary "${boundary.slice(0, 80)}" (1 to 200 characters)`);
    }
    this.dashBoundary = Buffer.from('--' + boundary, 'latin1');
    this.lineDelimiter = Buffer.from('\n--' + boundary, 'latin1');
  }

  write(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.total > this.limits.maxTotalBytes) {
      throw new ApError(
        'mime.limit-exceeded',
        `MIME body exceeds the limit of ${this.limits.maxTotalBytes} bytes`,
        { limit: 'maxTotalBytes', max: this.limits.maxTotalBytes },
      );
    }
    if (this.state === 'epilogue') return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.state === 'preamble' ? this.scanPreamble() : this.state === 'headers' ? this.scanHeaders() : this.state === 'body' ? this.scanBody() : false);
  }

  /** Finishes parsing; returns the parts in order. */
  end(): MimePart[] {
    switch (this.state) {
      case 'epilogue':
        return this.parts;
      case 'preamble':
        throw new ApError('mime.malformed', `no MIME boundary "${this.dashBoundary.toString('latin1')}" found in the body`);
      case 'body':
        throw new ApError(
          'mime.malformed',
          `truncated MIME body: part ${this.parts.length + 1} has no closing boundary "${this.dashBoundary.toString('latin1')}--"`,
        );
      default:
        throw new ApError('mime.malformed', `truncated MIME body: it ends inside the headers of part ${this.parts.length + 1}`);
    }
  }

  /** Classifies the bytes at `pos`, just after a "--boundary" (RFC 2046: "--" or LWSP* then a line end). */
  private after(pos: number): After {
    const buf = this.buf;
    if (pos >= buf.length) return { kind: 'more' };
    if (buf[pos] === DASH) {
      if (pos + 1 >= buf.length) return { kind: 'more' };
      return buf[pos + 1] === DASH ? { kind: 'close' } : { kind: 'none' };
    }
    let j = pos;
    while (j < buf.length && (buf[j] === 0x20 || buf[j] === 0x09)) {
      if (++j - pos > MAX_PADDING) return { kind: 'none' };
    }
    if (j >= buf.length) return { kind: 'more' };
    if (buf[j] === LF) return { kind: 'open', next: j + 1 };
    if (buf[j] !== CR) return { kind: 'none' };
    if (j + 1 >= buf.length) return { kind: 'more' };
    return buf[j + 1] === LF ? { kind: 'open', next: j + 2 } : { kind: 'none' };
  }

  /**
   * The next "\n--boundary" at or after `from` that is a delimiter (or may be one once more bytes
   * arrive); text that merely starts like the boundary is skipped as content.
   */
  private findDelimiter(from: number): { at: number; after: After } | null {
    let i = from;
    for (;;) {
      const at = this.buf.indexOf(this.lineDelimiter, i);
      if (at < 0) return null;
      const after = this.after(at + this.lineDelimiter.length);
      if (after.kind !== 'none') return { at, after };
      i = at + 1;
    }
  }

  /** Applies a delimiter; returns whether parsing can go on with the bytes left. */
  private delimiter(after: After): boolean {
    if (after.kind === 'close') {
      this.state = 'epilogue';
      this.buf = EMPTY;
      return false;
    }
    if (after.kind !== 'open') return false;
    if (this.parts.length >= this.limits.maxParts) {
      throw new ApError('mime.limit-exceeded', `MIME message has more than ${this.limits.maxParts} parts`, {
        limit: 'maxParts',
        max: this.limits.maxParts,
      });
    }
    this.buf = this.buf.subarray(after.next);
    this.state = 'headers';
    return true;
  }

  private scanPreamble(): boolean {
    const buf = this.buf;
    if (buf.length < this.dashBoundary.length) return false;
    if (buf.subarray(0, this.dashBoundary.length).equals(this.dashBoundary)) {
      const after = this.after(this.dashBoundary.length);
      if (after.kind === 'more') return false;
      if (after.kind !== 'none') return this.delimiter(after);
    }
    const found = this.findDelimiter(0);
    if (!found) {
      // Keep only what could still be the start of a delimiter.
      this.buf = buf.subarray(Math.max(0, buf.length - this.lineDelimiter.length));
      return false;
    }
    if (found.after.kind === 'more') {
      this.buf = buf.subarray(found.at);
      return false;
    }
    return this.delimiter(found.after);
  }

  private scanHeaders(): boolean {
    const buf = this.buf;
    let end: number; // index of the first body byte
    let blockEnd: number; // end of the header text
    if (buf.length >= 1 && buf[0] === LF) {
      blockEnd = 0;
      end = 1;
    } else if (buf.length >= 2 && buf[0] === CR && buf[1] === LF) {
      blockEnd = 0;
      end = 2;
    } else {
      const crlf = buf.indexOf('\n\r\n');
      const lflf = buf.indexOf('\n\n');
      if (crlf < 0 && lflf < 0) {
        if (buf.length > this.limits.maxHeaderBytes) this.headerTooLarge();
        return false;
      }
      if (lflf >= 0 && (crlf < 0 || lflf < crlf)) {
        blockEnd = lflf;
        end = lflf + 2;
      } else {
        blockEnd = crlf;
        end = crlf + 3;
      }
    }
    if (blockEnd > this.limits.maxHeaderBytes) this.headerTooLarge();
    this.headers = parseHeaderBlock(buf.subarray(0, blockEnd).toString('latin1'), `MIME part ${this.parts.length + 1}`);
    this.bodyChunks = [];
    this.bodyBytes = 0;
    const cte = (this.headers['content-transfer-encoding'] ?? 'binary').trim().toLowerCase();
    const mediaType = parseHeaderValue(this.headers['content-type'] ?? 'text/plain').value;
    this.spoolable = this.spoolOptions !== undefined && BINARY_CTE.has(cte) && mediaType !== 'application/soap+xml';
    // The delimiter search looks for "\n--boundary"; a part whose body is empty has its delimiter right
    // here, so leave the header block's final LF in front of the body.
    this.buf = buf.subarray(end - 1);
    this.bodyStartsAfterLf = true;
    this.state = 'body';
    return true;
  }

  private headerTooLarge(): never {
    throw new ApError(
      'mime.limit-exceeded',
      `headers of MIME part ${this.parts.length + 1} exceed ${this.limits.maxHeaderBytes} bytes`,
      { limit: 'maxHeaderBytes', max: this.limits.maxHeaderBytes },
    );
  }

  private scanBody(): boolean {
    const buf = this.buf;
    const found = this.findDelimiter(0);
    if (!found || found.after.kind === 'more') {
      // Move out everything that cannot belong to a delimiter (keep one extra byte for a CR before LF).
      const cut = found ? found.at - 1 : buf.length - this.lineDelimiter.length - 1;
      if (cut > 0) {
        this.pushBody(buf.subarray(0, cut));
        this.buf = buf.subarray(cut);
      }
      return false;
    }
    let bodyEnd = found.at;
    if (bodyEnd > 0 && buf[bodyEnd - 1] === CR) bodyEnd--;
    this.pushBody(buf.subarray(0, bodyEnd));
    let spooled: SpooledBody | undefined;
    if (this.spool) {
      closeSync(this.spool.fd);
      spooled = { path: this.spool.path, bytes: this.bodyBytes };
      this.spool = null;
    }
    const raw = spooled ? EMPTY : this.bodyChunks.length === 1 ? this.bodyChunks[0]! : Buffer.concat(this.bodyChunks);
    this.bodyChunks = [];
    this.parts.push(makePart(this.headers, raw, this.parts.length, spooled));
    return this.delimiter(found.after);
  }

  /** Closes and removes every spool file this parser wrote (after a failure; see also releaseSpool). */
  discard(): void {
    if (this.spool) closeSync(this.spool.fd);
    this.spool = null;
    for (const path of this.spooledPaths.splice(0)) rmSync(path, { force: true });
  }

  private pushBody(bytes: Buffer): void {
    if (this.bodyStartsAfterLf) {
      // Drop the LF kept in front of the body by scanHeaders.
      bytes = bytes.subarray(1);
      this.bodyStartsAfterLf = false;
    }
    if (!bytes.length) return;
    this.bodyBytes += bytes.length;
    if (this.spool) {
      writeSync(this.spool.fd, bytes);
      return;
    }
    this.bodyChunks.push(bytes);
    if (this.spoolable && this.bodyBytes > this.spoolOptions!.thresholdBytes) this.startSpool();
  }

  /** Moves the current part's body to a new file; its further bytes are appended there as they arrive. */
  private startSpool(): void {
    const path = join(this.spoolOptions!.dir, `as4-part-${randomUUID()}`);
    const fd = openSync(path, 'wx', 0o600);
    this.spooledPaths.push(path);
    this.spool = { fd, path };
    // Chunks are subarrays of network buffers: write them out so that nothing keeps those alive.
    for (const c of this.bodyChunks) writeSync(fd, c);
    this.bodyChunks = [];
  }
}

/** Removes the files of a message's spooled parts (once its exchange is over, whatever its outcome). */
export async function releaseSpool(message: MimeMessage): Promise<void> {
  await Promise.all(message.parts.map((p) => (p.spooled ? rm(p.spooled.path, { force: true }) : undefined)));
}

// --- message-level parsing ---------------------------------------------------------------------------------

function toBuffer(chunk: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function assemble(contentType: string, mediaType: string, params: Record<string, string>, parts: MimePart[]): MimeMessage {
  if (parts.length === 0) throw new ApError('mime.malformed', 'MIME message has no parts');
  let root = parts[0]!;
  if (params['start']) {
    const start = stripAngleBrackets(params['start']);
    const found = parts.find((p) => p.contentId === start);
    if (!found) {
      throw new ApError('mime.malformed', `the start part <${start}> named in the Content-Type is not among the MIME parts`);
    }
    root = found;
  }
  return { contentType, mediaType, params, parts, root, attachments: parts.filter((p) => p !== root) };
}

function multipartBoundary(contentType: string): { mediaType: string; params: Record<string, string>; boundary?: string } {
  const { value: mediaType, params } = parseHeaderValue(contentType);
  if (!mediaType.startsWith('multipart/')) return { mediaType, params };
  const boundary = params['boundary'];
  if (!boundary) throw new ApError('mime.malformed', `Content-Type "${contentType}" has no boundary parameter`);
  return { mediaType, params, boundary };
}

function singlePart(contentType: string, mediaType: string, params: Record<string, string>, body: Buffer): MimeMessage {
  const part: MimePart = { headers: { 'content-type': contentType }, contentType, mediaType, body };
  return { contentType, mediaType, params, parts: [part], root: part, attachments: [] };
}

/**
 * Reads a message body from a stream (an HTTP request, a file stream...) under the given limits. A
 * multipart Content-Type is parsed into its parts; any other type yields one part holding the body.
 */
export async function readMimeMessage(
  contentType: string,
  source: ByteSource,
  limits: MimeLimits = DEFAULT_MIME_LIMITS,
  spool?: SpoolOptions,
): Promise<MimeMessage> {
  const { mediaType, params, boundary } = multipartBoundary(contentType);
  if (boundary === undefined) {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const c of source) {
      const b = toBuffer(c);
      total += b.length;
      if (total > limits.maxTotalBytes) {
        throw new ApError('mime.limit-exceeded', `body exceeds the limit of ${limits.maxTotalBytes} bytes`, {
          limit: 'maxTotalBytes',
          max: limits.maxTotalBytes,
        });
      }
      chunks.push(b);
    }
    return singlePart(contentType, mediaType, params, Buffer.concat(chunks));
  }
  const parser = new MultipartParser(boundary, limits, spool);
  try {
    for await (const c of source) parser.write(toBuffer(c));
    return assemble(contentType, mediaType, params, parser.end());
  } catch (err) {
    parser.discard();
    throw err;
  }
}

/** Same as readMimeMessage for a body already in memory. */
export function parseMimeMessage(contentType: string, body: Buffer, limits: MimeLimits = DEFAULT_MIME_LIMITS): MimeMessage {
  const { mediaType, params, boundary } = multipartBoundary(contentType);
  if (body.length > limits.maxTotalBytes) {
    throw new ApError('mime.limit-exceeded', `body exceeds the limit of ${limits.maxTotalBytes} bytes`, {
      limit: 'maxTotalBytes',
      max: limits.maxTotalBytes,
    });
  }
  if (boundary === undefined) return singlePart(contentType, mediaType, params, body);
  const parser = new MultipartParser(boundary, limits);
  parser.write(body);
  return assemble(contentType, mediaType, params, parser.end());
}
