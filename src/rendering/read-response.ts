/** Reads a Peppol Invoice Response (BIS 63, UBL ApplicationResponse) into the model. Best effort, as read-billing.ts. */
import { all, at, attr, text } from './dom.js';
import type { InvoiceResponseDocument } from './model.js';
import { party } from './read-party.js';

export function readInvoiceResponse(root: Element): InvoiceResponseDocument {
  const documentResponse = at(root, 'cac:DocumentResponse');
  const response = at(documentResponse, 'cac:Response');
  const reference = at(documentResponse, 'cac:DocumentReference');
  return {
    kind: 'invoice-response',
    id: text(root, 'cbc:ID') ?? '',
    issueDate: text(root, 'cbc:IssueDate'),
    issueTime: text(root, 'cbc:IssueTime'),
    notes: all(root, 'cbc:Note')
      .map((n) => text(n))
      .filter((n): n is string => n !== undefined),
    sender: party(at(root, 'cac:SenderParty')),
    receiver: party(at(root, 'cac:ReceiverParty')),
    responseCode: text(response, 'cbc:ResponseCode'),
    effectiveDate: text(response, 'cbc:EffectiveDate'),
    statuses: all(response, 'cac:Status').map((s) => ({
      listId: attr(at(s, 'cbc:StatusReasonCode'), 'listID'),
      code: text(s, 'cbc:StatusReasonCode'),
      reason: text(s, 'cbc:StatusReason'),
      conditions: all(s, 'cac:Condition').map((c) => ({ attributeId: text(c, 'cbc:AttributeID'), description: text(c, 'cbc:Description') })),
    })),
    invoice: {
      id: text(reference, 'cbc:ID'),
      issueDate: text(reference, 'cbc:IssueDate'),
      typeCode: text(reference, 'cbc:DocumentTypeCode'),
      issuer: at(documentResponse, 'cac:IssuerParty') ? party(at(documentResponse, 'cac:IssuerParty')) : undefined,
      recipient: at(documentResponse, 'cac:RecipientParty') ? party(at(documentResponse, 'cac:RecipientParty')) : undefined,
    },
  };
}
