/**
 * Renderings of stored documents and their embedded attachments (src/http/renderings.ts), on the
 * documents routes: the same scopes and tenant scope as GET /documents/{id}.
 */
import { bodyResponse, pathParameter, problemResponse, queryParameter, ref } from '../describe.js';
import { ALLOWED_MIME_CODES } from '../../../rendering/index.js';
import type { JsonSchema, PathItem, Response } from '../types.js';

const TAG = ['documents'];
const byId = ref('parameters', 'DocumentId');

/** The media types an attachment is served as: those BIS 3.0 allows, or plain bytes (offeredMediaType). */
const ATTACHMENT_TYPES = [...ALLOWED_MIME_CODES, 'application/octet-stream'];

const readErrors: Record<string, Response | { $ref: string }> = {
  '400': ref('responses', 'BadRequest'),
  '404': ref('responses', 'NotFound'),
  '500': ref('responses', 'InternalError'),
};

const disposition = (what: string) => ({ 'Content-Disposition': { description: what, required: true, schema: { type: 'string' } as JsonSchema } });

const paths: Record<string, PathItem> = {
  '/documents/{id}/render': {
    get: {
      operationId: 'renderDocument',
      summary: 'The document rendered for people: a self-contained HTML page or a PDF, in Dutch, French or English',
      description:
        'Renders the stored UBL Invoice, CreditNote or Invoice Response (BIS 63): parties, references, dates, lines, VAT breakdown, allowances and charges, totals, payment means, notes and the list of embedded attachments. Amounts are shown exactly as the XML has them, in the language\'s number and date format. The rendering says that it is one: the XML (`/payload`) stays the original, and embedded attachments are offered as they are (`/attachments/{index}`; the PDF carries them as embedded files, the HTML as download links). The HTML page loads nothing (a `Content-Security-Policy` with `sandbox`).',
      tags: TAG,
      parameters: [
        byId,
        queryParameter('format', 'html (default) or pdf.', { enum: ['html', 'pdf'], default: 'html' }),
        queryParameter('lang', 'nl, fr or en (default).', { enum: ['nl', 'fr', 'en'], default: 'en' }),
      ],
      responses: {
        '200': {
          description: 'The rendering.',
          headers: { 'X-Request-Id': ref('headers', 'X-Request-Id'), 'Content-Disposition': { description: 'PDF only: `inline; filename="<id>-<lang>.pdf"`.', required: false, schema: { type: 'string' } } },
          content: { 'text/html': { schema: { type: 'string' } }, 'application/pdf': { schema: { type: 'string' } } },
        },
        ...readErrors,
        '404': problemResponse('`api.not-found`: no such document for this caller, or its payload is not kept (a rejected one past the day\'s quota).'),
        '413': problemResponse('`input.too-large`: the document has more lines than a rendering shows (MAX_RENDER_LINES, 5000); its XML is the way to read it.'),
        '422': problemResponse('`rendering.unsupported-document`: the document is not one the renderer knows (an MLS, another UBL document).'),
      },
    },
  },
  '/documents/{id}/attachments/{index}': {
    get: {
      operationId: 'getDocumentAttachment',
      summary: 'An attachment the document embeds, byte for byte, as a download',
      description:
        'The content of the `index`-th AdditionalDocumentReference (0-based, in document order) whose Attachment embeds it (EmbeddedDocumentBinaryObject), decoded from base64. Served as its mimeCode when BIS 3.0 allows that type, else as application/octet-stream.',
      tags: TAG,
      parameters: [byId, pathParameter('index', 'Position of the AdditionalDocumentReference, 0-based.', { type: 'string', pattern: '^\\d{1,4}$' })],
      responses: {
        '200': {
          ...bodyResponse('The attachment.', 'application/octet-stream', disposition('`attachment` with its filename (ASCII, and UTF-8 in `filename*`).')),
          content: Object.fromEntries(ATTACHMENT_TYPES.map((t) => [t, { schema: { type: 'string' } }])),
        },
        ...readErrors,
        '404': problemResponse('`api.not-found`: no such document for this caller, or no embedded attachment at this position.'),
      },
    },
  },
};

const schemas: Record<string, JsonSchema> = {};

export { paths, schemas };
