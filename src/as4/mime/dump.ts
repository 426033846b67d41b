/** A reader for raw message dumps that carry their own HTTP or MIME headers. */
import { ApError } from '../../errors.js';
import { DEFAULT_MIME_LIMITS, type MimeLimits, type MimeMessage } from './message.js';
import { CR, LF, parseHeaderBlock, parseMimeMessage } from './parse.js';

export interface MimeDump {
  /** HTTP request or status line when the dump starts with one. */
  startLine?: string;
  /** Headers found before the body (names lower-cased); empty when the dump is a bare body. */
  headers: Record<string, string>;
  /** Set when a Transfer-Encoding: chunked header was present; tells whether the body really was chunked. */
  chunked?: 'decoded' | 'stale-header';
  message: MimeMessage;
}

const HTTP_START = /^(?:[A-Z]+ \S+ HTTP\/\d(?:\.\d)?|HTTP\/\d(?:\.\d)? \d{3}\b.*)$/;
const HEADER_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*:/;

/**
 * Parses a saved message: a bare body (SOAP XML, or MIME starting with its boundary line), or a body
 * preceded by its own MIME headers, or by an HTTP request/response head. A `Transfer-Encoding: chunked`
 * header is honoured only when the body actually decodes as chunked (dumps often keep the header after the
 * body was de-chunked).
 */
export function parseMimeDump(raw: Buffer, limits: MimeLimits = DEFAULT_MIME_LIMITS): MimeDump {
  let offset = 0;
  // Skip a UTF-8 BOM and leading blank lines.
  if (raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) offset = 3;
  while (raw[offset] === CR || raw[offset] === LF) offset++;

  const firstLf = raw.indexOf(LF, offset);
  const firstLine = raw.subarray(offset, firstLf < 0 ? raw.length : firstLf).toString('latin1').replace(/\r$/, '');
  let startLine: string | undefined;
  let headers: Record<string, string> = {};
  // A boundary line may look like a header ("--uuid:..." from Apache CXF): it is never one.
  if (HTTP_START.test(firstLine) || (HEADER_LINE.test(firstLine) && !firstLine.startsWith('--'))) {
    let headStart = offset;
    if (HTTP_START.test(firstLine)) {
      startLine = firstLine;
      headStart = firstLf + 1;
    }
    const { end, blockEnd } = findHeaderEnd(raw, headStart, limits.maxHeaderBytes);
    headers = parseHeaderBlock(raw.subarray(headStart, blockEnd).toString('latin1'), 'message head');
    offset = end;
  }

  let body = raw.subarray(offset);
  let chunked: MimeDump['chunked'];
  if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
    const decoded = decodeChunked(body);
    chunked = decoded ? 'decoded' : 'stale-header';
    if (decoded) body = decoded;
  }

  let contentType = headers['content-type'];
  if (!contentType) contentType = inferContentType(body);
  return { ...(startLine ? { startLine } : {}), headers, ...(chunked ? { chunked } : {}), message: parseMimeMessage(contentType, body, limits) };
}

function findHeaderEnd(raw: Buffer, from: number, maxHeaderBytes: number): { end: number; blockEnd: number } {
  const crlf = raw.indexOf('\n\r\n', from);
  const lflf = raw.indexOf('\n\n', from);
  let r: { end: number; blockEnd: number };
  if (crlf < 0 && lflf < 0) throw new ApError('mime.malformed', 'message head is not followed by an empty line');
  if (lflf >= 0 && (crlf < 0 || lflf < crlf)) r = { blockEnd: lflf, end: lflf + 2 };
  else r = { blockEnd: crlf, end: crlf + 3 };
  if (r.blockEnd - from > maxHeaderBytes) {
    throw new ApError('mime.limit-exceeded', `message head exceeds ${maxHeaderBytes} bytes`, {
      limit: 'maxHeaderBytes',
      max: maxHeaderBytes,
    });
  }
  return r;
}

/** Content-Type for a dump without headers: the boundary line of a MIME body, else SOAP XML. */
function inferContentType(body: Buffer): string {
  if (body[0] === 0x2d && body[1] === 0x2d) {
    const lf = body.indexOf(LF);
    const boundary = body
      .subarray(2, lf < 0 ? body.length : lf)
      .toString('latin1')
      .replace(/\r$/, '')
      .trimEnd();
    if (!boundary) throw new ApError('mime.malformed', 'the dump starts with "--" but no boundary follows');
    return `multipart/related; boundary="${boundary}"; type="application/soap+xml"`;
  }
  return 'application/soap+xml;charset=UTF-8';
}

/** Decodes an HTTP/1.1 chunked body (RFC 9112 §7.1), or returns undefined if the bytes are not chunked. */
function decodeChunked(body: Buffer): Buffer | undefined {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lf = body.indexOf(LF, pos);
    if (lf < 0) return undefined;
    const sizeLine = body.subarray(pos, lf).toString('latin1').replace(/\r$/, '');
    const m = /^([0-9A-Fa-f]{1,8})[ \t]*(?:;.*)?$/.exec(sizeLine);
    if (!m) return undefined;
    const size = parseInt(m[1]!, 16);
    pos = lf + 1;
    if (size === 0) return Buffer.concat(out); // trailers, if any, are ignored
    if (pos + size > body.length) return undefined;
    out.push(body.subarray(pos, pos + size));
    pos += size;
    if (body[pos] === CR) pos++;
    if (body[pos] !== LF) return undefined;
    pos++;
  }
}
