/**
 * Worker thread of the inbound validation pool: compiles the validator once, then validates the documents
 * the main thread posts, so that a 10-30 ms schematron run never blocks the event loop that answers AS4
 * requests with receipts.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createValidator } from '../validation/validator.js';
import { validateDocument } from './inbound-validation.js';

interface Job {
  id: number;
  bytes: Uint8Array;
}

const { ublSchemasDir, schematronDir, maxBytes } = workerData as { ublSchemasDir: string; schematronDir: string; maxBytes: number };
const port = parentPort!;
// On Linux the nice value is per thread: a lower priority for this thread only keeps validation from
// delaying receipts on a busy machine (the backlog is caught up when the CPU is free).
try {
  setPriority(10);
} catch {
  // not permitted or not supported: run at normal priority
}
try {
  const validator = await createValidator({ ublSchemasDir, schematronDir, maxBytes });
  port.on('message', (job: Job) => {
    try {
      port.postMessage({ id: job.id, result: validateDocument(validator, Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength), maxBytes) });
    } catch (err) {
      port.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  port.postMessage({ ready: true, loadMs: validator.loadMs });
} catch (err) {
  port.postMessage({ failed: err instanceof Error ? err.message : String(err) });
}
