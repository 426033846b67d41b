/**
 * A received SBD too large to hold in memory (its attachment was spooled: src/as4/spooled-payload.ts),
 * read as a stream in one pass: the SBDH from the head (parsed and checked exactly as readReceivedSbd
 * does on its skeleton), then the business document written to a spool file after an XML declaration,
 * digested, and reduced to the validation copy on the way (src/xml/embedded-binary.ts).
 *
 * Stricter than the in-memory path, on purpose: the SBD root may declare no namespace but the SBDH's (the
 * document cut out must stand alone; the in-memory path re-serialises it instead), and the payload must
 * be an XML document, not the Peppol envelope's BinaryContent or TextContent.
 */
import { createHash, randomUUID } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApError } from '../errors.js';
import { MAX_SBDH_HEADER_BYTES, SBDH_NS, type SbdhHeader } from '../sbdh/model.js';
import { parseSbd } from '../sbdh/parse.js';
import { decodeXml, type XmlLimits } from '../xml/decode.js';
import { EmbeddedBinaryReducer } from '../xml/embedded-binary.js';
import { parseLiteDom } from '../xml/lite-dom.js';
import { startTagEnd } from './inbound-payload.js';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
/** The SBDH and the payload's start tag must come within this many bytes (the header's bound and room for the tag). */
const MAX_HEAD_BYTES = MAX_SBDH_HEADER_BYTES + 64 * 1024;
/** Bytes held back at the end: the SBD's closing tag and white space after it. */
const TAIL_BYTES = 4096;
const SKELETON_MAX_DEPTH = 64;

export interface SpooledDocument {
  header: SbdhHeader;
  documentKind: string;
  /** The business document on disk; the caller removes it. */
  file: { path: string; bytes: number };
  sha256: string;
  /** What the validator reads: the document without the base64 of its embedded attachments. */
  validationCopy: Buffer;
}

const invalid = (msg: string): never => {
  throw new ApError('sbdh.invalid', msg, { field: 'StandardBusinessDocument' });
};

/** Where the payload element starts after the header (skipping white space and comments), -1 if not yet known. */
function payloadStart(text: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return -1;
      i = end + 3;
      continue;
    }
    return i + 1 < text.length ? i : -1;
  }
}

interface Head {
  header: SbdhHeader;
  documentKind: string;
  /** Byte offset of the payload's start tag in the head. */
  start: number;
}

/** The header, once the head holds it and the payload's start tag; null while more bytes are needed. */
function readHead(head: Buffer, limits: XmlLimits): Head | null {
  const text = head.toString('latin1');
  const headerEnd = /<\/(?:[\w.-]+:)?StandardBusinessDocumentHeader\s*>/.exec(text);
  if (!headerEnd) return null;
  if (headerEnd.index > MAX_SBDH_HEADER_BYTES) invalid(`The SBDH ends past the first ${MAX_SBDH_HEADER_BYTES} bytes of the SBD`);
  const start = payloadStart(text, headerEnd.index + headerEnd[0].length);
  if (start < 0) return null;
  const tagEnd = startTagEnd(text, start);
  if (tagEnd < 0) return null;
  if (!/^<[A-Za-z_]/.test(text.slice(start, start + 2))) invalid('No business document element follows the SBDH');
  const root = /<((?:[\w.-]+:)?StandardBusinessDocument)\b([^>]*)>/.exec(text);
  if (!root) return invalid('The SBD has no StandardBusinessDocument root');
  for (const d of root[2]!.matchAll(/xmlns(?::[\w.-]+)?\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    if ((d[2] ?? d[3]) !== SBDH_NS) invalid('A large SBD may declare on its root only the SBDH namespace: the business document must declare its own');
  }
  const headText = decodeXml(head.subarray(0, start), limits);
  const tag = head.subarray(start, tagEnd + 1).toString('utf8');
  const skeleton = headText + (tag.endsWith('/>') ? tag : `${tag.slice(0, -1)}/>`) + `</${root[1]}>`;
  const parsed = parseSbd(parseLiteDom(skeleton, { maxBytes: limits.maxBytes, maxDepth: SKELETON_MAX_DEPTH }), limits);
  if (parsed.payload.kind !== 'xml') invalid('A large SBD must carry an XML business document');
  return { header: parsed.header, documentKind: parsed.payloadElement.localName, start };
}

/**
 * Reads the decompressed SBD from `chunks` into a spool file under `dir`. The file is removed here when
 * reading fails; on success the caller owns it.
 */
export async function unpackLargeSbd(chunks: AsyncIterable<Buffer>, dir: string, limits: XmlLimits): Promise<SpooledDocument> {
  const path = join(dir, `as4-document-${randomUUID()}`);
  const handle = await open(path, 'wx', 0o600);
  const hash = createHash('sha256');
  const reducer = new EmbeddedBinaryReducer(limits.maxBytes);
  let bytes = 0;
  const write = async (b: Buffer) => {
    if (!b.length) return;
    hash.update(b);
    reducer.write(b);
    bytes += b.length;
    await handle.write(b);
  };
  try {
    let head: Buffer | null = Buffer.alloc(0) as Buffer;
    let found: Head | null = null;
    let tail: Buffer = Buffer.alloc(0);
    for await (const chunk of chunks) {
      if (head) {
        head = Buffer.concat([head, chunk]);
        found = readHead(head, limits);
        if (!found) {
          if (head.length > MAX_HEAD_BYTES) invalid(`The SBDH and the business document's start tag are not within the first ${MAX_HEAD_BYTES} bytes`);
          continue;
        }
        await write(Buffer.from(XML_DECLARATION, 'utf8'));
        tail = head.subarray(found.start);
        head = null;
      } else {
        tail = tail.length ? Buffer.concat([tail, chunk]) : chunk;
      }
      if (tail.length > TAIL_BYTES) {
        await write(tail.subarray(0, tail.length - TAIL_BYTES));
        tail = Buffer.from(tail.subarray(tail.length - TAIL_BYTES));
      }
    }
    if (!found) return invalid('The SBD ends before its header and business document');
    const close = /<\/(?:[\w.-]+:)?StandardBusinessDocument\s*>\s*$/.exec(tail.toString('latin1'));
    if (!close) invalid('The SBD does not end with its StandardBusinessDocument end tag');
    await write(tail.subarray(0, close!.index));
    await handle.close();
    return { header: found.header, documentKind: found.documentKind, file: { path, bytes }, sha256: hash.digest('hex'), validationCopy: reducer.end() };
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw err;
  }
}
