/**
 * The UBL 2.1 XSD layer. The main schemas (Invoice, CreditNote, ApplicationResponse) are compiled once, when the validator is
 * built, from the installed `ubl-schemas/` folder; validate() then parses the document with libxml2 (no
 * network, no external entities, default depth and size limits) and runs the compiled schema: no file
 * access and no schema work per document.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ParseOption,
  XmlBufferInputProvider,
  XmlDocument,
  XmlLibError,
  XmlValidateError,
  XsdValidator,
  xmlRegisterInputProvider,
  type ErrorDetail,
} from 'libxml2-wasm';
import { ApError } from '../errors.js';
import { assertNoDtd, decodeXml, DEFAULT_XML_LIMITS, type XmlLimits } from '../xml/decode.js';
import { prefixedNames } from './report-format.js';
import type { DocumentKind, DocumentValidator, ValidationIssue, ValidationReport } from './types.js';

/** The namespace of each root an installed schema checks (UBL 2.1 and the Peppol Reporting documents). */
export const UBL_NAMESPACES: Record<DocumentKind, string> = {
  Invoice: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  CreditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
  ApplicationResponse: 'urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2',
  TransactionStatisticsReport: 'urn:fdc:peppol:transaction-statistics-report:1.0',
  EndUserStatisticsReport: 'urn:fdc:peppol:end-user-statistics-report:1.1',
};

const MAIN_SCHEMAS: Record<DocumentKind, string> = {
  Invoice: 'maindoc/UBL-Invoice-2.1.xsd',
  CreditNote: 'maindoc/UBL-CreditNote-2.1.xsd',
  ApplicationResponse: 'maindoc/UBL-ApplicationResponse-2.1.xsd',
  TransactionStatisticsReport: 'reporting/peppol-transaction-statistics-reporting-1.0.1.xsd',
  EndUserStatisticsReport: 'reporting/peppol-end-user-statistics-reporting-1.1.xsd',
};
/** The folders of the schemas folder the main schemas and their imports live in. */
const SCHEMA_FOLDERS = ['maindoc', 'common', 'reporting'];

/**
 * No network, no external entities; keep line numbers above 65535 exact. Small text nodes stored
 * compactly (fewer allocations per parse): the tree is only read, never modified, before it is freed.
 */
const PARSE_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_BIG_LINES | ParseOption.XML_PARSE_COMPACT;

// libxml2 resolves the schemas' xsd:import/include through registered input providers. One in-memory
// provider serves the schema files while they compile (under a unique virtual folder per load), then
// forgets them; nothing on disk is ever reachable through it.
let schemaProvider: XmlBufferInputProvider | null = null;
let loads = 0;

/**
 * libxml2 refuses a date or time with leading or trailing whitespace when it is the simple content of a
 * complex type (UBL's udt:DateType, TimeType...), although these XSD types collapse whitespace before
 * their value is checked (XSD 1.1 part 2, 3.3.7 ff.: whiteSpace fixed to collapse); decimals and booleans
 * it collapses correctly. Such an error is rechecked on the collapsed value against the built-in type
 * alone, and dropped when that is valid: only on the error path, so valid documents pay nothing.
 */
const UNCOLLAPSED = /^Element '[^']*': '([\s\S]*)' is not a valid value of the atomic type 'xs:(date|time|dateTime|gYear|gYearMonth|gMonth|gMonthDay|gDay|duration)'\.$/;
const COLLAPSED_TYPES = ['date', 'time', 'dateTime', 'gYear', 'gYearMonth', 'gMonth', 'gMonthDay', 'gDay', 'duration'];
const XS = 'http://www.w3.org/2001/XMLSchema';

function issueFromDetail(layer: 'PARSE' | 'XSD', d: ErrorDetail): ValidationIssue {
  return {
    layer,
    id: layer,
    ...(layer === 'PARSE' ? { error: 'xml.malformed' as const } : {}),
    flag: d.level === 1 ? 'warning' : 'fatal',
    // libxml2 names elements in Clark notation; people read the prefixes UBL documents use.
    message: layer === 'XSD' ? prefixedNames(d.message.trim()) : d.message.trim(),
    ...(d.xpath ? { location: d.xpath } : {}),
    ...(d.line > 0 ? { line: d.line } : {}),
    ...(d.col > 0 ? { column: d.col } : {}),
  };
}

export class UblXsdValidator implements DocumentValidator {
  private constructor(
    private readonly validators: Map<DocumentKind, XsdValidator>,
    private readonly schemaDocs: XmlDocument[],
    private readonly limits: XmlLimits,
    /** One element per type of UNCOLLAPSED, named after it, for the recheck. */
    private readonly builtIns: XsdValidator,
  ) {}

