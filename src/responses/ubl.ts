/**
 * What both responses share: the UBL ApplicationResponse namespaces, the document head and the checks of
 * caller input made before anything is written.
 */
import { create } from 'xmlbuilder2';
import { ApError } from '../errors.js';

export const AR_NS = 'urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2';
export const CAC_NS = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2';
export const CBC_NS = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export type Builder = ReturnType<typeof create>;

/** A cac: child. */
export const cac = (parent: Builder, name: string): Builder => parent.ele(CAC_NS, `cac:${name}`);

/** A cbc: child with its text, and attributes such as schemeID or listID. */
export function cbc(parent: Builder, name: string, text: string, attributes?: Record<string, string>): Builder {
  parent.ele(CBC_NS, `cbc:${name}`, attributes).txt(text);
  return parent;
}

/** The root with the prefixes declared once, and the head every Peppol ApplicationResponse starts with. */
export function applicationResponse(head: { customization: string; profile: string; id: string; issueDate: string; issueTime?: string | undefined }): Builder {
  const root = create({ version: '1.0', encoding: 'UTF-8' })
    .ele(AR_NS, 'ApplicationResponse')
    .att(XMLNS_NS, 'xmlns:cac', CAC_NS)
    .att(XMLNS_NS, 'xmlns:cbc', CBC_NS);
  cbc(root, 'CustomizationID', head.customization);
  cbc(root, 'ProfileID', head.profile);
  cbc(root, 'ID', head.id);
  cbc(root, 'IssueDate', head.issueDate);
  if (head.issueTime !== undefined) cbc(root, 'IssueTime', head.issueTime);
  return root;
}

export const serialize = (root: Builder): string => root.end({ prettyPrint: true });

/** A caller error in what is to be built, or a document that cannot be read as the response it claims to be. */
export function invalid(what: string, message: string): never {
  throw new ApError('validation.invalid', `${what}: ${message}`);
}

// Characters XML 1.0 cannot carry, even escaped.
const NOT_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/**
 * A value to write as element text: a string with something besides white space (PEPPOL-COMMON-R001
 * forbids empty elements) and only characters XML can carry.
 */
export function checkText(what: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(what, `${field} must be a non-empty string`);
  if (NOT_XML.test(value)) invalid(what, `${field} contains a character XML cannot carry`);
  return value;
}

export function checkOptionalText(what: string, field: string, value: unknown): void {
  if (value !== undefined) checkText(what, field, value);
}

/** A calendar date written YYYY-MM-DD, without time zone (PEPPOL-COMMON-R030, SCH-MLS-04). */
export function checkDate(what: string, field: string, value: unknown): void {
  const m = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !d || d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3]))
    invalid(what, `${field} must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-](0\d|1[0-4]):[0-5]\d)?$/;

/** An xsd:time; with `zoned`, its time zone is required (SCH-MLS-06). */
export function checkTime(what: string, field: string, value: unknown, zoned: boolean): void {
  const m = typeof value === 'string' ? TIME.exec(value) : null;
  if (!m) invalid(what, `${field} must be a time HH:MM:SS, got ${JSON.stringify(value)}`);
  if (zoned && !m[3]) invalid(what, `${field} must carry a time zone (Z or ±HH:MM), got ${JSON.stringify(value)}`);
}

export function checkCode<T extends string>(what: string, field: string, value: unknown, list: readonly T[]): T {
  if (!list.includes(value as T)) invalid(what, `${field} must be one of ${list.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** Splits a party's 'ICD:value' into the schemeID and the EndpointID text. */
export function splitPartyId(what: string, field: string, id: unknown): { scheme: string; value: string } {
  const m = typeof id === 'string' ? /^(\d{4}):(\S+)$/.exec(id) : null;
  if (!m) invalid(what, `${field} must be 'ICD:value' with a 4-digit ICD, got ${JSON.stringify(id)}`);
  checkText(what, field, m[2]);
  return { scheme: m[1]!, value: m[2]! };
}
