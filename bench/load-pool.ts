/**
 * The load bench's messages, built before the load starts so that signing and encrypting them does not
 * compete with the server for the cores: builder processes (bench/load-pool-builder.ts) write chunks of
 * CHUNK messages to files; during the run the bench reads one chunk ahead of the one it sends from.
 *
 * Chunk file: for each message, uint32 BE Content-Type length, uint32 BE body length, Content-Type, body.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/config/index.js';

export const CHUNK = 1000;

export interface PooledMessage {
  contentType: string;
  body: Buffer;
}

export const chunkFile = (dir: string, chunk: number): string => join(dir, `chunk-${chunk}.bin`);

/** Records of one chunk file. */
export function encodeChunk(messages: PooledMessage[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of messages) {
    const ct = Buffer.from(m.contentType);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(ct.length, 0);
    head.writeUInt32BE(m.body.length, 4);
    parts.push(head, ct, m.body);
  }
  return Buffer.concat(parts);
}

function decodeChunk(data: Buffer): PooledMessage[] {
  const out: PooledMessage[] = [];
  for (let at = 0; at < data.length; ) {
    const ctLength = data.readUInt32BE(at);
    const bodyLength = data.readUInt32BE(at + 4);
    const contentType = data.toString('latin1', at + 8, at + 8 + ctLength);
    at += 8 + ctLength;
    out.push({ contentType, body: data.subarray(at, at + bodyLength) });
    at += bodyLength;
  }
  return out;
}

export interface PoolBuild {
  seconds: number;
  /** CPU seconds the builder processes used, all together. */
  cpuSeconds: number;
  /** Size of the chunk files. */
  bytes: number;
}

/**
 * Builds messages 0..total-1 into `poolDir` with `builders` processes (each takes every builders-th chunk),
 * with the keys prepareReceivingAp wrote into `keyDir`.
 */
export async function buildPool(keyDir: string, poolDir: string, total: number, builders: number): Promise<PoolBuild> {
  const t0 = performance.now();
  const runs = Array.from(
    { length: builders },
    (_, index) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'load-pool-builder.ts'), keyDir, poolDir, String(total), String(index), String(builders)], {
          cwd: PROJECT_ROOT,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve((JSON.parse(out) as { cpuSeconds: number }).cpuSeconds) : reject(new Error(`message builder ${index} exited with ${code}`))));
      }),
  );
  const cpu = await Promise.all(runs);
  const bytes = readdirSync(poolDir).reduce((sum, f) => sum + statSync(join(poolDir, f)).size, 0);
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: cpu.reduce((a, b) => a + b, 0), bytes };
}

/** Reads the pool in order, the next chunk while the current one is sent. */
export class PoolReader {
  private readonly chunks = new Map<number, Promise<PooledMessage[]>>();

  constructor(
    private readonly dir: string,
    private readonly total: number,
  ) {}

  async message(i: number): Promise<PooledMessage> {
    if (i >= this.total) throw new Error(`message ${i} is past the pool (${this.total})`);
    const chunk = Math.floor(i / CHUNK);
    if ((chunk + 1) * CHUNK < this.total && !this.chunks.has(chunk + 1)) this.load(chunk + 1);
    this.chunks.delete(chunk - 1);
    const messages = await (this.chunks.get(chunk) ?? this.load(chunk));
    return messages[i % CHUNK]!;
  }

  private load(chunk: number): Promise<PooledMessage[]> {
    const p = readFile(chunkFile(this.dir, chunk)).then(decodeChunk);
    this.chunks.set(chunk, p);
    return p;
  }
}
