/** Peppol AS4 message layer: MIME, ebMS 3 headers, WS-Security, receipts and error signals. */
export * from './mime/build.js';
export * from './mime/dump.js';
export * from './mime/message.js';
export { MultipartParser, parseMimeMessage, readMimeMessage, releaseSpool } from './mime/parse.js';
export {
  buildUserMessageXml,
  checkAgreement,
  checkPeppolHeaders,
  documentTypeOf,
  newMessageId,
  parseSignalMessage,
  parseUserMessage,
  type EbmsErrorEntry,
  type PartInfo,
  type Party,
  type PayloadDescription,
  type SignalMessage,
  type TypedValue,
  type UserMessage,
  type UserMessageInput,
} from './ebms.js';
export { inspectMessage, type CheckResult, type InspectOptions, type InspectReport } from './inspect.js';
export { DEFAULT_DECOMPRESSION_LIMITS, gunzipBounded, gzip, type DecompressionLimits } from './compression.js';
export { SpooledPayload } from './spooled-payload.js';
export { buildLargeUserMessage, type LargeOutboundUserMessage, type StreamedUserMessage } from './streamed-message.js';
export { type As4Identity, type NrReference } from './signature.js';
export { DEFAULT_ENVELOPE_LIMITS, MAX_ENVELOPE_DEPTH } from './envelope.js';
export {
  buildUserMessage,
  readUserMessage,
  type As4Message,
  type BuiltUserMessage,
  type InboundLimits,
  type OutboundUserMessage,
  type ReadUserMessageOptions,
  type ReceivedUserMessage,
} from './user-message.js';
export {
  buildErrorSignal,
  buildReceipt,
  compareNonRepudiation,
  errorFromApError,
  errorSignalFor,
  NOT_SERVICED,
  readSignal,
  SIGNAL_CONTENT_TYPE,
  sentMessageEvidence,
  type ErrorInput,
  type NrrCheck,
  type ReadSignal,
  type ReadSignalOptions,
} from './signals.js';
