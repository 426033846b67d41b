/**
 * Building a Standard Business Document: the Peppol header around an XML business document, or around
 * binary/text content in the Peppol BinaryContent/TextContent wrapper. The payload text is embedded as is
 * (minus its XML declaration), so building costs one string concatenation, not a parse.
 */
import { randomUUID } from 'node:crypto';
import { ApError } from '../errors.js';
import {
  PARTICIPANT_SCHEME,
  xmlDocumentTypeParts,
  type DocumentTypeIdentifier,
  type ParticipantIdentifier,
  type ProcessIdentifier,
} from '../peppol/identifiers.js';
import { assertNoDtd, decodeXml } from '../xml/decode.js';
import { PEPPOL_ENVELOPE_NS, SBDH_HEADER_VERSION, SBDH_NS, type MlsType } from './model.js';

export type SbdPayload =
  | { xml: string | Buffer }
  | { binary: Buffer; mimeType: string }
  | { text: string; mimeType: string };

export interface BuildSbdOptions {
  sender: ParticipantIdentifier;
  receiver: ParticipantIdentifier;
  documentType: DocumentTypeIdentifier;
  process: ProcessIdentifier;
  countryC1: string;
  payload: SbdPayload;
  /** Default: a new UUID. */
  instanceIdentifier?: string;
  /** Default: now, in UTC. */
  creationDateAndTime?: Date;
  mlsTo?: ParticipantIdentifier;
  mlsType?: MlsType;
  /**
   * Standard / Type / TypeVersion. Default: taken from an XML document type identifier
   * (`<ns>::<root>##<customization>::<version>`); required for other document types.
   */
  documentIdentification?: { standard: string; type: string; typeVersion: string };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Drops the XML declaration so the payload can be embedded as an element. */
function payloadElementText(xml: string | Buffer): string {
  const text = decodeXml(xml);
  assertNoDtd(text);
  return text.replace(/^\s*<\?xml[^?]*\?>\s*/, '');
}

/** An xs:dateTime in UTC with milliseconds dropped, e.g. 2026-11-28T14:00:00Z. */
function dateTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function buildSbd(o: BuildSbdOptions): string {
  const parts = xmlDocumentTypeParts(o.documentType.value);
  const ident = o.documentIdentification ?? (parts && { standard: parts.rootNamespace, type: parts.localName, typeVersion: parts.version });
  if (!ident) {
    throw new ApError('sbdh.invalid', 'Standard, Type and TypeVersion are needed for a document type that does not name its XML root', {
      field: 'DocumentIdentification',
    });
  }
  if (!/^[A-Z]{2}$/.test(o.countryC1)) {
    throw new ApError('sbdh.invalid', `COUNTRY_C1 '${o.countryC1}' is not an ISO 3166-1 alpha-2 code`, {
      field: 'BusinessScope/Scope[COUNTRY_C1]/InstanceIdentifier',
    });
  }
  const scope = (type: string, value: string, identifier?: string) =>
    `<Scope><Type>${type}</Type><InstanceIdentifier>${esc(value)}</InstanceIdentifier>${identifier ? `<Identifier>${esc(identifier)}</Identifier>` : ''}</Scope>`;

  let body: string;
  if ('xml' in o.payload) {
    body = payloadElementText(o.payload.xml);
  } else if ('binary' in o.payload) {
    body = `<BinaryContent xmlns="${PEPPOL_ENVELOPE_NS}" mimeType="${esc(o.payload.mimeType)}">${o.payload.binary.toString('base64')}</BinaryContent>`;
  } else {
    body = `<TextContent xmlns="${PEPPOL_ENVELOPE_NS}" mimeType="${esc(o.payload.mimeType)}">${esc(o.payload.text)}</TextContent>`;
  }

  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<StandardBusinessDocument xmlns="${SBDH_NS}">` +
    `<StandardBusinessDocumentHeader>` +
    `<HeaderVersion>${SBDH_HEADER_VERSION}</HeaderVersion>` +
    `<Sender><Identifier Authority="${PARTICIPANT_SCHEME}">${esc(o.sender.value)}</Identifier></Sender>` +
    `<Receiver><Identifier Authority="${PARTICIPANT_SCHEME}">${esc(o.receiver.value)}</Identifier></Receiver>` +
    `<DocumentIdentification>` +
    `<Standard>${esc(ident.standard)}</Standard>` +
    `<TypeVersion>${esc(ident.typeVersion)}</TypeVersion>` +
    `<InstanceIdentifier>${esc(o.instanceIdentifier ?? randomUUID())}</InstanceIdentifier>` +
    `<Type>${esc(ident.type)}</Type>` +
    `<CreationDateAndTime>${dateTime(o.creationDateAndTime ?? new Date())}</CreationDateAndTime>` +
    `</DocumentIdentification>` +
    `<BusinessScope>` +
    scope('DOCUMENTID', o.documentType.value, o.documentType.scheme) +
    scope('PROCESSID', o.process.value, o.process.scheme) +
    scope('COUNTRY_C1', o.countryC1) +
    (o.mlsTo ? scope('MLS_TO', o.mlsTo.value, o.mlsTo.scheme) : '') +
    (o.mlsType ? scope('MLS_TYPE', o.mlsType) : '') +
    `</BusinessScope>` +
    `</StandardBusinessDocumentHeader>` +
    body +
    `</StandardBusinessDocument>`
  );
}

/** Stands for the payload in the SBD text, which is then cut around it. */
const PAYLOAD_MARK = '<PayloadMark/>';
/** The XML declaration (with a byte order mark) and white space before a document's root, as latin1 text. */
const PROLOG = /^(?:\xef\xbb\xbf)?\s*<\?xml[^?]*\?>\s*/;
/** A document's prolog is read within this many bytes to drop its declaration. */
const PROLOG_BYTES = 1024;

/**
 * buildSbd around an XML document read as a stream (a large one): the header, the document's chunks
 * with their XML declaration dropped, the end tags. The prolog is checked as buildSbd checks it (no DTD).
 */
export async function* streamSbd(o: Omit<BuildSbdOptions, 'payload'>, document: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
  const [head, tail] = buildSbd({ ...o, payload: { xml: PAYLOAD_MARK } }).split(PAYLOAD_MARK) as [string, string];
  yield Buffer.from(head, 'utf8');
  let prolog: Buffer | null = Buffer.alloc(0);
  for await (const chunk of document) {
    if (!prolog) {
      yield chunk;
      continue;
    }
    prolog = Buffer.concat([prolog, chunk]);
    if (prolog.length < PROLOG_BYTES) continue;
    yield stripProlog(prolog);
    prolog = null;
  }
  if (prolog) yield stripProlog(prolog);
  yield Buffer.from(tail, 'utf8');
}

function stripProlog(start: Buffer): Buffer {
  assertNoDtd(start.toString('utf8', 0, Math.min(start.length, PROLOG_BYTES)));
  const m = PROLOG.exec(start.toString('latin1', 0, Math.min(start.length, PROLOG_BYTES)));
  return m ? start.subarray(m[0].length) : start;
}