  /** Whether an XSD error is libxml2's refusal of a whitespace-padded date or time that is valid once collapsed. */
  private collapsedValid(message: string): boolean {
    const m = UNCOLLAPSED.exec(message);
    if (!m) return false;
    const value = m[1]!.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '');
    if (value === m[1] || /[<&]/.test(value)) return false;
    const doc = XmlDocument.fromString(`<${m[2]}>${value}</${m[2]}>`);
    try {
      this.builtIns.validate(doc);
      return true;
    } catch (err) {
      if (err instanceof XmlValidateError) return false;
      throw err;
    } finally {
      doc.dispose();
    }
  }

  /**
   * Compiles the UBL 2.1 Invoice, CreditNote and ApplicationResponse schemas from `schemaDir` (layout: maindoc/, common/).
   * Throws ApError('validation.artifacts-missing') when the files are not installed.
   */
  static load(schemaDir: string, limits: XmlLimits = DEFAULT_XML_LIMITS): UblXsdValidator {
    for (const sub of SCHEMA_FOLDERS) {
      if (!existsSync(join(schemaDir, sub))) {
        throw new ApError(
          'validation.artifacts-missing',
          `UBL 2.1 and Peppol Reporting schemas not found in ${schemaDir} (missing ${sub}/); run \`npm run artifacts\``,
        );
      }
    }
    schemaProvider ??= (() => {
      const p = new XmlBufferInputProvider({});
      xmlRegisterInputProvider(p);
      return p;
    })();
    const root = `/peppol-ap-ubl-xsd-${++loads}/`;
    const names: string[] = [];
    for (const sub of SCHEMA_FOLDERS) {
      for (const f of readdirSync(join(schemaDir, sub))) {
        if (!f.endsWith('.xsd')) continue;
        schemaProvider.addBuffer(root + `${sub}/${f}`, readFileSync(join(schemaDir, sub, f)));
        names.push(root + `${sub}/${f}`);
      }
    }
    const validators = new Map<DocumentKind, XsdValidator>();
    const docs: XmlDocument[] = [];
    try {
      for (const kind of Object.keys(MAIN_SCHEMAS) as DocumentKind[]) {
        const url = root + MAIN_SCHEMAS[kind];
        if (!names.includes(url)) {
          throw new ApError('validation.artifacts-missing', `${MAIN_SCHEMAS[kind]} is missing in ${schemaDir}`);
        }
        const doc = XmlDocument.fromBuffer(readFileSync(join(schemaDir, MAIN_SCHEMAS[kind])), { url });
        docs.push(doc);
        validators.set(kind, XsdValidator.fromDoc(doc));
      }
    } catch (err) {
      for (const v of validators.values()) v.dispose();
      for (const d of docs) d.dispose();
      if (err instanceof ApError) throw err;
      throw new ApError('validation.artifacts-missing', `The UBL 2.1 schemas in ${schemaDir} do not compile: ${String(err)}`, undefined, {
        cause: err,
      });
    } finally {
      for (const n of names) schemaProvider.removeBuffer(n);
    }
    const builtInsDoc = XmlDocument.fromString(
      `<xs:schema xmlns:xs="${XS}">${COLLAPSED_TYPES.map((t) => `<xs:element name="${t}" type="xs:${t}"/>`).join('')}</xs:schema>`,
    );
    docs.push(builtInsDoc);
    return new UblXsdValidator(validators, docs, limits, XsdValidator.fromDoc(builtInsDoc));
  }

  /**
   * Checks a document against the UBL 2.1 schema of its root element. Malformed XML and an unknown root
   * come back as fatal issues; input that is not a document at all (empty, over the size limit, carrying a
   * DTD) is refused with an ApError, since there is nothing to report on.
   */
  validate(input: Buffer | string): ValidationReport {
    const started = performance.now();
    const text = decodeXml(input, this.limits);
    assertNoDtd(text);
    return this.validateDecoded(input, text, started);
  }

  /**
   * For a caller that has already decoded `input` (same size limit) and refused DTDs in `text`, as the
   * document validator's own parse does: a large invoice is then not decoded a second time. A caller
   * whose parse found a UBL root of a main schema passes `rootKind`, saving the read of the root
   * through libxml2 (two well-formed parses of one text agree on the root's name and namespace).
   */
  validateDecoded(input: Buffer | string, text: string, started = performance.now(), rootKind: DocumentKind | null = null): ValidationReport {
    const bytes = typeof input === 'string' ? Buffer.from(text) : input;
    const done = (documentKind: DocumentKind | null, issues: ValidationIssue[]): ValidationReport => ({
      valid: !issues.some((i) => i.flag === 'fatal'),
      documentKind,
      ruleSet: null,
      issues,
      elapsedMs: performance.now() - started,
    });

    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromBuffer(bytes, { option: PARSE_OPTIONS });
    } catch (err) {
      if (err instanceof XmlLibError) return done(null, err.details.map((d) => issueFromDetail('PARSE', d)));
      throw err;
    }
    try {
      let kind = rootKind;
      if (!kind) {
        const root = doc.root;
        kind = (Object.keys(UBL_NAMESPACES) as DocumentKind[]).find((k) => root.name === k && root.namespaceUri === UBL_NAMESPACES[k]) ?? null;
      }
      if (!kind) {
        const root = doc.root;
        return done(null, [
          {
            layer: 'XSD',
            id: 'XSD',
            flag: 'fatal',
            message: `The root element {${root.namespaceUri}}${root.name} is not a UBL 2.1 Invoice, CreditNote or ApplicationResponse, nor a Peppol TransactionStatisticsReport or EndUserStatisticsReport`,
            location: '/*',
            line: root.line,
          },
        ]);
      }
      try {
        this.validators.get(kind)!.validate(doc);
        return done(kind, []);
      } catch (err) {
        if (err instanceof XmlValidateError) return done(kind, err.details.filter((d) => !this.collapsedValid(d.message.trim())).map((d) => issueFromDetail('XSD', d)));
        throw err;
      }
    } finally {
      doc.dispose();
    }
  }

  /** Frees the compiled schemas (wasm memory). */
  close(): void {
    for (const v of this.validators.values()) v.dispose();
    this.builtIns.dispose();
    for (const d of this.schemaDocs) d.dispose();
    this.validators.clear();
  }
}
