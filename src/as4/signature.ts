/**
 * The WS-Security signature of Peppol AS4 (peppol-reference §4.3): one detached ds:Signature, exc-c14n,
 * RSA-SHA256, SHA-256 digests over eb:Messaging and the empty S12:Body (by wsu:Id) and over every
 * attachment (cid:, Attachment-Content-Signature-Transform, i.e. the gzipped octets before encryption);
 * the key is a BinarySecurityToken referenced from KeyInfo.
 *
 * Verification is split along the inbound checklist: `inspectSignature` (step 3: present, BST token,
 * allowed algorithms, references cover exactly the nodes that will be processed, compared by node
 * identity) and `verifySignature` (step 5: digests and SignatureValue), with the certificate check
 * (step 4) in between, done by the caller.
 */
import { createHash, randomUUID, sign as rsaSign, verify as rsaVerify, timingSafeEqual, type KeyObject, type X509Certificate } from 'node:crypto';
import { oneLineName } from '../pki/certificate.js';
import { ApError } from '../errors.js';
import { c14nAttr, excC14n } from './c14n.js';
import { attr, child, children, qname, text } from './dom.js';
import { cidOf } from './ebms.js';
import { NS } from './ns.js';
import { ALG } from './profile.js';
import { bstXml, resolveBst, strXml } from './tokens.js';

/** Our signing identity: key and certificate, parsed once at start-up. */
export interface As4Identity {
  privateKey: KeyObject;
  certificate: X509Certificate;
}

/** One ds:Reference of a signature, as kept for non-repudiation and compared against a receipt. */
export interface NrReference {
  uri: string;
  transforms: string[];
  digestMethod: string;
  /** Base64 without white space. */
  digestValue: string;
  /** The ds:Reference element in exclusive canonical form (self-contained XML). */
  xml: string;
}

/** An XML target is given by its exclusive canonical form (what the verifier's c14n yields in the envelope). */
export type SignedTarget = { uri: string; kind: 'xml'; canonical: string } | { uri: string; kind: 'attachment'; data: SignedAttachment };

const fail = (msg: string): never => {
  throw new ApError('security.failed-authentication', msg);
};

const sha256 = (data: string | Buffer): Buffer => createHash('sha256').update(data).digest();

