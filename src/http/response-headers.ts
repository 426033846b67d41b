/**
 * Security headers, in one place for the express app and for the AS4 route that node:http answers before
 * express (as4DirectRoute). No response here is a page to render, so the policy lets nothing load or frame.
 */
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

const SECURITY_HEADERS: ReadonlyArray<[string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['Referrer-Policy', 'no-referrer'],
];

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
}

export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  setSecurityHeaders(res);
  next();
}

/** For business documents, their payloads, receipts and inboxes: no browser or proxy may keep a copy. */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}

/**
 * A stored business document as a download, never as a page: whatever XML it holds (an XHTML document, a
 * stylesheet processing instruction) is not rendered in the caller's browser. `id` is a checked UUID.
 */
export function sendXmlAttachment(res: Response, id: string, payload: Buffer): void {
  res.setHeader('Content-Disposition', `attachment; filename="${id}.xml"`);
  res.type('application/xml').send(payload);
}
