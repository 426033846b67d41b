/**
 * An encrypted attachment the MIME reader spooled to a file (mime/parse.ts). Its octets are
 * IV(12) ‖ ciphertext ‖ tag(16): the tag is read from the file's tail first, then one streamed pass
 * decrypts, authenticates (GCM tag) and digests the plaintext for the signature reference
 * (Attachment-Content-Signature-Transform: SHA-256 over the decrypted content octets, headers excluded),
 * before anything is unpacked. unpack() then streams decrypt → bounded gunzip into a consumer, so memory
 * stays at a few chunks whatever the attachment's size.
 */
import { createDecipheriv, createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ApError } from '../errors.js';
import { DEFAULT_DECOMPRESSION_LIMITS, type DecompressionLimits } from './compression.js';
import { failDecryption, IV_BYTES, TAG_BYTES } from './encryption.js';
import type { SpooledBody } from './mime/message.js';

const READ_CHUNK = 64 * 1024;

export class SpooledPayload {
  private constructor(
    private readonly file: SpooledBody,
    private readonly key: Buffer,
    private readonly iv: Buffer,
    private readonly tag: Buffer,
    /** SHA-256 of the decrypted octets. */
    readonly digest: Buffer,
  ) {}

  /** Authenticates the ciphertext of `file` under `key` and digests its plaintext (one streamed pass). */
  static async authenticate(file: SpooledBody, key: Buffer, contentId: string): Promise<SpooledPayload> {
    if (file.bytes < IV_BYTES + TAG_BYTES) failDecryption(`The encrypted attachment cid:${contentId} is shorter than IV and tag (${file.bytes} bytes)`);
    const handle = await open(file.path, 'r');
    const iv = Buffer.alloc(IV_BYTES);
    const tag = Buffer.alloc(TAG_BYTES);
    try {
      await handle.read(iv, 0, IV_BYTES, 0);
      await handle.read(tag, 0, TAG_BYTES, file.bytes - TAG_BYTES);
    } finally {
      await handle.close();
    }
    const payload = new SpooledPayload(file, key, iv, tag, Buffer.alloc(0));
    const hash = createHash('sha256');
    for await (const c of payload.plaintext()) hash.update(c);
    return new SpooledPayload(file, key, iv, tag, hash.digest());
  }

  /** The decrypted octets; the tag is checked again at the end (the file is ours, but each read stands alone). */
  private async *plaintext(): AsyncGenerator<Buffer> {
    const decipher = createDecipheriv('aes-128-gcm', this.key, this.iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(this.tag);
    const end = this.file.bytes - TAG_BYTES - 1;
    if (end >= IV_BYTES) {
      for await (const c of createReadStream(this.file.path, { start: IV_BYTES, end, highWaterMark: READ_CHUNK })) yield decipher.update(c as Buffer);
    }
    let last: Buffer;
    try {
      last = decipher.final();
    } catch (err) {
      return failDecryption('AES-GCM authentication failed for the spooled attachment: it was altered in transit or encrypted with another key', err);
    }
    if (last.length) yield last;
  }

  /**
   * Streams the payload (gunzipped when `compressed`, within `limits` absolutely and relative to the
   * compressed size, as gunzipBounded) into `consume`, and returns what it returns.
   */
  async unpack<T>(compressed: boolean, consume: (chunks: AsyncIterable<Buffer>) => Promise<T>, limits: DecompressionLimits = DEFAULT_DECOMPRESSION_LIMITS): Promise<T> {
    if (!compressed) return pipeline(this.plaintext(), consume);
    const compressedBytes = this.file.bytes - IV_BYTES - TAG_BYTES;
    const budget = Math.max(1, Math.min(limits.maxBytes, Math.floor(compressedBytes * limits.maxRatio)));
    async function* bounded(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      let total = 0;
      for await (const c of chunks) {
        total += c.length;
        if (total > budget) {
          throw new ApError(
            'as4.decompression-failed',
            `The payload inflates to more than ${budget} bytes (limits: ${limits.maxBytes} bytes, ratio ${limits.maxRatio}:1 over ${compressedBytes} compressed bytes); rejected as a possible gzip bomb`,
            { compressedBytes, limit: budget },
          );
        }
        yield c;
      }
    }
    // The consumer's own failure (the bound included) is the one to report: when it stops reading, the
    // pipeline settles with the AbortError of the stream it left instead.
    const failure: { error?: unknown } = {};
    try {
      return await pipeline(this.plaintext(), createGunzip(), async (chunks: AsyncIterable<Buffer>) => {
        try {
          return await consume(bounded(chunks));
        } catch (err) {
          failure.error = err;
          throw err;
        }
      });
    } catch (err) {
      if (failure.error !== undefined) throw failure.error;
      if (err instanceof ApError) throw err;
      if (typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).code!.startsWith('Z_')) {
        throw new ApError('as4.decompression-failed', `The payload is not valid gzip data: ${(err as Error).message}`, undefined, { cause: err });
      }
      throw err;
    }
  }
}
