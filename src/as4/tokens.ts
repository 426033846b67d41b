/**
 * WS-Security X.509 token handling: BinarySecurityToken (X509v3) elements, SecurityTokenReference to them,
 * and the ID registry used to resolve same-document references. Every `wsu:Id`, `Id`, `ID` and `xml:id`
 * counts as an ID, and a value used twice rejects the message: duplicate IDs are the lever of signature
 * wrapping attacks (the verifier would check one element and the processor read another).
 */
import { X509Certificate } from 'node:crypto';
import { ApError } from '../errors.js';
import { attr, child, escAttr, isElement, qname } from './dom.js';
import { NS, WSS } from './ns.js';

/** Element by ID value; throws EBMS:0101 on a duplicate. */
export function collectIds(doc: Document): Map<string, Element> {
  const ids = new Map<string, Element>();
  const walk = (n: Node): void => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (!isElement(c)) continue;
      // One pass over the attributes (wsu:Id, Id, ID, xml:id) rather than a lookup per ID attribute.
      const attrs = c.attributes;
      for (let i = 0; i < attrs.length; i++) {
        const a = attrs.item(i)!;
        const ns = a.namespaceURI;
        const isId =
          a.name === 'Id' || a.name === 'ID' || (ns === NS.WSU && a.localName === 'Id') || (ns === NS.XML && a.localName === 'id');
        if (!isId) continue;
        const v = a.value;
        const prev = ids.get(v);
        if (prev && prev !== c) {
          throw new ApError(
            'security.failed-authentication',
            `The ID "${v}" is used by both ${qname(prev)} and ${qname(c)}; duplicate IDs are refused (signature wrapping)`,
          );
        }
        ids.set(v, c);
      }
      walk(c);
    }
  };
  walk(doc);
  return ids;
}

/** Base64 DER of our own certificates, written into every receipt and message we sign. */
const certificateBase64 = new WeakMap<X509Certificate, string>();

/** `wsse:BinarySecurityToken` for a certificate. wsse and wsu must be bound by an ancestor. */
export function bstXml(cert: X509Certificate, wsuId: string): string {
  let b64 = certificateBase64.get(cert);
  if (b64 === undefined) certificateBase64.set(cert, (b64 = cert.raw.toString('base64')));
  return (
    `<wsse:BinarySecurityToken EncodingType="${WSS.BASE64}" ValueType="${WSS.X509V3}" wsu:Id="${escAttr(wsuId)}">` +
    b64 +
    '</wsse:BinarySecurityToken>'
  );
}

/** `wsse:SecurityTokenReference` pointing at a token by its wsu:Id. */
export function strXml(tokenId: string, valueType: string | null = WSS.X509V3, tokenType?: string): string {
  const tt = tokenType ? ` xmlns:wsse11="${NS.WSSE11}" wsse11:TokenType="${escAttr(tokenType)}"` : '';
  const vt = valueType ? ` ValueType="${escAttr(valueType)}"` : '';
  return `<wsse:SecurityTokenReference${tt}><wsse:Reference URI="#${escAttr(tokenId)}"${vt}/></wsse:SecurityTokenReference>`;
}

/**
 * Parsed certificates by their base64 DER. Peers send the same few certificates over and over, and
 * parsing one costs about as much as an RSA signature check; the key is the exact encoding, so a hit is
 * the same certificate.
 */
const parsedCertificates = new Map<string, X509Certificate>();
const MAX_CACHED_CERTIFICATES = 256;

function certificateOf(base64: string): X509Certificate {
  const hit = parsedCertificates.get(base64);
  if (hit) return hit;
  const cert = new X509Certificate(Buffer.from(base64, 'base64'));
  if (parsedCertificates.size >= MAX_CACHED_CERTIFICATES) parsedCertificates.delete(parsedCertificates.keys().next().value!);
  parsedCertificates.set(base64, cert);
  return cert;
}

export interface ResolvedToken {
  element: Element;
  certificate: X509Certificate;
}

/**
 * The certificate a ds:KeyInfo designates. Peppol requires KeyInfo → wsse:SecurityTokenReference →
 * wsse:Reference URI="#id" → wsse:BinarySecurityToken (X509v3); anything else (X509Data, KeyIdentifier,
 * IssuerSerial) is a policy violation (EBMS:0103). `what` names the owner in messages.
 */
export function resolveBst(keyInfo: Element | null, ids: Map<string, Element>, what: string): ResolvedToken {
  const policy = (msg: string): never => {
    throw new ApError('security.policy-noncompliance', `${what}: ${msg}`);
  };
  if (!keyInfo) policy('no ds:KeyInfo');
  const str = child(keyInfo, NS.WSSE, 'SecurityTokenReference');
  if (!str) policy('ds:KeyInfo has no wsse:SecurityTokenReference; the certificate must be sent as a BinarySecurityToken');
  const ref = child(str, NS.WSSE, 'Reference');
  if (!ref) policy('the wsse:SecurityTokenReference does not use wsse:Reference to a BinarySecurityToken (KeyIdentifier and IssuerSerial are not allowed)');
  const uri = attr(ref, 'URI') ?? '';
  if (!uri.startsWith('#')) policy(`wsse:Reference URI "${uri}" is not a same-document reference`);
  const bst = ids.get(uri.slice(1));
  if (!bst || bst.namespaceURI !== NS.WSSE || bst.localName !== 'BinarySecurityToken') {
    policy(`wsse:Reference ${uri} does not point at a wsse:BinarySecurityToken`);
  }
  if (attr(bst!, 'ValueType') !== WSS.X509V3) policy(`BinarySecurityToken ValueType is "${attr(bst!, 'ValueType') ?? ''}", expected X509v3`);
  const enc = attr(bst!, 'EncodingType');
  if (enc !== null && enc !== WSS.BASE64) policy(`BinarySecurityToken EncodingType "${enc}" is not Base64Binary`);
  try {
    return { element: bst!, certificate: certificateOf((bst!.textContent ?? '').replace(/\s+/g, '')) };
  } catch (err) {
    throw new ApError('pki.bad-certificate', `${what}: the BinarySecurityToken is not a readable X.509 certificate`, undefined, { cause: err });
  }
}

export function sameCertificate(a: X509Certificate, b: X509Certificate): boolean {
  return a.raw.equals(b.raw);
}
