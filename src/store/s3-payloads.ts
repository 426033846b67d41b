/**
 * The payload store in S3-compatible object storage (AWS S3, MinIO, Ceph, ...): one object per key under
 * a prefix of one bucket, the transit payloads under one prefix and the archive under another. It takes
 * no part in SQL statements (`sql` null), so the other stores put the bytes before their statement and
 * get them after it (src/store/payloads.ts). Documents, events and evidence stay in Postgres.
 */
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { PayloadChunks, PayloadFile, PayloadStore } from './payloads.js';

export interface S3Location {
  /** Null: the AWS endpoint of `region`. */
  endpoint: string | null;
  region: string;
  bucket: string;
  /** Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle: boolean;
  /** Null: the SDK's default credential chain (environment, profile, instance role). */
  credentials: { accessKeyId: string; secretAccessKey: string } | null;
}

/** One client per process and location, shared by the transit and the archive store. */
export function s3Client(at: S3Location): S3Client {
  return new S3Client({
    region: at.region,
    forcePathStyle: at.forcePathStyle,
    ...(at.endpoint ? { endpoint: at.endpoint } : {}),
    ...(at.credentials ? { credentials: at.credentials } : {}),
    // The SDK retries throttling and 5xx itself; a store that stays down fails the caller's step, which its
    // own retry (job, AS4 sender) repeats.
    maxAttempts: 3,
  });
}

export class S3PayloadStore implements PayloadStore {
  readonly sql = null;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** Such as `payloads/` or `archive/`. */
    private readonly prefix: string,
  ) {}

  async put(key: string, content: Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: content, ContentLength: content.length }));
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return out.Body ? Buffer.from(await out.Body.transformToByteArray()) : null;
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return null;
      throw err;
    }
  }

  /**
   * One streamed PUT (the size is known from the file): the body is read from disk as it is sent. Its
   * SHA-256, taken in a first read, travels as the object's checksum, so the SDK sends the body as it is
   * rather than in aws-chunked framing with a trailing checksum.
   */
  async putFile(key: string, file: PayloadFile): Promise<void> {
    const hash = createHash('sha256');
    for await (const c of createReadStream(file.path)) hash.update(c as Buffer);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: createReadStream(file.path), ContentLength: file.bytes, ChecksumSHA256: hash.digest('base64') }),
    );
  }

  async getStream(key: string): Promise<PayloadChunks | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return (out.Body as Readable | undefined) ?? null;
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
  }

  async getMany(keys: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    await inParallel(keys, async (key) => {
      const content = await this.get(key);
      if (content) out.set(key, content);
    });
    return out;
  }

  async putMany(items: ReadonlyArray<readonly [string, Buffer]>): Promise<void> {
    await inParallel(items, ([key, content]) => this.put(key, content));
  }
}

/** Requests at once to the object store from one batch: enough to hide latency, not a flood of sockets. */
const PARALLEL = 16;

async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}
