/**
 * How documents are validated (received over AS4, and submitted to the API): in the calling thread with a
 * validator built at start-up (tests, the CLI), or in a pool of worker threads that each compile the
 * validator once (the server: validation stays off the event loop that sends receipts and answers the API).
 */
import { Worker } from 'node:worker_threads';
import type { Metrics } from '../core/metrics.js';
import { ApError } from '../errors.js';
import type { DocumentValidator, ValidationReport } from '../validation/types.js';
import { readUblMetadata, ublMetadataOf, type UblMetadata } from './ubl-metadata.js';

/** The report, and the fields routing, the inbox and duplicate detection read from a parseable document. */
export interface ValidatedDocument {
  report: ValidationReport;
  metadata: UblMetadata | null;
}

export interface ValidationRunner {
  validate(document: Buffer): Promise<ValidatedDocument>;
  close(): Promise<void>;
}

/**
 * Validates, then reads the document's fields (null when it could not be parsed), from the validator's own
 * parse when it hands it back.
 */
export function validateDocument(validator: DocumentValidator, document: Buffer, maxBytes: number): ValidatedDocument {
  const { report, root } = validator.validateParsed ? validator.validateParsed(document) : { report: validator.validate(document), root: null };
  if (report.issues.some((i) => i.layer === 'PARSE')) return { report, metadata: null };
  try {
    return { report, metadata: root ? ublMetadataOf(root) : readUblMetadata(document, { maxBytes }) };
  } catch {
    return { report, metadata: null };
  }
}

export function inlineValidationRunner(validator: DocumentValidator, maxBytes = 100 * 1024 * 1024): ValidationRunner {
  return {
    validate: async (document) => validateDocument(validator, document, maxBytes),
    close: async () => {},
  };
}

/** The runner with each validation's time and result counted; a validation that fails to run is not. */
export function measuredValidationRunner(runner: ValidationRunner, metrics: Pick<Metrics, 'validated'>): ValidationRunner {
  return {
    async validate(document) {
      const startedAt = performance.now();
      const validated = await runner.validate(document);
      metrics.validated(validated.report.valid ? 'valid' : 'invalid', (performance.now() - startedAt) / 1000);
      return validated;
    },
    close: () => runner.close(),
  };
}

export interface WorkerPoolOptions {
  ublSchemasDir: string;
  schematronDir: string;
  maxBytes: number;
  workers: number;
}

interface Pending {
  resolve(r: ValidatedDocument): void;
  reject(e: Error): void;
}

interface PoolWorker {
  worker: Worker;
  busy: number;
}

function spawn(opts: WorkerPoolOptions): Worker {
  const workerData = { ublSchemasDir: opts.ublSchemasDir, schematronDir: opts.schematronDir, maxBytes: opts.maxBytes };
  if (import.meta.url.endsWith('.ts')) {
    // Running from the TypeScript sources (tsx): the worker registers the same loader before importing.
    const url = new URL('./inbound-validation-worker.ts', import.meta.url).href;
    return new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url)}); })`, { eval: true, workerData });
  }
  return new Worker(new URL('./inbound-validation-worker.js', import.meta.url), { workerData });
}

/** Starts `workers` threads and resolves once every one has compiled its validator. */
export async function workerValidationRunner(opts: WorkerPoolOptions): Promise<ValidationRunner> {
  const pool: PoolWorker[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, opts.workers) }, async () => {
        const worker = spawn(opts);
        const entry: PoolWorker = { worker, busy: 0 };
        pool.push(entry);
        await new Promise<void>((resolve, reject) => {
          worker.on('message', (m: { ready?: boolean; failed?: string; id?: number; result?: ValidatedDocument; error?: string }) => {
            if (m.ready) return resolve();
            if (m.failed) return reject(new ApError('validation.artifacts-missing', m.failed));
            const p = pending.get(m.id!);
            if (!p) return;
            pending.delete(m.id!);
            entry.busy--;
            if (m.result) p.resolve(m.result);
            else p.reject(new ApError('internal', `Validation failed in the worker: ${m.error}`));
          });
          worker.on('error', (err) => {
            reject(err);
            failAll(err);
          });
          worker.on('exit', (code) => {
            if (!closed) failAll(new ApError('internal', `A validation worker exited (code ${code})`));
          });
        });
      }),
    );
  } catch (err) {
    closed = true;
    await Promise.all(pool.map((w) => w.worker.terminate()));
    throw err;
  }
  return {
    validate(document) {
      if (closed) return Promise.reject(new ApError('internal', 'The validation pool is closed'));
      const entry = pool.reduce((a, b) => (b.busy < a.busy ? b : a));
      const id = nextId++;
      entry.busy++;
      return new Promise<ValidatedDocument>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        entry.worker.postMessage({ id, bytes: document });
      });
    },
    async close() {
      closed = true;
      failAll(new ApError('internal', 'The validation pool closed'));
      await Promise.all(pool.map((w) => w.worker.terminate()));
    },
  };
}
