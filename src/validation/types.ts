/** Shared shapes of the validation layer: what the API, CLI and pipelines receive. */
import type { ErrorKind } from '../errors.js';
import type { XNode } from './dom.js';

export type ValidationLayer = 'PARSE' | 'XSD' | 'CEN' | 'PEPPOL';
export type Flag = 'fatal' | 'warning';

export interface ValidationIssue {
  layer: ValidationLayer;
  /** Rule id for schematron asserts (e.g. BR-CO-15, PEPPOL-EN16931-R003); 'XSD' / 'PARSE' otherwise. */
  id: string;
  /** PARSE issues: the catalogue's kind for the unusable input (malformed, DTD, encoding, size...). */
  error?: ErrorKind;
  flag: Flag;
  message: string;
  /** XPath of the context node, in the form SVRL uses (schematron layers). */
  location?: string;
  line?: number;
  column?: number;
}

export type UblDocumentKind = 'Invoice' | 'CreditNote';

export interface ValidationReport {
  /** True when no issue is fatal. */
  valid: boolean;
  /** Null when the root is not a UBL 2.1 Invoice or CreditNote (then an issue explains it). */
  documentKind: UblDocumentKind | null;
  issues: ValidationIssue[];
  /** Milliseconds spent, for logs and the console. */
  elapsedMs: number;
}

/**
 * What the API, the CLI and the pipelines validate with. Implementations compile their schemas and rules
 * once when built; validate() does no file access. Malformed XML is reported as a PARSE issue, not thrown.
 */
export interface DocumentValidator {
  validate(input: Buffer | string): ValidationReport;
  /**
   * validate(), also handing back the root element of the validator's own parse (null when the document
   * did not parse), so that a caller reads fields of the document without parsing it a second time.
   */
  validateParsed?(input: Buffer | string): { report: ValidationReport; root: XNode | null };
}
