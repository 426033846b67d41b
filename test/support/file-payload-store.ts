/**
 * A payload store outside the database: one file per document under a directory, written to a temporary
 * name and renamed, so that a reader never sees half a payload. It stands for an object store (S3) in the
 * tests that show the other stores leave their payloads to the payload store.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PayloadChunks, PayloadFile, PayloadStore } from '../../src/store/payloads.js';

export class FilePayloadStore implements PayloadStore {
  readonly sql = null;

  constructor(private readonly dir: string) {}

  async put(documentId: string, content: Buffer): Promise<void> {
    const tmp = join(this.dir, `.${randomUUID()}`);
    await writeFile(tmp, content);
    await rename(tmp, join(this.dir, documentId));
  }

  async get(documentId: string): Promise<Buffer | null> {
    try {
      return await readFile(join(this.dir, documentId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async putFile(documentId: string, file: PayloadFile): Promise<void> {
    const tmp = join(this.dir, `.${randomUUID()}`);
    await copyFile(file.path, tmp);
    await rename(tmp, join(this.dir, documentId));
  }

  async getStream(documentId: string): Promise<PayloadChunks | null> {
    const content = await this.get(documentId);
    return content ? [content] : null;
  }

  async delete(documentId: string): Promise<void> {
    await rm(join(this.dir, documentId), { force: true });
  }

  async getMany(keys: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    for (const key of keys) {
      const content = await this.get(key);
      if (content) out.set(key, content);
    }
    return out;
  }

  async putMany(items: ReadonlyArray<readonly [string, Buffer]>): Promise<void> {
    for (const [key, content] of items) await this.put(key, content);
  }
}
