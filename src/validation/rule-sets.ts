/**
 * The rule-set registry: which schematron rules judge a document, and from which day. The document types
 * (how a document is recognised, which UBL schema checks it) are fixed by the Peppol specifications and
 * defined here; their releases (layers, files, effective dates) come from the installed artifacts
 * manifest, so that a new release is installed beside the current one by a manifest change alone and
 * takes effect on its date.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApError } from '../errors.js';
import { nameKey, type XNode } from './dom.js';
import { SCHEMATRON_LAYERS, type RuleSetRef, type SchematronLayer, type DocumentKind } from './types.js';

const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
const APPLICATION_RESPONSE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2';
const CUSTOMIZATION_ID = nameKey(CBC, 'CustomizationID');
/** Peppol BIS Invoice Response 3 (T111): the start of its CustomizationID (later 3.x versions included). */
export const INVOICE_RESPONSE_CUSTOMIZATION = 'urn:fdc:peppol.eu:poacc:trns:invoice_response:3';
/** Peppol Message Level Status 1.0: its CustomizationID. */
export const MLS_CUSTOMIZATION = 'urn:peppol:edec:mls:1.0';

/** Peppol Reporting (TSR 1.0, EUSR 1.1): recognised by root element and namespace, as the reference's rules select them. */
const REPORT_ROOTS = {
  tsr: { local: 'TransactionStatisticsReport', ns: 'urn:fdc:peppol:transaction-statistics-report:1.0' },
  eusr: { local: 'EndUserStatisticsReport', ns: 'urn:fdc:peppol:end-user-statistics-report:1.1' },
} as const;

export const DOCUMENT_TYPES = ['billing', 'invoice-response', 'mls', 'tsr', 'eusr'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

const SUPPORTED =
  `UBL Invoice and CreditNote (billing), ApplicationResponse with a CustomizationID starting ${INVOICE_RESPONSE_CUSTOMIZATION} ` +
  `(invoice-response) or equal to ${MLS_CUSTOMIZATION} (mls), {${REPORT_ROOTS.tsr.ns}}${REPORT_ROOTS.tsr.local} (tsr), ` +
  `{${REPORT_ROOTS.eusr.ns}}${REPORT_ROOTS.eusr.local} (eusr)`;

export interface RecognisedDocument {
  documentType: DocumentType;
  /** The main schema the document is checked against (UBL 2.1, or the report's own). */
  xsdRoot: DocumentKind;
}

/** The root's cbc:CustomizationID, whitespace-normalised (XML whitespace only), or null when it has none. */
export function customizationId(root: XNode): string | null {
  const el = root.elems.find((e) => e.key === CUSTOMIZATION_ID);
  return el ? el.stringValue().replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '') : null;
}

/** The document type of a root element, or null when no rule set is for it; the reference decides the same way. */
export function recognise(root: XNode): RecognisedDocument | null {
  // Invoice and CreditNote by local name: in another namespace the billing rules still run and the XSD layer says what is wrong.
  if (root.local === 'Invoice' || root.local === 'CreditNote') return { documentType: 'billing', xsdRoot: root.local };
  for (const type of ['tsr', 'eusr'] as const) {
    const r = REPORT_ROOTS[type];
    if (root.local === r.local && root.ns === r.ns) return { documentType: type, xsdRoot: r.local };
  }
  if (root.local !== 'ApplicationResponse' || root.ns !== APPLICATION_RESPONSE_NS) return null;
  const c = customizationId(root);
  if (c?.startsWith(INVOICE_RESPONSE_CUSTOMIZATION)) return { documentType: 'invoice-response', xsdRoot: 'ApplicationResponse' };
  if (c === MLS_CUSTOMIZATION) return { documentType: 'mls', xsdRoot: 'ApplicationResponse' };
  return null;
}

/** The message of an unsupported document: its root and, for an ApplicationResponse, its CustomizationID. */
export function unsupportedMessage(root: XNode): string {
  let what = `root element ${root.ns ? `{${root.ns}}` : ''}${root.local}`;
  if (root.local === 'ApplicationResponse') {
    const c = customizationId(root);
    what += c === null ? ', no CustomizationID' : `, CustomizationID '${c}'`;
  }
  return `Unsupported document: ${what}; supported: ${SUPPORTED}`;
}

