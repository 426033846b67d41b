/**
 * The AS4 endpoint: `POST <path>` (default /as4) streams the request body into the MIME parser (limits
 * applied while reading) and answers with what the inbound pipeline decided: the signed receipt (200),
 * written only after the message is committed, or a signed ebMS error signal (4xx for the sender's
 * faults, 5xx when we could not store the message and the sender should retry).
 */
import { Router, type Request, type Response } from 'express';
import type { InboundPipeline } from '../pipeline/inbound.js';

export function as4Router(pipeline: InboundPipeline): Router {
  const router = Router();
  router.post('/', async (req: Request, res: Response) => {
    const result = await pipeline.receive(req.get('content-type'), req);
    if (result.messageId && /^[\x21-\x7e]{1,256}$/.test(result.messageId)) res.setHeader('X-AS4-Message-Id', result.messageId);
    res.status(result.status).type(result.contentType).send(result.body);
  });
  return router;
}
