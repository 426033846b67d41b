/**
 * Which document this is, and its model: a UBL Invoice or CreditNote, or an ApplicationResponse that is
 * a Peppol Invoice Response. Anything else (an MLS, another UBL document, not UBL at all) is refused as
 * `rendering.unsupported-document`.
 */
import { ApError } from '../errors.js';
import { INVOICE_RESPONSE_CUSTOMIZATION } from '../responses/codes.js';
import { APPLICATION_RESPONSE_NS, CREDIT_NOTE_NS, INVOICE_NS, parseUbl, text } from './dom.js';
import type { BillingDocument, RenderableDocument } from './model.js';
import { readBilling } from './read-billing.js';
import { readInvoiceResponse } from './read-response.js';

function bounded(d: BillingDocument): BillingDocument {
  if (d.lines.length > MAX_RENDER_LINES) {
    throw new ApError('input.too-large', `The document has ${d.lines.length} lines; a rendering shows at most ${MAX_RENDER_LINES}`, { lines: d.lines.length, limit: MAX_RENDER_LINES });
  }
  return d;
}

export function readRenderable(root: Element): RenderableDocument {
  if (root.namespaceURI === INVOICE_NS && root.localName === 'Invoice') return bounded(readBilling(root, 'invoice'));
  if (root.namespaceURI === CREDIT_NOTE_NS && root.localName === 'CreditNote') return bounded(readBilling(root, 'credit-note'));
  if (root.namespaceURI === APPLICATION_RESPONSE_NS && root.localName === 'ApplicationResponse') {
    const customization = text(root, 'cbc:CustomizationID') ?? '';
    // T111 accepts any CustomizationID that starts with its own (PEPPOL-T111-R003).
    if (customization.startsWith(INVOICE_RESPONSE_CUSTOMIZATION)) return readInvoiceResponse(root);
    throw new ApError('rendering.unsupported-document', `An ApplicationResponse with CustomizationID '${customization}' is not an Invoice Response; it cannot be rendered`, {
      customizationId: customization,
    });
  }
  throw new ApError('rendering.unsupported-document', `A {${root.namespaceURI ?? ''}}${root.localName} cannot be rendered: only UBL Invoice, CreditNote and Invoice Response`, {
    root: root.localName,
    namespace: root.namespaceURI,
  });
}

/**
 * Most lines rendered: a rendering runs on the caller's thread, about 0.6 ms a line as a PDF here, so
 * 5000 lines (a hundred A4 pages per thousand) bound one call to a few seconds. Longer documents are read
 * from their XML.
 */
export const MAX_RENDER_LINES = 5000;

export function readDocument(xml: Uint8Array | string): RenderableDocument {
  return readRenderable(parseUbl(xml));
}