/** One installed release of a document type's rules. */
export interface RuleSetRelease {
  /** What the reports it judges name. */
  ref: RuleSetRef;
  /** Its schematron files, in the order they run. */
  layers: { layer: SchematronLayer; file: string }[];
}

/** Per document type, its installed releases, the latest effectiveFrom first. */
export type RuleSetRegistry = ReadonlyMap<DocumentType, readonly RuleSetRelease[]>;

/** The manifest fields the registry reads (the artifacts step reads the rest). */
interface ManifestEntry {
  name: string;
  target: string;
  documentType?: string;
  layer?: string;
  release?: string;
  effectiveFrom?: string;
  files: { path: string }[];
}

const isDay = (s: unknown): s is string => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

function bad(message: string): never {
  throw new ApError('validation.artifacts-missing', message);
}

/**
 * Reads the releases `schematronDir/manifest.json` lists: each entry with a `documentType` is one layer
 * (`layer`, its one `.sch` file) of the release `release` of that type, in force from `effectiveFrom`.
 * Throws ApError('validation.artifacts-missing') on a missing manifest or file, or an inconsistent entry.
 */
export function readRuleSets(schematronDir: string): RuleSetRegistry {
  const manifestFile = join(schematronDir, 'manifest.json');
  if (!existsSync(manifestFile)) bad(`${manifestFile} not found; run \`npm run artifacts\``);
  const entries = (JSON.parse(readFileSync(manifestFile, 'utf8')) as { artifacts: ManifestEntry[] }).artifacts;
  const byType = new Map<DocumentType, Map<string, RuleSetRelease>>();
  for (const e of entries) {
    if (e.documentType === undefined) continue; // examples: no rules
    const where = `${manifestFile}, "${e.name}"`;
    const type = DOCUMENT_TYPES.find((t) => t === e.documentType) ?? bad(`${where}: documentType '${e.documentType}' is none of ${DOCUMENT_TYPES.join(', ')}`);
    const layer = SCHEMATRON_LAYERS.find((l) => l === e.layer) ?? bad(`${where}: layer '${e.layer}' is none of ${SCHEMATRON_LAYERS.join(', ')}`);
    if (!e.release) bad(`${where}: no release`);
    if (!isDay(e.effectiveFrom)) bad(`${where}: effectiveFrom '${e.effectiveFrom}' is not a YYYY-MM-DD date`);
    const sch = e.files.filter((f) => f.path.endsWith('.sch'));
    if (sch.length !== 1) bad(`${where}: ${sch.length} .sch files; a layer has exactly one`);
    const file = join(schematronDir, e.target, sch[0]!.path);
    if (!existsSync(file)) bad(`${file} not found; run \`npm run artifacts\``);
    const releases = byType.get(type) ?? new Map<string, RuleSetRelease>();
    byType.set(type, releases);
    const r = releases.get(e.release) ?? { ref: { documentType: type, release: e.release, effectiveFrom: e.effectiveFrom, layers: [] }, layers: [] };
    releases.set(e.release, r);
    if (r.ref.effectiveFrom !== e.effectiveFrom) bad(`${where}: effectiveFrom ${e.effectiveFrom} differs from ${r.ref.effectiveFrom} of another layer of ${type} ${e.release}`);
    if (r.ref.layers.includes(layer)) bad(`${where}: ${type} ${e.release} has two ${layer} layers`);
    r.ref.layers.push(layer);
    r.layers.push({ layer, file });
  }
  const registry = new Map<DocumentType, RuleSetRelease[]>();
  for (const [type, releases] of byType) {
    const list = [...releases.values()].sort((a, b) => (a.ref.effectiveFrom < b.ref.effectiveFrom ? 1 : -1));
    for (let i = 1; i < list.length; i++) {
      if (list[i]!.ref.effectiveFrom === list[i - 1]!.ref.effectiveFrom)
        bad(`${manifestFile}: ${type} releases ${list[i - 1]!.ref.release} and ${list[i]!.ref.release} both take effect on ${list[i]!.ref.effectiveFrom}`);
    }
    registry.set(type, list);
  }
  return registry;
}

/** The release in force on `day` (YYYY-MM-DD): the latest effectiveFrom not after it; null before the first. */
export function releaseOn<R extends { ref: RuleSetRef }>(releases: readonly R[], day: string): R | null {
  for (const r of releases) if (r.ref.effectiveFrom <= day) return r;
  return null;
}
