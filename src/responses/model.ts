/**
 * The business responses as plain data: what a caller fills in to build one and what reading one gives
 * back. Reading keeps only these fields, so read(build(x)) equals x.
 */
import type { MlsCode, MlsReason, ResponseCode } from './codes.js';

export interface ResponseParty {
  /** 'ICD:value', e.g. '0208:0123456789': written as cbc:EndpointID with the ICD as schemeID. */
  id: string;
  /** cac:PartyLegalEntity/cbc:RegistrationName; required in an Invoice Response (T111 B00802, B01401). */
  name?: string;
}

/** A cac:Condition of a clarification: which data is meant (a BT number or a name) and its value. */
export interface StatusCondition {
  attributeId: string;
  description?: string;
}

/** One coded clarification: a cac:Status with cbc:StatusReasonCode, its list as listID, and a reason text. */
export interface StatusClarification {
  listId: 'OPStatusReason' | 'OPStatusAction';
  code: string;
  text?: string;
  conditions?: StatusCondition[];
}

export interface InvoiceResponse {
  id: string;
  issueDate: string;
  issueTime?: string;
  note?: string;
  /** The buyer who answers. */
  sender: ResponseParty;
  /** The supplier. */
  receiver: ResponseParty;
  responseCode: ResponseCode;
  effectiveDate?: string;
  clarifications: StatusClarification[];
  /**
   * Clarifications given as text only: a cac:Status with a cbc:StatusReason and no code (BIS 63 use case
   * 2b, "in process but postponed"). Written after the coded ones.
   */
  textClarifications?: string[];
  /** The invoice or credit note answered; typeCode is its UNCL1001 type (380, 381, ...). */
  document: { id: string; issueDate?: string; typeCode: string };
}

export interface MlsLineResponse {
  /** Where the issue is: an XPath of the answered document, or 'NA' when there is none. */
  lineId: string;
  description: string;
  reason: MlsReason;
}

export interface MessageLevelStatus {
  id: string;
  issueDate: string;
  /** With a time zone (SCH-MLS-06). */
  issueTime: string;
  /** C3, '0242:<seat digits>'. */
  sender: ResponseParty;
  /** C2, '0242:<seat digits>'. */
  receiver: ResponseParty;
  responseCode: MlsCode;
  description?: string;
  /** The SBDH InstanceIdentifier of the message answered. */
  referencedInstanceId: string;
  /** At least one failure (SV, BV, FD) when RE; only warnings (BW), if any, otherwise (SCH-MLS-23 to 25). */
  lines: MlsLineResponse[];
}

export type ApplicationResponseKind = 'invoice-response' | 'mls';
