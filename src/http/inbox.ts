/**
 * The buyer's inbox, per hosted participant, as Mercurius offers it to public bodies (submitInboxRequest →
 * retrieveRequest → markRequest), in REST:
 *   GET  /{participant}/documents?receivedAfter=<cursor>&limit=<n>   available documents, oldest first
 *   GET  /{participant}/documents/{id}                               metadata, AS4 support keys, payload (base64)
 *   GET  /{participant}/documents/{id}/payload                       the business document as XML
 *   POST /{participant}/documents/{id}/ack                           picked up: leaves the inbox (acknowledged)
 *   POST /{participant}/documents/{id}/response                      the buyer's Invoice Response to the seller (`respond`)
 * The cursor is the `receivedAt` of the last document seen, with microseconds, optionally followed by
 * `~<document id>` (as `nextCursor` returns it) so that documents received in the same microsecond are
 * neither skipped nor repeated. An API key with the `inbox` scope opens the inboxes of its tenants'
 * participants (and, by mandate, of others'); any other inbox is not found.
 */
import express, { Router, type Request } from 'express';
import { ApError } from '../errors.js';
import { UUID_PATTERN, uuidParam } from './params.js';
import { principalWith } from './principal.js';
import { noStore, sendXmlAttachment } from './response-headers.js';
import { parseParticipantId, type ParticipantIdentifier } from '../peppol/identifiers.js';
import { type InboxCursor, type InboxRow, type InboxService } from '../services/inbox.js';
import type { ResponsesService } from '../services/responses.js';

export interface InboxDeps {
  inbox: InboxService;
  /** Where the buyer's Invoice Responses go; absent: the response route is not mounted. */
  responses?: Pick<ResponsesService, 'respond'>;
}

const CURSOR = new RegExp(`^(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?(?:Z|[+-]\\d{2}:\\d{2}))(?:~(${UUID_PATTERN}))?$`, 'i');

function participantOf(req: Request): ParticipantIdentifier {
  return parseParticipantId(String(req.params['participant']));
}

function itemJson(r: InboxRow) {
  return {
    id: r.id,
    status: r.status,
    receivedAt: r.received_at,
    cursor: `${r.received_at}~${r.id}`,
    sender: r.sender_id,
    receiver: r.receiver_id,
    documentKind: r.document_kind,
    documentType: r.document_type,
    process: r.process,
    invoiceNumber: r.invoice_number,
    issueDate: r.issue_date,
    payloadSha256: r.payload_sha256,
    payloadSize: r.payload_size,
    as4: { messageId: r.message_id, conversationId: r.conversation_id, sbdhInstanceId: r.sbdh_instance_id, senderSeatId: r.from_party_id, countryC1: r.country_c1 },
  };
}

export function inboxRouter(deps: InboxDeps): Router {
  const router = Router();
  const { inbox } = deps;
  router.use(noStore);
  uuidParam(router);

  router.get('/:participant/documents', async (req, res) => {
    const p = participantOf(req);
    const limitText = req.query['limit'];
    const limit = limitText === undefined ? 100 : Number(limitText);
    const after = req.query['receivedAfter'];
    let cursor: InboxCursor | undefined;
    if (after !== undefined) {
      const m = typeof after === 'string' ? CURSOR.exec(after) : null;
      if (!m) throw new ApError('api.bad-request', 'receivedAfter must be an ISO date-time with time zone, optionally followed by ~<document id> (a nextCursor)');
      cursor = m[2] ? { at: m[1]!, id: m[2] } : { at: m[1]! };
    }
    const rows = await inbox.list(principalWith(req, 'inbox'), p, { ...(cursor ? { after: cursor } : {}), limit });
    const items = rows.map(itemJson);
    res.json({ documents: items, nextCursor: items.length ? items[items.length - 1]!.cursor : (after ?? null) });
  });

  router.get('/:participant/documents/:id', async (req, res) => {
    const { row, payload } = await inbox.payload(principalWith(req, 'inbox'), participantOf(req), String(req.params['id']));
    res.json({ ...itemJson(row), payload: payload?.toString('base64') ?? null });
  });

  router.get('/:participant/documents/:id/payload', async (req, res) => {
    const { row, payload } = await inbox.payload(principalWith(req, 'inbox'), participantOf(req), String(req.params['id']));
    if (!payload) throw new ApError('api.not-found', `Document ${row.id} has no payload any more (retention)`);
    sendXmlAttachment(res, row.id, payload);
  });

  router.post('/:participant/documents/:id/ack', async (req, res) => {
    res.json(await inbox.acknowledge(principalWith(req, 'inbox'), participantOf(req), String(req.params['id'])));
  });

  const responses = deps.responses;
  if (responses) {
    router.post('/:participant/documents/:id/response', express.json({ limit: '64kb' }), async (req, res) => {
      const answered = await responses.respond(principalWith(req, 'respond'), participantOf(req), String(req.params['id']), req.body);
      res.status(202).json({ ...answered, document: `/api/v1/documents/${answered.responseDocumentId}` });
    });
  }

  return router;
}
