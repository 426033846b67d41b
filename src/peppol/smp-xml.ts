/**
 * Peppol SMP 1.x ("busdox") documents (reference §6.2): ServiceGroup and (Signed)ServiceMetadata, written
 * by our SMP and read by the SMP client.
 */
import { ApError } from '../errors.js';
import {
  encodeIdForUrl,
  type DocumentTypeIdentifier,
  type ParticipantIdentifier,
  type ProcessIdentifier,
} from './identifiers.js';

export const SMP_NS = 'http://busdox.org/serviceMetadata/publishing/1.0/';
export const SMP_ID_NS = 'http://busdox.org/transport/identifiers/1.0/';
export const WSA_NS = 'http://www.w3.org/2005/08/addressing';
export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

export interface SmpEndpoint {
  transportProfile: string;
  /** wsa:EndpointReference/wsa:Address */
  address: string;
  requireBusinessLevelSignature: boolean;
  minimumAuthenticationLevel?: string;
  serviceActivationDate?: Date;
  serviceExpirationDate?: Date;
  /** DER of the AP certificate. */
  certificate: Buffer;
  serviceDescription: string;
  technicalContactUrl: string;
  technicalInformationUrl?: string;
}

export interface SmpProcess {
  process: ProcessIdentifier;
  endpoints: SmpEndpoint[];
}

export interface ServiceInformation {
  participant: ParticipantIdentifier;
  documentType: DocumentTypeIdentifier;
  processes: SmpProcess[];
}

export interface SmpRedirect {
  href: string;
  certificateUid: string;
}

export type ServiceMetadata = { kind: 'information'; information: ServiceInformation } | { kind: 'redirect'; redirect: SmpRedirect };

export interface ServiceGroup {
  participant: ParticipantIdentifier;
  /** href of each ServiceMetadataReference. */
  references: string[];
}

// --- writing -------------------------------------------------------------------------------------------

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
const idEl = (name: string, id: { scheme: string; value: string }) =>
  `<id:${name} scheme="${esc(id.scheme)}">${esc(id.value)}</id:${name}>`;
const xsDateTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The URL of a participant's service metadata for one document type, under an SMP base URL. */
export function serviceMetadataUrl(smpBaseUrl: string, participant: ParticipantIdentifier, documentType: DocumentTypeIdentifier): string {
  return `${smpBaseUrl.replace(/\/+$/, '')}/${encodeIdForUrl(participant)}/services/${encodeIdForUrl(documentType)}`;
}

export function serviceGroupUrl(smpBaseUrl: string, participant: ParticipantIdentifier): string {
  return `${smpBaseUrl.replace(/\/+$/, '')}/${encodeIdForUrl(participant)}`;
}

