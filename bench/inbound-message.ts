/**
 * The AS4 message the inbound benches send: the Peppol base example invoice with its own number, padded
 * to 10 KB, in an SBDH from SUPPLIER to BUYER, signed by the sending AP and encrypted for the receiving one.
 */
import { readFileSync } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { buildUserMessage, type As4Identity, type BuiltUserMessage } from '../src/as4/index.js';
import { PROJECT_ROOT } from '../src/config/index.js';
import { DOCUMENT_TYPES } from '../src/peppol/document-types.js';
import { parseParticipantId } from '../src/peppol/identifiers.js';
import { buildSbd } from '../src/sbdh/build.js';

export const SUPPLIER = '0208:0123456749';
export const BUYER = '0208:0987654394';
export const INVOICE = DOCUMENT_TYPES.find((d) => d.name === 'invoice')!;
/** Seat ids of the two access points. */
export const SENDING_AP = 'POP000042';
export const RECEIVING_AP = 'POP000041';

/** The Peppol base example invoice (Peppol BIS Billing 3.0.21). */
export const BASE_INVOICE_XML = readFileSync(join(PROJECT_ROOT, 'schematron', 'examples', 'peppol-3.0.21', 'base-example.xml'), 'utf8');

/** The Peppol base example with its own invoice number, padded with a comment to 10 KB. */
export function invoice(id: string, xml = BASE_INVOICE_XML): string {
  const numbered = xml.replace('<cbc:ID>Snippet1</cbc:ID>', `<cbc:ID>${id}</cbc:ID>`);
  const pad = 10 * 1024 - Buffer.byteLength(numbered) - '<!--  -->\n'.length;
  return pad > 0 ? numbered.replace(/<\/Invoice>\s*$/, `<!-- ${'x'.repeat(pad)} -->\n</Invoice>\n`) : numbered;
}

/** Invoice `BENCH-<i>` as a complete AS4 user message from SENDING_AP to RECEIVING_AP. */
export async function inboundMessage(i: number, sender: As4Identity, receiverCertificate: X509Certificate): Promise<BuiltUserMessage> {
  const payload = buildSbd({
    sender: parseParticipantId(SUPPLIER),
    receiver: parseParticipantId(BUYER),
    documentType: INVOICE.documentType,
    process: INVOICE.process,
    countryC1: 'BE',
    payload: { xml: invoice(`BENCH-${i}`) },
  });
  return buildUserMessage({
    header: {
      fromPartyId: SENDING_AP,
      toPartyId: RECEIVING_AP,
      processId: INVOICE.process.value,
      documentTypeId: INVOICE.documentType.value,
      originalSender: SUPPLIER,
      finalRecipient: BUYER,
    },
    payload: Buffer.from(payload),
    sender,
    receiverCertificate,
  });
}
