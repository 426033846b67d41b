/**
 * Documents API (v1, first part): submit a UBL 2.1 Invoice or CreditNote, read its status and timeline,
 * fetch its payload.
 */
import express, { Router, type Request } from 'express';
import { ApError } from '../errors.js';
import { submitOutbound, type SubmitDeps } from '../pipeline/submit.js';
import type { DocumentRecord, DocumentStore } from '../store/documents.js';
import type { ValidationReport } from '../validation/types.js';

export interface DocumentsApiDeps extends SubmitDeps {
  documents: DocumentStore;
  maxDocumentBytes: number;
}

const XML_TYPES = ['application/xml', 'text/xml', 'application/*+xml'];

function reportView(r: ValidationReport | null) {
  return r && { valid: r.valid, documentKind: r.documentKind, issues: r.issues, elapsedMs: Math.round(r.elapsedMs * 100) / 100 };
}

function documentView(d: DocumentRecord) {
  return {
    id: d.id,
    direction: d.direction,
    status: d.status,
    senderId: d.senderId,
    receiverId: d.receiverId,
    documentKind: d.documentKind,
    documentType: d.documentType,
    process: d.process,
    invoiceNumber: d.invoiceNumber,
    issueDate: d.issueDate,
    payload: { sha256: d.payloadSha256, size: d.payloadSize, href: `/api/v1/documents/${d.id}/payload` },
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

/** Refuses a missing or non-XML content type before the body is read. */
function requireXml(req: Request): void {
  if (!req.get('content-type')) {
    throw new ApError('input.unsupported-media-type', 'Content-Type is missing; send the document as application/xml');
  }
  if (!req.is(XML_TYPES)) {
    throw new ApError('input.unsupported-media-type', `Content-Type ${req.get('content-type')} is not accepted; send application/xml`);
  }
}

export function documentsRouter(deps: DocumentsApiDeps): Router {
  const router = Router();
  const rawBody = express.raw({ type: () => true, limit: deps.maxDocumentBytes });

  router.post(
    '/',
    (req, _res, next) => {
      requireXml(req);
      next();
    },
    rawBody,
    async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (body.length === 0) throw new ApError('input.empty', 'The request body is empty; send a UBL 2.1 Invoice or CreditNote');
      const { document, report } = await submitOutbound(deps, body, 'api');
      req.log.info({ documentId: document.id, status: document.status, validationMs: report.elapsedMs }, 'document submitted');
      res.location(`/api/v1/documents/${document.id}`);
      if (document.status === 'rejected') {
        const err = new ApError('validation.invalid', 'The document fails UBL 2.1 validation; it is stored as rejected');
        res.status(422).json({ ...err.toJSON(), ...documentView(document), validation: reportView(report), requestId: req.id });
      } else {
        res.status(201).json({ ...documentView(document), validation: reportView(report) });
      }
    },
  );

  router.get('/:id', async (req, res) => {
    const doc = await deps.documents.get(req.params.id!);
    if (!doc) throw new ApError('api.not-found', `Document ${req.params.id} not found`);
    const events = await deps.documents.events(doc.id);
    res.json({
      ...documentView(doc),
      validation: reportView(doc.validationReport),
      events: events.map((e) => ({ ...e, at: e.at.toISOString() })),
    });
  });

  router.get('/:id/payload', async (req, res) => {
    const payload = await deps.documents.payload(req.params.id!);
    if (!payload) throw new ApError('api.not-found', `Document ${req.params.id} not found`);
    res.type('application/xml').send(payload);
  });

  return router;
}
