/** Peppol business responses: build and read Invoice Responses (BIS 63) and Message Level Status (MLS 1.0). */
export * from './codes.js';
export type { ApplicationResponseKind, InvoiceResponse, MessageLevelStatus, MlsLineResponse, ResponseParty, StatusClarification, StatusCondition } from './model.js';
export { buildInvoiceResponse } from './invoice-response.js';
export { buildMessageLevelStatus } from './mls.js';
export { applicationResponseKind, readInvoiceResponse, readMessageLevelStatus } from './read.js';
