/**
 * Peppol identifiers (Policy for use of Identifiers 4.4.0, peppol-reference §2): participant, document
 * type and process identifiers, their normal forms, and the percent-encoding used in SMP URLs.
 *
 * Participant values are case-insensitive: they are normalised to lower case, which is also the form the
 * SML hash is computed on. Document type and process values are case-sensitive and kept as they are.
 */
import { ApError } from '../errors.js';

export const PARTICIPANT_SCHEME = 'iso6523-actorid-upis';
export const DOCTYPE_SCHEME = 'busdox-docid-qns';
/** Wildcard document type scheme (Policy 4.x); listed so SMP responses using it are understood. */
export const DOCTYPE_WILDCARD_SCHEME = 'peppol-doctype-wildcard';
export const PROCESS_SCHEME = 'cenbii-procid-ubl';

const MAX_PARTICIPANT_VALUE = 135;
const MAX_DOCTYPE_VALUE = 500;
const MAX_PROCESS_VALUE = 200;
/** Policy for use of Identifiers: an identifier scheme is at most 25 characters. */
const MAX_SCHEME_LENGTH = 25;

export interface ParticipantIdentifier {
  scheme: string;
  /** `ICD:id`, lower case, e.g. `0208:0123456749`. */
  value: string;
}

export interface DocumentTypeIdentifier {
  scheme: string;
  /** Case-sensitive, e.g. `urn:oasis:...:Invoice-2::Invoice##urn:cen.eu:en16931:2017#...::2.1`. */
  value: string;
}

export interface ProcessIdentifier {
  scheme: string;
  value: string;
}

/** The parts of an XML document type value `<root ns>::<local name>##<customization>::<version>`. */
export interface XmlDocumentTypeParts {
  rootNamespace: string;
  localName: string;
  customizationId: string;
  version: string;
}

function invalid(message: string, details: Record<string, unknown>): never {
  throw new ApError('identifier.invalid', message, details);
}

function hasControlOrSpace(s: string): boolean {
  return /[\s\u0000-\u001f\u007f]/.test(s);
}

/** Splits `scheme::value`; input without `::` takes the default scheme. */
function splitScheme(text: string, defaultScheme: string): { scheme: string; value: string } {
  const trimmed = text.trim();
  const i = trimmed.indexOf('::');
  if (i < 0) return { scheme: defaultScheme, value: trimmed };
  return { scheme: trimmed.slice(0, i), value: trimmed.slice(i + 2) };
}

/** Mod-97 check of a Belgian enterprise number: the last two digits are 97 - (first eight mod 97). */
export function isValidBelgianEnterpriseNumber(digits: string): boolean {
  if (!/^[01]\d{9}$/.test(digits)) return false;
  const check = 97 - (Number(digits.slice(0, 8)) % 97);
  return check === Number(digits.slice(8));
}

const BELGIAN_FORMS = /^(?:0208:(\d{10})|9925:be(\d{10}))$/i;

/** The enterprise number a Belgian participant identifier carries (0208:<n>, 9925:BE<n>), else null. */
export function belgianEnterpriseNumber(p: ParticipantIdentifier): string | null {
  const m = BELGIAN_FORMS.exec(p.value);
  return m ? (m[1] ?? m[2])! : null;
}

/** The other Belgian form of the same company (0208:<n> ⇄ 9925:be<n>), or null. */
export function otherBelgianForm(p: ParticipantIdentifier): ParticipantIdentifier | null {
  const m = BELGIAN_FORMS.exec(p.value);
  if (!m) return null;
  return { scheme: p.scheme, value: m[1] ? `9925:be${m[1]}` : `0208:${m[2]}` };
}

/** Scheme-specific checks for the Belgian ICDs (reference §2; 0208 is PEPPOL-COMMON-R043). */
function checkBelgianScheme(icd: string, id: string, full: string): void {
  if (icd === '0208') {
    if (!/^\d{10}$/.test(id)) {
      invalid(`0208 (Belgian enterprise number) must be 10 digits, got '${id}'`, { identifier: full, rule: '0208-format' });
    }
    if (!isValidBelgianEnterpriseNumber(id)) {
      invalid(`0208 enterprise number '${id}' fails the mod-97 check`, { identifier: full, rule: '0208-mod97' });
    }
  } else if (icd === '9925') {
    if (!/^be\d{10}$/.test(id)) {
      invalid(`9925 (Belgian VAT) must be 'be' followed by 10 digits, got '${id}'`, { identifier: full, rule: '9925-format' });
    }
  }
}

/**
 * Parses `iso6523-actorid-upis::0208:0123456749` (or `0208:0123456749`, taking the Peppol scheme),
 * checking the ICD syntax and the Belgian schemes. Throws ApError('identifier.invalid').
 */
