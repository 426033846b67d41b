/**
 * Request bodies against memory. The bodies the server reads whole (AS4 messages, API documents) are held
 * until their request is answered, so one budget of bytes in flight (INBOUND_INFLIGHT_BYTES) bounds them
 * together. A request is admitted before any byte of its body is read:
 *   1. a declared Content-Length over the route's limit is refused with 413 (input.too-large: the sender's
 *      fault, retrying will not help);
 *   2. one over what is left of the budget with 503 and Retry-After (input.busy: retry later);
 *   3. a body without Content-Length (chunked) takes its bytes from the budget as they arrive, and gets the
 *      same answers when it outgrows the limit or the budget.
 * A request answered before the end of its body asks for `Connection: close`, so that node does not wait
 * for (or read) the rest: a lying Content-Length holds nothing. What a request took goes back when its
 * response closes: sent, failed, or the connection dropped.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApError } from '../errors.js';

/** A hint: a sender AP retries on its own schedule. */
const BUSY_RETRY_AFTER_SECONDS = 5;

export class InflightBudget {
  private used = 0;
  constructor(readonly capacity: number) {}

  /** Bytes held by requests not answered yet. */
  get inUse(): number {
    return this.used;
  }

  /** Takes `n` bytes if they fit in what is left. */
  take(n: number): boolean {
    if (this.used + n > this.capacity) return false;
    this.used += n;
    return true;
  }

  give(n: number): void {
    this.used -= n;
  }
}

function refusal(res: ServerResponse, err: ApError): ApError {
  if (!res.headersSent) {
    res.setHeader('Connection', 'close');
    if (err.kind === 'input.busy') res.setHeader('Retry-After', String(BUSY_RETRY_AFTER_SECONDS));
  }
  return err;
}

const tooLarge = (limit: number, size: number) =>
  new ApError('input.too-large', `The request body exceeds the limit of ${limit} bytes`, { limit, size });
const busy = () => new ApError('input.busy', 'The server is receiving as much as it can hold; retry later', { retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS });

/**
 * Admits the body of `req`, at most `limit` bytes: the refusal (its headers already set on `res`), or the
 * body as it arrives, metered against the limit and the budget (which it throws the same refusals from).
 */
export function admitBody(budget: InflightBudget, req: IncomingMessage, res: ServerResponse, limit: number): ApError | AsyncIterable<Buffer> {
  // node has checked the header: digits only, and never together with Transfer-Encoding.
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return refusal(res, tooLarge(limit, declared));
  if (!budget.take(declared)) return refusal(res, busy());
  let held = declared;
  let answered = false;
  res.once('close', () => {
    answered = true;
    budget.give(held);
  });
  return (async function* metered() {
    let seen = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > limit) throw refusal(res, tooLarge(limit, seen));
        if (seen > held) {
          if (answered || !budget.take(seen - held)) throw refusal(res, busy());
          held = seen;
        }
        yield chunk;
      }
    } catch (err) {
      // node ends the body of a dropped connection with ECONNRESET ("aborted").
      if (err instanceof ApError || (err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err;
      throw new ApError('api.bad-request', 'The connection closed before the request body was complete', undefined, { cause: err });
    } finally {
      // The reader stopped before the end (a limit, malformed content): answer without reading the rest.
      if (!req.complete && !res.headersSent) res.setHeader('Connection', 'close');
    }
  })();
}

/** The whole body of `req` under `limit` and the budget; throws the refusal. */
export async function readBody(budget: InflightBudget, req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer> {
  const body = admitBody(budget, req, res, limit);
  if (body instanceof ApError) throw body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
