/** Serializes a SOAP 1.2 envelope and its attachments as multipart/related. */
import { randomBytes } from 'node:crypto';
import { ApError } from '../../errors.js';

export interface OutgoingPart {
  body: Buffer | string;
  /** Default: `application/octet-stream` for attachments, `application/soap+xml;charset=UTF-8` for the root. */
  contentType?: string;
  /** Without angle brackets; written as `Content-ID: <id>`. */
  contentId?: string;
  /** Extra headers (e.g. Content-Description); Content-Type, Content-Transfer-Encoding and Content-ID are set here. */
  headers?: Record<string, string>;
}

export interface BuiltMessage {
  /** Value for the HTTP Content-Type header. */
  contentType: string;
  body: Buffer;
  boundary: string;
}

const ROOT_TYPE = 'application/soap+xml;charset=UTF-8';

function checkHeaderValue(name: string, value: string): void {
  if (/[\r\n]/.test(value)) throw new ApError('internal', `MIME header ${name} must not contain line breaks`);
}

/**
 * Serializes a SOAP 1.2 envelope and its attachments as multipart/related with binary transfer encoding.
 * The `start` parameter is set when the root part has a Content-ID.
 */
export function buildMultipartRelated(root: OutgoingPart, attachments: OutgoingPart[] = [], boundary?: string): BuiltMessage {
  const parts = [
    { ...root, contentType: root.contentType ?? ROOT_TYPE },
    ...attachments.map((a) => ({ ...a, contentType: a.contentType ?? 'application/octet-stream' })),
  ];
  const bodies = parts.map((p) => (typeof p.body === 'string' ? Buffer.from(p.body, 'utf8') : p.body));
  let b = boundary ?? newBoundary();
  while (!boundary && bodies.some((body) => body.includes('--' + b))) b = newBoundary();
  if (boundary && bodies.some((body) => body.includes('--' + boundary))) {
    throw new ApError('internal', `MIME boundary "${boundary}" occurs in a part body`);
  }

  const chunks: Buffer[] = [];
  parts.forEach((p, i) => chunks.push(partHead(b, p, i === 0), bodies[i]!));
  chunks.push(closeDelimiter(b));
  return { contentType: relatedContentType(b, root), body: Buffer.concat(chunks), boundary: b };
}

/** The delimiter and header block in front of a part's body. */
function partHead(boundary: string, p: Omit<OutgoingPart, 'body'> & { contentType: string }, first: boolean): Buffer {
  const lines = [`--${boundary}`, `Content-Type: ${p.contentType}`, 'Content-Transfer-Encoding: binary'];
  if (p.contentId) lines.push(`Content-ID: <${p.contentId}>`);
  for (const [name, value] of Object.entries(p.headers ?? {})) {
    if (/^content-(type|transfer-encoding|id)$/i.test(name)) continue;
    checkHeaderValue(name, value);
    lines.push(`${name}: ${value}`);
  }
  for (const l of lines) checkHeaderValue('line', l);
  return Buffer.from((first ? '' : '\r\n') + lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

const closeDelimiter = (boundary: string) => Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');

function relatedContentType(boundary: string, root: OutgoingPart): string {
  const contentType = `multipart/related; boundary="${boundary}"; type="application/soap+xml"`;
  return root.contentId ? `${contentType}; start="<${root.contentId}>"` : contentType;
}

/**
 * The framing of a SOAP part and one attachment whose body is streamed (not in memory): the bytes before
 * the attachment's body and after it. The boundary is 144 random bits, so it is not searched for in a body
 * that is not there to search (a collision is about as likely as guessing the session key).
 */
export function multipartFraming(root: OutgoingPart, attachment: Omit<OutgoingPart, 'body'>): { contentType: string; head: Buffer; tail: Buffer } {
  const b = newBoundary();
  const rootBody = typeof root.body === 'string' ? Buffer.from(root.body, 'utf8') : root.body;
  const head = Buffer.concat([
    partHead(b, { ...root, contentType: root.contentType ?? ROOT_TYPE }, true),
    rootBody,
    partHead(b, { ...attachment, contentType: attachment.contentType ?? 'application/octet-stream' }, false),
  ]);
  return { contentType: relatedContentType(b, root), head, tail: closeDelimiter(b) };
}

function newBoundary(): string {
  return `MIMEBoundary_${randomBytes(18).toString('hex')}`;
}
