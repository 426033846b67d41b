/**
 * The thin JSON payload of a Standard Webhooks message, `{type, timestamp, data}`: what happened to which
 * document, never the document itself (the receiver fetches what it needs through the API).
 */
import { randomUUID } from 'node:crypto';
import { TEST_EVENT_TYPE } from './event-types.js';

export interface DocumentEventData {
  eventId: string;
  documentId: string;
  direction: 'outbound' | 'inbound';
  status: string;
  previousStatus: string | null;
  /** response.received: the business status the Invoice Response left the invoice in. */
  businessStatus?: string;
  /** response.received, mls.received: the code (AB ... PD; AP, AB, RE), the response document and what it says. */
  response?: { code: string; documentId: string; reason: string | null };
}

/** The message id of an event's webhook: the same in every attempt, to every endpoint and in a replay, so receivers can de-duplicate. */
export const webhookIdOf = (eventId: string): string => `msg_evt_${eventId}`;

export function documentMessage(type: string, at: Date, data: DocumentEventData): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data });
}

export function testMessage(endpointId: string, now: Date): { webhookId: string; type: string; body: string } {
  return { webhookId: `msg_test_${randomUUID()}`, type: TEST_EVENT_TYPE, body: JSON.stringify({ type: TEST_EVENT_TYPE, timestamp: now.toISOString(), data: { endpointId } }) };
}