export function serviceGroupXml(smpBaseUrl: string, participant: ParticipantIdentifier, documentTypes: DocumentTypeIdentifier[]): string {
  const refs = documentTypes
    .map((d) => `<smp:ServiceMetadataReference href="${esc(serviceMetadataUrl(smpBaseUrl, participant, d))}"/>`)
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<smp:ServiceGroup xmlns:smp="${SMP_NS}" xmlns:id="${SMP_ID_NS}">` +
    idEl('ParticipantIdentifier', participant) +
    `<smp:ServiceMetadataReferenceCollection>${refs}</smp:ServiceMetadataReferenceCollection>` +
    `</smp:ServiceGroup>`
  );
}

function endpointXml(e: SmpEndpoint): string {
  return (
    `<smp:Endpoint transportProfile="${esc(e.transportProfile)}">` +
    `<wsa:EndpointReference><wsa:Address>${esc(e.address)}</wsa:Address></wsa:EndpointReference>` +
    `<smp:RequireBusinessLevelSignature>${e.requireBusinessLevelSignature}</smp:RequireBusinessLevelSignature>` +
    (e.minimumAuthenticationLevel ? `<smp:MinimumAuthenticationLevel>${esc(e.minimumAuthenticationLevel)}</smp:MinimumAuthenticationLevel>` : '') +
    (e.serviceActivationDate ? `<smp:ServiceActivationDate>${xsDateTime(e.serviceActivationDate)}</smp:ServiceActivationDate>` : '') +
    (e.serviceExpirationDate ? `<smp:ServiceExpirationDate>${xsDateTime(e.serviceExpirationDate)}</smp:ServiceExpirationDate>` : '') +
    `<smp:Certificate>${e.certificate.toString('base64')}</smp:Certificate>` +
    `<smp:ServiceDescription>${esc(e.serviceDescription)}</smp:ServiceDescription>` +
    `<smp:TechnicalContactUrl>${esc(e.technicalContactUrl)}</smp:TechnicalContactUrl>` +
    (e.technicalInformationUrl ? `<smp:TechnicalInformationUrl>${esc(e.technicalInformationUrl)}</smp:TechnicalInformationUrl>` : '') +
    `</smp:Endpoint>`
  );
}

/** An unsigned SignedServiceMetadata; the signer appends the enveloped ds:Signature to its root. */
export function signedServiceMetadataXml(metadata: ServiceMetadata): string {
  let inner: string;
  if (metadata.kind === 'redirect') {
    inner =
      `<smp:Redirect href="${esc(metadata.redirect.href)}">` +
      `<smp:CertificateUID>${esc(metadata.redirect.certificateUid)}</smp:CertificateUID></smp:Redirect>`;
  } else {
    const info = metadata.information;
    const processes = info.processes
      .map(
        (p) =>
          `<smp:Process>${idEl('ProcessIdentifier', p.process)}` +
          `<smp:ServiceEndpointList>${p.endpoints.map(endpointXml).join('')}</smp:ServiceEndpointList></smp:Process>`,
      )
      .join('');
    inner =
      `<smp:ServiceInformation>${idEl('ParticipantIdentifier', info.participant)}${idEl('DocumentIdentifier', info.documentType)}` +
      `<smp:ProcessList>${processes}</smp:ProcessList></smp:ServiceInformation>`;
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<smp:SignedServiceMetadata xmlns:smp="${SMP_NS}" xmlns:id="${SMP_ID_NS}" xmlns:wsa="${WSA_NS}">` +
    `<smp:ServiceMetadata>${inner}</smp:ServiceMetadata></smp:SignedServiceMetadata>`
  );
}

// --- reading -------------------------------------------------------------------------------------------

const ELEMENT_NODE = 1;

function kids(parent: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT_NODE && (n as Element).localName === localName && (n as Element).namespaceURI === ns) out.push(n as Element);
  }
  return out;
}

function bad(message: string): never {
  throw new ApError('smp.invalid-response', message);
}

function the(parent: Element, ns: string, localName: string): Element {
  const found = kids(parent, ns, localName);
  if (found.length !== 1) bad(`${parent.localName} must contain exactly one ${localName} (found ${found.length})`);
  return found[0]!;
}

function maybe(parent: Element, ns: string, localName: string): Element | undefined {
  const found = kids(parent, ns, localName);
  if (found.length > 1) bad(`${parent.localName} contains ${localName} more than once`);
  return found[0];
}

const txt = (e: Element) => (e.textContent ?? '').trim();

function readId(e: Element): { scheme: string; value: string } {
  const scheme = e.getAttribute('scheme');
  if (!scheme) bad(`${e.localName} has no scheme attribute`);
  return { scheme, value: txt(e) };
}

/** xs:dateTime; a value without time zone is taken as UTC. */
function readDate(e: Element | undefined, name: string): Date | undefined {
  if (!e) return undefined;
  const v = txt(e);
  const withZone = /(Z|[+-]\d{2}:\d{2})$/.test(v) || !v.includes('T') ? v : `${v}Z`;
  const d = new Date(withZone);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(d.getTime())) bad(`${name} '${v}' is not a date`);
  return d;
}

