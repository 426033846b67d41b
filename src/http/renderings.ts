/**
 * Renderings of stored documents (GET /documents/{id}/render) and the attachments they embed
 * (GET /documents/{id}/attachments/{index}), on the documents router: same authentication, scopes and
 * tenant scope as GET /documents/{id} (a document the caller may not read is 404, as if it did not exist).
 */
import type { Request, Response, Router } from 'express';
import { ApError } from '../errors.js';
import { attachmentFileName, offeredMediaType, RENDER_LANGUAGES, type RenderLanguage } from '../rendering/index.js';
import type { DocumentsService, RenderFormat } from '../services/documents.js';
import { principalWith } from './principal.js';

const FORMATS: readonly RenderFormat[] = ['html', 'pdf'];

/**
 * The HTML page is self-contained: inline styles and data: downloads only. The policy lets nothing else
 * load, and `sandbox` gives the page an opaque origin with no script, so even a flaw in the escaping could
 * not act for the caller.
 */
const HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox allow-downloads";

/** The largest AdditionalDocumentReference position asked for; far above any real invoice. */
const MAX_ATTACHMENT_INDEX = 9999;

function choice<T extends string>(req: Request, name: string, allowed: readonly T[], fallback: T): T {
  const v = req.query[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new ApError('api.bad-request', `${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** A Content-Disposition for a name from the document: an ASCII fallback and the UTF-8 name (RFC 6266). */
function disposition(kind: 'attachment' | 'inline', name: string): string {
  return `${kind}; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

export function renderingRoutes(router: Router, documents: DocumentsService): void {
  router.get('/documents/:id/render', async (req, res: Response) => {
    const format = choice(req, 'format', FORMATS, 'html');
    const lang = choice<RenderLanguage>(req, 'lang', RENDER_LANGUAGES, 'en');
    const rendering = await documents.render(principalWith(req, 'send', 'inbox'), req.params['id']!, format, lang);
    if (!rendering) throw new ApError('api.not-found', `No payload stored for document ${req.params['id']}`);
    if (format === 'html') {
      res.setHeader('Content-Security-Policy', HTML_POLICY);
      res.type('text/html; charset=utf-8').send(rendering.body);
    } else {
      res.setHeader('Content-Disposition', disposition('inline', `${req.params['id']}-${lang}.pdf`));
      res.type('application/pdf').send(rendering.body);
    }
  });

  router.get('/documents/:id/attachments/:index', async (req, res: Response) => {
    const raw = req.params['index']!;
    const index = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
    if (!(index <= MAX_ATTACHMENT_INDEX)) throw new ApError('api.bad-request', `index ${JSON.stringify(raw)} is not an attachment position (0 to ${MAX_ATTACHMENT_INDEX})`);
    const attachment = await documents.attachment(principalWith(req, 'send', 'inbox'), req.params['id']!, index);
    if (!attachment) throw new ApError('api.not-found', `Document ${req.params['id']} has no embedded attachment at position ${index}`);
    res.setHeader('Content-Disposition', disposition('attachment', attachmentFileName(attachment)));
    res.type(offeredMediaType(attachment.mimeCode)).send(attachment.content);
  });
}
