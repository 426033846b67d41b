/**
 * A request body held in memory while it is small, and written to a file once it passes a threshold (a
 * large API submission, up to AS4_MAX_MESSAGE_BYTES): the SHA-256 is taken and the validation copy made
 * (src/xml/embedded-binary.ts) as the bytes go to the file, so that no step holds the whole body. At most
 * the threshold's bytes and the copy are in memory. The caller removes the file.
 */
import { createHash, randomUUID } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpooledSubmission } from '../services/documents.js';
import { EmbeddedBinaryReducer } from '../xml/embedded-binary.js';

export interface BodySpool {
  /** A body longer than this goes to a file (at most MAX_DOCUMENT_BYTES: a body read whole stays under its limit). */
  thresholdBytes: number;
  /** The largest spooled body (413 past it, before or while it is read). */
  maxBytes: number;
  dir: string;
  /** The largest validation copy: the document without its attachments' base64 (MAX_DOCUMENT_BYTES). */
  maxCopyBytes: number;
}

/** The body whole, or spooled once it passes `spool.thresholdBytes`; a failure removes the file. */
export async function readSpooledBody(body: AsyncIterable<Buffer>, spool: BodySpool): Promise<Buffer | SpooledSubmission> {
  const chunks = body[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let bytes = 0;
  for (;;) {
    const next = await chunks.next();
    if (next.done) return Buffer.concat(held);
    held.push(next.value);
    bytes += next.value.length;
    if (bytes > spool.thresholdBytes) break;
  }
  const path = join(spool.dir, `api-document-${randomUUID()}`);
  const handle = await open(path, 'wx', 0o600);
  const hash = createHash('sha256');
  const reducer = new EmbeddedBinaryReducer(spool.maxCopyBytes);
  const write = async (b: Buffer) => {
    hash.update(b);
    reducer.write(b);
    await handle.write(b);
  };
  try {
    for (const b of held.splice(0)) await write(b);
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      bytes += next.value.length;
      await write(next.value);
    }
    await handle.close();
    return { file: { path, bytes }, sha256: hash.digest('hex'), validationCopy: reducer.end() };
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw err;
  }
}
