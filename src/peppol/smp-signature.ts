/**
 * The enveloped XMLDSig of SMP responses (reference §6.2): one ds:Signature, child of the root, with one
 * Reference URI="" (the whole document) under the enveloped-signature transform, signed by an SMP
 * certificate. SMP 1.3.0 requires RSA-SHA256; RSA-SHA1 is still met in the network and is accepted with a
 * warning. xml-crypto does the canonicalisation and the cryptography; this file fixes the policy.
 */
import { X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { ApError } from '../errors.js';
import type { CertificateValidator, ValidatedCertificate } from '../pki/types.js';
import { DSIG_NS } from './smp-xml.js';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const C14N_TRANSFORMS = new Set([
  EXC_C14N,
  'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  'http://www.w3.org/2006/12/xml-c14n11',
]);

export interface SmpSigningKey {
  /** PKCS#8 or PKCS#1 PEM. */
  keyPem: string;
  certPem: string;
  /** Default rsa-sha256; rsa-sha1 exists to reproduce older SMPs in tests. */
  algorithm?: 'rsa-sha256' | 'rsa-sha1';
}

/** Appends the enveloped signature to the root of `xml`. */
export function signSmpResponse(xml: string, key: SmpSigningKey): string {
  const sha1 = key.algorithm === 'rsa-sha1';
  const sig = new SignedXml({
    privateKey: key.keyPem,
    publicCert: key.certPem,
    signatureAlgorithm: sha1 ? RSA_SHA1 : RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  sig.addReference({ xpath: '/*', transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: sha1 ? SHA1 : SHA256, isEmptyUri: true });
  sig.computeSignature(xml, { location: { reference: '/*', action: 'append' } });
  return sig.getSignedXml();
}

export interface SmpSignatureResult {
  signer: ValidatedCertificate;
  signatureAlgorithm: string;
  digestAlgorithm: string;
  warnings: string[];
}

const ELEMENT_NODE = 1;

function dsChildren(parent: Element, localName: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT_NODE && (n as Element).localName === localName && (n as Element).namespaceURI === DSIG_NS) out.push(n as Element);
  }
  return out;
}

function badSignature(message: string, details?: Record<string, unknown>): never {
  throw new ApError('smp.bad-signature', message, details);
}

function oneDs(parent: Element, localName: string): Element {
  const found = dsChildren(parent, localName);
  if (found.length !== 1) badSignature(`${parent.localName} must contain exactly one ds:${localName} (found ${found.length})`);
  return found[0]!;
}

/**
 * Verifies the signature of an SMP response. `xml` must be the exact text `doc` was parsed from (the
 * digest is computed over it). The signing certificate is checked by the PKI validator (purpose 'smp')
 * before its key is used. Rejects with smp.bad-signature, or the validator's pki.* error.
 */
export async function verifySmpSignature(
  xml: string,
  doc: Document,
  validator: CertificateValidator,
  at?: Date,
): Promise<SmpSignatureResult> {
  const root = doc.documentElement;
  const all = doc.getElementsByTagNameNS(DSIG_NS, 'Signature');
  if (all.length !== 1) badSignature(`The response must carry exactly one ds:Signature (found ${all.length})`);
  const signature = all[0]!;
  if (signature.parentNode !== root) badSignature('The ds:Signature must be a child of the document root (enveloped signature)');

  const signedInfo = oneDs(signature, 'SignedInfo');
  const warnings: string[] = [];
  const signatureAlgorithm = oneDs(signedInfo, 'SignatureMethod').getAttribute('Algorithm') ?? '';
  if (signatureAlgorithm === RSA_SHA1) {
    warnings.push('The SMP signed with RSA-SHA1; Peppol SMP 1.3.0 requires RSA-SHA256');
  } else if (signatureAlgorithm !== RSA_SHA256) {
    badSignature(`Unsupported signature algorithm '${signatureAlgorithm}'`);
  }
  const references = dsChildren(signedInfo, 'Reference');
  if (references.length !== 1) badSignature(`SignedInfo must contain exactly one Reference (found ${references.length})`);
  const reference = references[0]!;
  if (reference.getAttribute('URI') !== '') badSignature('The Reference must cover the whole document (URI="")');
  const transforms = dsChildren(reference, 'Transforms')[0];
  const transformAlgs = transforms ? dsChildren(transforms, 'Transform').map((t) => t.getAttribute('Algorithm') ?? '') : [];
  if (transformAlgs[0] !== ENVELOPED || transformAlgs.slice(1).some((a) => !C14N_TRANSFORMS.has(a)) || transformAlgs.length > 2) {
    badSignature(`The Reference must use the enveloped-signature transform (then canonicalisation only), got [${transformAlgs.join(', ')}]`);
  }
  const digestAlgorithm = oneDs(reference, 'DigestMethod').getAttribute('Algorithm') ?? '';
  if (digestAlgorithm === SHA1) warnings.push('The SMP signature digests with SHA-1');
  else if (digestAlgorithm !== SHA256) badSignature(`Unsupported digest algorithm '${digestAlgorithm}'`);

  const certText = (() => {
    const keyInfo = oneDs(signature, 'KeyInfo');
    const x509Data = dsChildren(keyInfo, 'X509Data')[0];
    const certEl = x509Data ? dsChildren(x509Data, 'X509Certificate')[0] : undefined;
    return certEl ? (certEl.textContent ?? '').replace(/\s+/g, '') : badSignature('The signature has no KeyInfo/X509Data/X509Certificate');
  })();
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(certText, 'base64'));
  } catch {
    badSignature('The signing certificate in KeyInfo cannot be decoded');
  }
  const signer = await validator.validate(certificate, { purpose: 'smp', ...(at ? { at } : {}) });
  warnings.push(...signer.warnings);

  const sig = new SignedXml({ publicCert: certificate.publicKey });
  sig.loadSignature(signature);
  let valid: boolean;
  try {
    valid = sig.checkSignature(xml);
  } catch (err) {
    badSignature(`The SMP signature does not verify: ${(err as Error).message}`);
  }
  if (!valid) badSignature('The SMP signature does not verify: the signed content was changed');
  return { signer, signatureAlgorithm, digestAlgorithm, warnings };
}