export function parseParticipantId(text: string): ParticipantIdentifier {
  const { scheme, value: rawValue } = splitScheme(text, PARTICIPANT_SCHEME);
  if (scheme.toLowerCase() !== PARTICIPANT_SCHEME) {
    invalid(`Unsupported participant identifier scheme '${scheme}' (expected ${PARTICIPANT_SCHEME})`, { identifier: text });
  }
  const value = rawValue.toLowerCase();
  if (value.length === 0) invalid('Participant identifier value is empty', { identifier: text });
  if (value.length > MAX_PARTICIPANT_VALUE) {
    invalid(`Participant identifier value is longer than ${MAX_PARTICIPANT_VALUE} characters`, { identifier: text });
  }
  if (hasControlOrSpace(value)) invalid('Participant identifier contains white space or control characters', { identifier: text });
  const m = /^(\d{4}):(.+)$/.exec(value);
  if (!m) invalid(`Participant identifier value '${rawValue}' is not 'ICD:id' with a 4-digit ICD`, { identifier: text });
  checkBelgianScheme(m[1]!, m[2]!, text);
  return { scheme: PARTICIPANT_SCHEME, value };
}

/** Parses `busdox-docid-qns::<value>` (or a bare value, taking busdox-docid-qns). */
export function parseDocumentTypeId(text: string): DocumentTypeIdentifier {
  const { scheme, value } = splitScheme(text, DOCTYPE_SCHEME);
  if (scheme !== DOCTYPE_SCHEME && scheme !== DOCTYPE_WILDCARD_SCHEME) {
    invalid(`Unsupported document type identifier scheme '${scheme}'`, { identifier: text });
  }
  if (value.length === 0) invalid('Document type identifier value is empty', { identifier: text });
  if (value.length > MAX_DOCTYPE_VALUE) {
    invalid(`Document type identifier value is longer than ${MAX_DOCTYPE_VALUE} characters`, { identifier: text });
  }
  if (hasControlOrSpace(value)) invalid('Document type identifier contains white space or control characters', { identifier: text });
  return { scheme, value };
}

/**
 * Parses `<scheme>::<value>` (or a bare value, taking cenbii-procid-ubl). Every Peppol process today uses
 * cenbii-procid-ubl, but the envelope and SMP specifications carry the scheme as data and the reference
 * implementation accepts any well-formed one, so any scheme is taken here; one we serve no process under
 * simply matches no SMP entry (PEPPOL:NOT_SERVICED), the answer the specification gives.
 */
export function parseProcessId(text: string): ProcessIdentifier {
  const { scheme, value } = splitScheme(text, PROCESS_SCHEME);
  if (scheme.length === 0 || scheme.length > MAX_SCHEME_LENGTH || hasControlOrSpace(scheme)) {
    invalid(`Process identifier scheme '${scheme}' is not 1 to ${MAX_SCHEME_LENGTH} characters without white space`, { identifier: text });
  }
  if (value.length === 0) invalid('Process identifier value is empty', { identifier: text });
  if (value.length > MAX_PROCESS_VALUE) invalid(`Process identifier value is longer than ${MAX_PROCESS_VALUE} characters`, { identifier: text });
  if (hasControlOrSpace(value)) invalid('Process identifier contains white space or control characters', { identifier: text });
  return { scheme, value };
}

/**
 * Splits an XML document type value into root namespace, local name, customization and version, or
 * returns null for values that do not follow that pattern (non-XML business documents).
 */
export function xmlDocumentTypeParts(value: string): XmlDocumentTypeParts | null {
  const hash = value.indexOf('##');
  if (hash < 0) return null;
  const left = value.slice(0, hash);
  const right = value.slice(hash + 2);
  const l = left.lastIndexOf('::');
  const r = right.lastIndexOf('::');
  if (l <= 0 || r <= 0) return null;
  const parts = {
    rootNamespace: left.slice(0, l),
    localName: left.slice(l + 2),
    customizationId: right.slice(0, r),
    version: right.slice(r + 2),
  };
  if (!parts.localName || !parts.version) return null;
  return parts;
}

/** `scheme::value`. */
export function formatId(id: { scheme: string; value: string }): string {
  return `${id.scheme}::${id.value}`;
}

/** Percent-encoded `scheme::value` for SMP URL path segments (`:` → %3A, `#` → %23, ...). */
export function encodeIdForUrl(id: { scheme: string; value: string }): string {
  return encodeURIComponent(formatId(id));
}

export function sameParticipant(a: ParticipantIdentifier, b: ParticipantIdentifier): boolean {
  return a.scheme.toLowerCase() === b.scheme.toLowerCase() && a.value.toLowerCase() === b.value.toLowerCase();
}

/** Document type and process identifiers compare case-sensitively on the value. */
export function sameId(a: { scheme: string; value: string }, b: { scheme: string; value: string }): boolean {
  return a.scheme.toLowerCase() === b.scheme.toLowerCase() && a.value === b.value;
}