/** cid: URI for a Content-ID (RFC 2392), escaping only what a URI cannot carry. */
export function cidUri(contentId: string): string {
  return 'cid:' + contentId.replace(/[^A-Za-z0-9@._~!$&'()*+,;=:-]/g, (c) => encodeURIComponent(c));
}

export function nrReferenceOf(ref: Element): NrReference {
  const transforms = children(child(ref, NS.DS, 'Transforms'), NS.DS, 'Transform').map((t) => attr(t, 'Algorithm') ?? '');
  return {
    uri: attr(ref, 'URI') ?? '',
    transforms,
    digestMethod: attr(child(ref, NS.DS, 'DigestMethod'), 'Algorithm') ?? '',
    digestValue: (text(child(ref, NS.DS, 'DigestValue')) ?? '').replace(/\s+/g, ''),
    xml: excC14n(ref),
  };
}

/**
 * The BinarySecurityToken and ds:Signature for the given targets, as XML text for wsse:Security
 * (wsse, wsu and S12 bound by ancestors), and the references for non-repudiation.
 */
export function signatureXml(signer: As4Identity, targets: SignedTarget[]): { xml: string; references: NrReference[] } {
  const bstId = `X509-${randomUUID()}`;
  // SignedInfo is written directly in exclusive canonical form (explicit end tags, c14n attribute escaping,
  // only ds used and declared on the apex), so it needs no parse and no c14n pass; the verifier's
  // canonicalization of the element inside the envelope yields these same octets.
  const refs: string[] = [];
  const references = targets.map((t): NrReference => {
    const transform = t.kind === 'xml' ? ALG.EXC_C14N : ALG.SWA_SIGNATURE;
    const digestValue = (t.kind === 'xml' ? sha256(t.canonical) : Buffer.isBuffer(t.data) ? sha256(t.data) : t.data.sha256).toString('base64');
    const inner =
      `<ds:Transforms><ds:Transform Algorithm="${transform}"></ds:Transform></ds:Transforms>` +
      `<ds:DigestMethod Algorithm="${ALG.SHA256}"></ds:DigestMethod><ds:DigestValue>${digestValue}</ds:DigestValue></ds:Reference>`;
    const open = (decl: string) => `<ds:Reference${decl} URI="${c14nAttr(t.uri)}">`;
    // Inside SignedInfo the ds declaration is inherited; on its own (non-repudiation) the Reference carries it.
    refs.push(open('') + inner);
    return { uri: t.uri, transforms: [transform], digestMethod: ALG.SHA256, digestValue, xml: open(` xmlns:ds="${NS.DS}"`) + inner };
  });
  const canonical =
    `<ds:SignedInfo xmlns:ds="${NS.DS}"><ds:CanonicalizationMethod Algorithm="${ALG.EXC_C14N}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${ALG.RSA_SHA256}"></ds:SignatureMethod>` +
    refs.join('') +
    '</ds:SignedInfo>';
  const value = rsaSign('sha256', Buffer.from(canonical, 'utf8'), signer.privateKey).toString('base64');
  const xml =
    bstXml(signer.certificate, bstId) +
    `<ds:Signature xmlns:ds="${NS.DS}" Id="SIG-${randomUUID()}">${canonical}<ds:SignatureValue>${value}</ds:SignatureValue>` +
    `<ds:KeyInfo>${strXml(bstId)}</ds:KeyInfo></ds:Signature>`;
  return { xml, references };
}

// ---------------------------------------------------------------------------------------------------------
// Verification

export interface CheckedReference extends NrReference {
  target: 'messaging' | 'body' | 'attachment';
  /** Content-ID for attachment references. */
  contentId: string | null;
  element: Element;
  /** Target element of a same-document reference. */
  targetElement: Element | null;
  inclusivePrefixes: string[];
}

export interface SignatureCheck {
  signature: Element;
  signedInfo: Element;
  signedInfoPrefixes: string[];
  signatureValue: Buffer;
  signer: X509Certificate;
  references: CheckedReference[];
}

export interface SignatureContext {
  ids: Map<string, Element>;
  security: Element | null;
  /** The eb:Messaging and S12:Body the processor will read. */
  messaging: Element;
  body: Element;
  /** Content-IDs of every attachment; each must be signed. */
  contentIds: string[];
}

function prefixList(parent: Element | null): string[] {
  const inc = child(parent, NS.EC, 'InclusiveNamespaces');
  return inc ? (attr(inc, 'PrefixList') ?? '').split(/\s+/).filter(Boolean) : [];
}

/** Step 3 of the inbound checklist for the signature: structure, token, algorithms and coverage. */
export function inspectSignature(ctx: SignatureContext): SignatureCheck {
  const sigs = children(ctx.security, NS.DS, 'Signature');
  if (sigs.length === 0) fail('The message is not signed: wsse:Security has no ds:Signature');
  if (sigs.length > 1) fail(`wsse:Security holds ${sigs.length} ds:Signature elements; exactly one is expected`);
  const signature = sigs[0]!;
  const signedInfo = child(signature, NS.DS, 'SignedInfo');
  if (!signedInfo) fail('ds:Signature has no ds:SignedInfo');
  const c14n = child(signedInfo, NS.DS, 'CanonicalizationMethod');
  if (attr(c14n, 'Algorithm') !== ALG.EXC_C14N) {
    fail(`SignedInfo CanonicalizationMethod is ${attr(c14n, 'Algorithm') ?? '(none)'}; only exclusive C14N (${ALG.EXC_C14N}) is allowed`);
  }
  const method = attr(child(signedInfo, NS.DS, 'SignatureMethod'), 'Algorithm');
  if (method !== ALG.RSA_SHA256) fail(`SignatureMethod is ${method ?? '(none)'}; only RSA-SHA256 (${ALG.RSA_SHA256}) is allowed`);
  const valueText = text(child(signature, NS.DS, 'SignatureValue'));
  if (!valueText) fail('ds:Signature has no SignatureValue');
  const signer = resolveBst(child(signature, NS.DS, 'KeyInfo'), ctx.ids, 'signature KeyInfo').certificate;

  const refs = children(signedInfo, NS.DS, 'Reference');
  // Messaging, Body and one per attachment: anything beyond is refused before any per-reference work.
  if (refs.length > 2 + ctx.contentIds.length) fail(`SignedInfo holds ${refs.length} references; expected ${2 + ctx.contentIds.length}`);
  const references: CheckedReference[] = [];
  for (const ref of refs) {
    const base = nrReferenceOf(ref);
    const transformEls = children(child(ref, NS.DS, 'Transforms'), NS.DS, 'Transform');
    if (base.digestMethod !== ALG.SHA256) fail(`Reference ${base.uri} uses DigestMethod ${base.digestMethod || '(none)'}; only SHA-256 (${ALG.SHA256}) is allowed`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base.digestValue)) fail(`Reference ${base.uri} has no valid DigestValue`);
    let target: CheckedReference['target'];
    let targetElement: Element | null = null;
    let contentId: string | null = null;
    if (base.uri.startsWith('#')) {
      const el = ctx.ids.get(base.uri.slice(1));
      if (!el) fail(`Reference ${base.uri} points at no element of the message`);
      // Identity, not name: the element the signature covers must be the one that is processed.
      if (el === ctx.messaging) target = 'messaging';
      else if (el === ctx.body) target = 'body';
      else {
        return fail(`Reference ${base.uri} covers ${qname(el!)}, which is not the eb:Messaging or S12:Body of this envelope (signature wrapping?)`);
      }
      targetElement = el!;
      if (base.transforms.length !== 1 || base.transforms[0] !== ALG.EXC_C14N) {
        fail(`Reference ${base.uri} has transforms [${base.transforms.join(', ')}]; only exclusive C14N is allowed`);
      }
    } else if (base.uri.toLowerCase().startsWith('cid:')) {
      target = 'attachment';
      contentId = cidOf(base.uri);
      if (!contentId || !ctx.contentIds.includes(contentId)) fail(`Reference ${base.uri} matches no MIME attachment`);
      if (base.transforms.length !== 1 || base.transforms[0] !== ALG.SWA_SIGNATURE) {
        fail(`Reference ${base.uri} has transforms [${base.transforms.join(', ')}]; attachments must use ${ALG.SWA_SIGNATURE}`);
      }
    } else {
      return fail(`Reference URI "${base.uri}" is neither a same-document (#id) nor a cid: reference`);
    }
    // Named fields, not `...base` (a spread followed by more properties costs microseconds in V8 11).
    references.push({
      uri: base.uri,
      transforms: base.transforms,
      digestMethod: base.digestMethod,
      digestValue: base.digestValue,
      xml: base.xml,
      target,
      contentId,
      element: ref,
      targetElement,
      inclusivePrefixes: prefixList(transformEls[0] ?? null),
    });
  }
  const count = (pred: (r: CheckedReference) => boolean) => references.filter(pred).length;
  for (const [what, n] of [
    ['eb:Messaging', count((r) => r.target === 'messaging')],
    ['S12:Body', count((r) => r.target === 'body')],
  ] as const) {
    if (n === 0) fail(`The signature does not cover the ${what} of this envelope`);
    if (n > 1) fail(`The signature references the ${what} ${n} times`);
  }
  for (const cid of ctx.contentIds) {
    const n = count((r) => r.contentId === cid);
    if (n === 0) fail(`The signature does not cover the attachment cid:${cid}`);
    if (n > 1) fail(`The signature references the attachment cid:${cid} ${n} times`);
  }
  return {
    signature,
    signedInfo: signedInfo!,
    signedInfoPrefixes: prefixList(c14n),
    signatureValue: Buffer.from(valueText!.replace(/\s+/g, ''), 'base64'),
    signer,
    references,
  };
}

export interface ReferenceResult {
  uri: string;
  target: CheckedReference['target'];
  /** null when the attachment plaintext was not available (e.g. not decrypted). */
  valid: boolean | null;
  reason?: string;
}

function digestMatches(expectedBase64: string, actual: Buffer): boolean {
  const expected = Buffer.from(expectedBase64, 'base64');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** An attachment's decrypted (still gzipped) octets, or their SHA-256 when they were digested as a stream. */
export type SignedAttachment = Buffer | { sha256: Buffer };

/** Checks every reference digest; `attachments` maps Content-ID to the decrypted (still gzipped) octets. */
export function checkReferences(check: SignatureCheck, attachments: ReadonlyMap<string, SignedAttachment>): ReferenceResult[] {
  return check.references.map((r) => {
    let digest: Buffer;
    if (r.target === 'attachment') {
      const a = attachments.get(r.contentId!);
      if (!a) return { uri: r.uri, target: r.target, valid: null, reason: 'attachment plaintext not available' };
      digest = Buffer.isBuffer(a) ? sha256(a) : a.sha256;
    } else {
      digest = sha256(excC14n(r.targetElement!, r.inclusivePrefixes));
    }
    const valid = digestMatches(r.digestValue, digest);
    return valid ? { uri: r.uri, target: r.target, valid } : { uri: r.uri, target: r.target, valid, reason: `digest mismatch: the ${r.target} was altered after signing` };
  });
}

/** RSA-SHA256 over the canonical SignedInfo with the BST certificate's key. */
export function checkSignedInfo(check: SignatureCheck): boolean {
  const canonical = excC14n(check.signedInfo, check.signedInfoPrefixes);
  return rsaVerify('sha256', Buffer.from(canonical, 'utf8'), check.signer.publicKey, check.signatureValue);
}

/** Step 5 of the checklist for the signature: throws EBMS:0101 naming the first failure. */
export function verifySignature(check: SignatureCheck, attachments: ReadonlyMap<string, SignedAttachment>): void {
  if (!checkSignedInfo(check)) {
    fail(`The SignatureValue does not verify over SignedInfo with the key of ${oneLineName(check.signer.subject)}`);
  }
  for (const r of checkReferences(check, attachments)) {
    if (r.valid !== true) fail(`Reference ${r.uri} (${r.target}): ${r.reason ?? 'not verified'}`);
  }
}
