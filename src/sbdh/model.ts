/** The Standard Business Document Header as Peppol profiles it (Business Message Envelope 2.0.1, reference §3). */
import type { DocumentTypeIdentifier, ParticipantIdentifier, ProcessIdentifier } from '../peppol/identifiers.js';

export const SBDH_NS = 'http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader';
/** Wrappers for non-XML business documents (BinaryContent, TextContent). */
export const PEPPOL_ENVELOPE_NS = 'http://peppol.eu/xsd/ticc/envelope/1.0';
export const SBDH_HEADER_VERSION = '1.0';
/**
 * Bytes an SBD may take up to the end of its header. Not a limit of the specification: a bound on work and
 * memory (a real header is 1 to 3 KB; a 15 MB one of 200,000 Scope elements was parsed before this).
 */
export const MAX_SBDH_HEADER_BYTES = 1024 * 1024;

export type MlsType = 'FAILURE_ONLY' | 'ALWAYS_SEND';

export interface DocumentIdentification {
  /** Payload root namespace, e.g. urn:oasis:names:specification:ubl:schema:xsd:Invoice-2. */
  standard: string;
  typeVersion: string;
  /** Unique per message (a UUID); the correlation key for MLS, reporting and duplicate detection. */
  instanceIdentifier: string;
  /** Payload root local name, e.g. Invoice. */
  type: string;
  /** xs:dateTime with time zone, as written in the header. */
  creationDateAndTime: string;
}

export interface SbdhHeader {
  headerVersion: string;
  sender: ParticipantIdentifier;
  receiver: ParticipantIdentifier;
  documentIdentification: DocumentIdentification;
  documentType: DocumentTypeIdentifier;
  process: ProcessIdentifier;
  /** ISO 3166-1 alpha-2 country of C1. */
  countryC1: string;
  mlsTo?: ParticipantIdentifier;
  mlsType?: MlsType;
}

/** What the business document after the header is. */
export type SbdPayloadInfo =
  | { kind: 'xml'; namespace: string; localName: string }
  | { kind: 'binary'; mimeType: string; encoding?: string; size: number }
  | { kind: 'text'; mimeType: string; encoding?: string; size: number };

/** One failed check; `field` names the header field (path below StandardBusinessDocumentHeader). */
export interface SbdhIssue {
  field: string;
  message: string;
}
