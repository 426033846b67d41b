/**
 * gzip for payloads (compress before signing, peppol-reference §4.3) and a bounded gunzip: the output is
 * capped both absolutely and relative to the compressed size, and inflation stops as soon as the cap is
 * passed (zlib's maxOutputLength), so a gzip bomb costs at most the cap in memory.
 */
import { promisify } from 'node:util';
import { constants, gunzip as gunzipCb, gunzipSync, gzip as gzipCb, gzipSync } from 'node:zlib';
import { ApError } from '../errors.js';

const gzipAsync = promisify(gzipCb);
const gunzipAsync = promisify(gunzipCb);

export interface DecompressionLimits {
  /** Largest accepted payload after decompression, in bytes. */
  maxBytes: number;
  /** Largest accepted ratio of decompressed to compressed size. */
  maxRatio: number;
}

export const DEFAULT_DECOMPRESSION_LIMITS: DecompressionLimits = { maxBytes: 100 * 1024 * 1024, maxRatio: 200 };

/**
 * Below this many bytes of work, zlib runs inline: a thread-pool round trip costs more than the
 * compression itself, and the event loop is blocked for well under a millisecond or so.
 */
const INLINE_BYTES = 256 * 1024;

export async function gzip(data: Buffer): Promise<Buffer> {
  const options = { level: constants.Z_DEFAULT_COMPRESSION };
  return data.length <= INLINE_BYTES ? gzipSync(data, options) : gzipAsync(data, options);
}

export async function gunzipBounded(data: Buffer, limits: DecompressionLimits = DEFAULT_DECOMPRESSION_LIMITS): Promise<Buffer> {
  const budget = Math.max(1, Math.min(limits.maxBytes, Math.floor(data.length * limits.maxRatio)));
  try {
    // One byte over the budget tells "exactly at the cap" from "over it".
    const options = { maxOutputLength: budget + 1 };
    const out = budget <= 8 * INLINE_BYTES ? gunzipSync(data, options) : await gunzipAsync(data, options);
    if (out.length > budget) throw new RangeError('over budget');
    return out;
  } catch (err) {
    if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ApError(
        'as4.decompression-failed',
        `The payload inflates to more than ${budget} bytes (limits: ${limits.maxBytes} bytes, ratio ${limits.maxRatio}:1 over ${data.length} compressed bytes); rejected as a possible gzip bomb`,
        { compressedBytes: data.length, limit: budget },
      );
    }
    throw new ApError('as4.decompression-failed', `The payload is not valid gzip data: ${(err as Error).message}`, undefined, { cause: err });
  }
}
