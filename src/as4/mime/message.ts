/**
 * MIME for SOAP 1.2 with attachments (multipart/related, RFC 2046/2387): the message as read, the limits
 * its reading is held to, and the header values and Content-ID references of its parts.
 */

export interface MimePart {
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The Content-Type header value as sent; `text/plain` when absent (RFC 2045 default). */
  contentType: string;
  /** Lower-cased media type without parameters, e.g. `application/soap+xml`. */
  mediaType: string;
  /** Content-ID without angle brackets, when present. */
  contentId?: string;
  /** Body after undoing the Content-Transfer-Encoding; empty when the body was spooled to a file. */
  body: Buffer;
  /** The body on disk instead (a binary part past the spool threshold): its file, removed by releaseSpool. */
  spooled?: SpooledBody;
}

export interface SpooledBody {
  path: string;
  bytes: number;
}

/**
 * Binary parts longer than `thresholdBytes` go to a file in `dir` while they are read, so a large
 * attachment costs disk, not memory. SOAP parts (application/soap+xml) always stay in memory: the
 * envelope is small and its own limit applies.
 */
export interface SpoolOptions {
  thresholdBytes: number;
  dir: string;
}

export interface MimeMessage {
  /** The message's Content-Type header value. */
  contentType: string;
  /** Lower-cased media type, e.g. `multipart/related` or `application/soap+xml`. */
  mediaType: string;
  /** Content-Type parameters, names lower-cased, values unquoted. */
  params: Record<string, string>;
  /** All parts in order; a non-multipart body is one part. */
  parts: MimePart[];
  /** The part named by the `start` parameter, else the first part. */
  root: MimePart;
  /** Every part except the root, in order. */
  attachments: MimePart[];
}

export interface MimeLimits {
  /** Bytes of body read in total (preamble, headers, bodies, epilogue). */
  maxTotalBytes: number;
  maxParts: number;
  /** Bytes of one part's header block. */
  maxHeaderBytes: number;
}

export const DEFAULT_MIME_LIMITS: Readonly<MimeLimits> = Object.freeze({
  maxTotalBytes: 100 * 1024 * 1024,
  maxParts: 16,
  maxHeaderBytes: 16 * 1024,
});

export type ByteSource = AsyncIterable<Buffer | Uint8Array | string>;
// --- header values ----------------------------------------------------------------------------------------

export interface ParsedHeaderValue {
  /** The value before the first `;`, trimmed and lower-cased. */
  value: string;
  /** Parameters with lower-cased names; quoted values unquoted and unescaped. */
  params: Record<string, string>;
}

/** Parses `type/subtype; name=value; name="quoted; value"` in any order and any case. */
export function parseHeaderValue(header: string): ParsedHeaderValue {
  const params: Record<string, string> = {};
  let i = header.indexOf(';');
  const value = (i < 0 ? header : header.slice(0, i)).trim().toLowerCase();
  while (i >= 0 && i < header.length) {
    i++; // past ';'
    const eq = header.indexOf('=', i);
    if (eq < 0) break;
    const name = header.slice(i, eq).trim().toLowerCase();
    let j = eq + 1;
    while (header[j] === ' ' || header[j] === '\t') j++;
    let val: string;
    if (header[j] === '"') {
      val = '';
      j++;
      while (j < header.length && header[j] !== '"') {
        if (header[j] === '\\' && j + 1 < header.length) j++;
        val += header[j];
        j++;
      }
      i = header.indexOf(';', j);
    } else {
      const end = header.indexOf(';', j);
      val = (end < 0 ? header.slice(j) : header.slice(j, end)).trim();
      i = end;
    }
    if (name) params[name] = val;
  }
  return { value, params };
}

/** Content-ID (or `start`) value without surrounding angle brackets and whitespace. */
export function stripAngleBrackets(id: string): string {
  const t = id.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1).trim() : t;
}

/** The Content-ID a `cid:` URI refers to (RFC 2392: the URI is percent-encoded). */
export function contentIdFromCid(uri: string): string {
  const raw = uri.replace(/^cid:/i, '');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The part a `cid:` reference (or bare Content-ID) designates, if any. */
export function findPartByCid(message: MimeMessage, ref: string): MimePart | undefined {
  const wanted = /^cid:/i.test(ref) ? contentIdFromCid(ref) : stripAngleBrackets(ref);
  const raw = ref.replace(/^cid:/i, '');
  return message.parts.find((p) => p.contentId === wanted || p.contentId === raw);
}