function readEndpoint(e: Element): SmpEndpoint {
  const transportProfile = e.getAttribute('transportProfile');
  if (!transportProfile) bad('Endpoint has no transportProfile');
  const ref = the(e, WSA_NS, 'EndpointReference');
  const cert = Buffer.from(txt(the(e, SMP_NS, 'Certificate')).replace(/\s+/g, ''), 'base64');
  if (cert.length === 0) bad('Endpoint Certificate is empty');
  const optional = (name: string) => {
    const el = maybe(e, SMP_NS, name);
    return el ? txt(el) : undefined;
  };
  const minimumAuthenticationLevel = optional('MinimumAuthenticationLevel');
  const technicalInformationUrl = optional('TechnicalInformationUrl');
  const serviceActivationDate = readDate(maybe(e, SMP_NS, 'ServiceActivationDate'), 'ServiceActivationDate');
  const serviceExpirationDate = readDate(maybe(e, SMP_NS, 'ServiceExpirationDate'), 'ServiceExpirationDate');
  return {
    transportProfile,
    address: txt(the(ref, WSA_NS, 'Address')),
    requireBusinessLevelSignature: txt(the(e, SMP_NS, 'RequireBusinessLevelSignature')) === 'true',
    ...(minimumAuthenticationLevel ? { minimumAuthenticationLevel } : {}),
    ...(serviceActivationDate ? { serviceActivationDate } : {}),
    ...(serviceExpirationDate ? { serviceExpirationDate } : {}),
    certificate: cert,
    serviceDescription: optional('ServiceDescription') ?? '',
    technicalContactUrl: optional('TechnicalContactUrl') ?? '',
    ...(technicalInformationUrl ? { technicalInformationUrl } : {}),
  };
}

/** Reads the ServiceMetadata of a SignedServiceMetadata document (the signature is checked elsewhere). */
export function readSignedServiceMetadata(doc: Document): ServiceMetadata {
  const root = doc.documentElement;
  if (root.localName !== 'SignedServiceMetadata' || root.namespaceURI !== SMP_NS) {
    bad(`Root element is ${root.localName}, expected SignedServiceMetadata`);
  }
  const sm = the(root, SMP_NS, 'ServiceMetadata');
  const redirect = maybe(sm, SMP_NS, 'Redirect');
  if (redirect) {
    const href = redirect.getAttribute('href');
    if (!href) bad('Redirect has no href');
    return { kind: 'redirect', redirect: { href, certificateUid: txt(the(redirect, SMP_NS, 'CertificateUID')) } };
  }
  const si = the(sm, SMP_NS, 'ServiceInformation');
  const participant = readId(the(si, SMP_ID_NS, 'ParticipantIdentifier'));
  const documentType = readId(the(si, SMP_ID_NS, 'DocumentIdentifier'));
  const processes = kids(the(si, SMP_NS, 'ProcessList'), SMP_NS, 'Process').map((p) => ({
    process: readId(the(p, SMP_ID_NS, 'ProcessIdentifier')),
    endpoints: kids(the(p, SMP_NS, 'ServiceEndpointList'), SMP_NS, 'Endpoint').map(readEndpoint),
  }));
  return { kind: 'information', information: { participant, documentType, processes } };
}

export function readServiceGroup(doc: Document): ServiceGroup {
  const root = doc.documentElement;
  if (root.localName !== 'ServiceGroup' || root.namespaceURI !== SMP_NS) bad(`Root element is ${root.localName}, expected ServiceGroup`);
  const participant = readId(the(root, SMP_ID_NS, 'ParticipantIdentifier'));
  const coll = maybe(root, SMP_NS, 'ServiceMetadataReferenceCollection');
  const references = coll
    ? kids(coll, SMP_NS, 'ServiceMetadataReference').map((r) => r.getAttribute('href') ?? bad('ServiceMetadataReference has no href'))
    : [];
  return { participant, references };
}

/** The document type identifier at the end of a ServiceMetadataReference href, or null. */
export function documentTypeFromReference(href: string): DocumentTypeIdentifier | null {
  const m = /\/services\/([^/?#]+)$/.exec(href);
  if (!m) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
  const i = decoded.indexOf('::');
  return i > 0 ? { scheme: decoded.slice(0, i), value: decoded.slice(i + 2) } : null;
}
