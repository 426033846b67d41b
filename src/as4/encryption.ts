/**
 * Encryption of the payload attachment per the Peppol AS4 profile (peppol-reference §4.3): a fresh
 * AES-128-GCM key per message (octets = IV(12) ‖ ciphertext ‖ tag(16), no AAD), transported with
 * RSA-OAEP (SHA-256 digest, MGF1-SHA256) to the receiver's certificate, which travels as a BST the
 * EncryptedKey references; one xenc:EncryptedData (Attachment-Content-Only) per attachment with a
 * CipherReference to its cid: part. Every failure is EBMS:0102.
 */
import { constants, createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes, randomUUID, type X509Certificate } from 'node:crypto';
import { oneLineName } from '../pki/certificate.js';
import { ApError } from '../errors.js';
import { attr, child, children, escAttr, text } from './dom.js';
import { cidOf } from './ebms.js';
import { NS, WSS } from './ns.js';
import { ALG } from './profile.js';
import { cidUri, type As4Identity } from './signature.js';
import { bstXml, resolveBst, sameCertificate, strXml } from './tokens.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

const fail = (msg: string, cause?: unknown): never => {
  throw new ApError('security.failed-decryption', msg, undefined, cause ? { cause } : undefined);
};

export interface EncryptedAttachment {
  contentId: string;
  data: Buffer;
}

/** The wsse:Security children of an encryption (receiver BST, EncryptedKey, EncryptedData...), its key and one IV per attachment. */
export interface EncryptionHeader {
  xml: string;
  key: Buffer;
  ivs: Buffer[];
}

/** A fresh session key and IVs for the attachments, and the XML that describes their encryption. */
export function encryptionHeader(receiver: X509Certificate, attachments: Array<{ contentId: string; mimeType: string }>): EncryptionHeader {
  const key = randomBytes(16);
  const bstId = `X509-${randomUUID()}`;
  const ekId = `EK-${randomUUID()}`;
  const wrapped = publicEncrypt({ key: receiver.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key);
  const dataRefs: string[] = [];
  const datas: string[] = [];
  const ivs: Buffer[] = [];
  for (const a of attachments) {
    const edId = `ED-${randomUUID()}`;
    ivs.push(randomBytes(IV_BYTES));
    dataRefs.push(`<xenc:DataReference URI="#${edId}"/>`);
    datas.push(
      `<xenc:EncryptedData xmlns:xenc="${NS.XENC}" Id="${edId}" MimeType="${escAttr(a.mimeType)}" Type="${ALG.SWA_CONTENT_ONLY}">` +
        `<xenc:EncryptionMethod Algorithm="${ALG.AES128_GCM}"/>` +
        `<ds:KeyInfo xmlns:ds="${NS.DS}">${strXml(ekId, null, WSS.ENCRYPTED_KEY_TOKEN)}</ds:KeyInfo>` +
        `<xenc:CipherData><xenc:CipherReference URI="${escAttr(cidUri(a.contentId))}"><xenc:Transforms>` +
        `<ds:Transform xmlns:ds="${NS.DS}" Algorithm="${ALG.SWA_CIPHERTEXT}"/></xenc:Transforms></xenc:CipherReference></xenc:CipherData>` +
        '</xenc:EncryptedData>',
    );
  }
  const xml =
    bstXml(receiver, bstId) +
    `<xenc:EncryptedKey xmlns:xenc="${NS.XENC}" Id="${ekId}">` +
    `<xenc:EncryptionMethod Algorithm="${ALG.RSA_OAEP}"><ds:DigestMethod xmlns:ds="${NS.DS}" Algorithm="${ALG.SHA256}"/>` +
    `<xenc11:MGF xmlns:xenc11="${NS.XENC11}" Algorithm="${ALG.MGF1_SHA256}"/></xenc:EncryptionMethod>` +
    `<ds:KeyInfo xmlns:ds="${NS.DS}">${strXml(bstId)}</ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${wrapped.toString('base64')}</xenc:CipherValue></xenc:CipherData>` +
    `<xenc:ReferenceList>${dataRefs.join('')}</xenc:ReferenceList></xenc:EncryptedKey>` +
    datas.join('');
  return { xml, key, ivs };
}

/** The AES-128-GCM cipher of attachment `i` under `header`. */
export function attachmentCipher(header: EncryptionHeader, i: number) {
  return createCipheriv('aes-128-gcm', header.key, header.ivs[i]!, { authTagLength: TAG_BYTES });
}

/**
 * Encrypts the attachments (already gzipped) for the receiver. Returns the wsse:Security children to
 * insert before the signature (receiver BST, EncryptedKey, EncryptedData...) and the encrypted octets.
 */
export function encryptAttachments(
  receiver: X509Certificate,
  attachments: Array<{ contentId: string; data: Buffer; mimeType: string }>,
): { xml: string; encrypted: EncryptedAttachment[] } {
  const header = encryptionHeader(receiver, attachments);
  const encrypted = attachments.map((a, i): EncryptedAttachment => {
    const cipher = attachmentCipher(header, i);
    return { contentId: a.contentId, data: Buffer.concat([header.ivs[i]!, cipher.update(a.data), cipher.final(), cipher.getAuthTag()]) };
  });
  return { xml: header.xml, encrypted };
}

export interface EncryptionCheck {
  encryptedKey: Element;
  /** The certificate the key was encrypted for (the EncryptedKey's BST). */
  recipient: X509Certificate;
  wrappedKey: Buffer;
  /** Content-ID → EncryptedData, one per attachment. */
  data: Map<string, Element>;
}

/**
 * Step 3 of the inbound checklist for encryption: an EncryptedKey with the profile's key transport,
 * addressed by BST; every attachment covered by an EncryptedData with AES-128-GCM and a cid:
 * CipherReference.
 */
export function inspectEncryption(security: Element | null, ids: Map<string, Element>, contentIds: string[]): EncryptionCheck {
  const keys = children(security, NS.XENC, 'EncryptedKey');
  if (keys.length === 0) fail('The payload is not encrypted: wsse:Security has no xenc:EncryptedKey');
  if (keys.length > 1) fail(`wsse:Security holds ${keys.length} xenc:EncryptedKey elements; exactly one is expected`);
  const ek = keys[0]!;
  const em = child(ek, NS.XENC, 'EncryptionMethod');
  const alg = attr(em, 'Algorithm');
  const digest = attr(child(em, NS.DS, 'DigestMethod'), 'Algorithm');
  const mgf = attr(child(em, NS.XENC11, 'MGF'), 'Algorithm');
  if (alg !== ALG.RSA_OAEP || digest !== ALG.SHA256 || mgf !== ALG.MGF1_SHA256) {
    fail(
      `Key transport is ${alg ?? '(none)'} with digest ${digest ?? '(default SHA-1)'} and MGF ${mgf ?? '(default MGF1-SHA1)'}; ` +
        `Peppol requires ${ALG.RSA_OAEP} with SHA-256 and MGF1-SHA256`,
    );
  }
  if (child(em, NS.XENC, 'OAEPparams')) fail('EncryptedKey uses OAEPparams; Peppol uses an empty OAEP label');
  const recipient = resolveBst(child(ek, NS.DS, 'KeyInfo'), ids, 'EncryptedKey KeyInfo').certificate;
  const wrapped = text(child(child(ek, NS.XENC, 'CipherData'), NS.XENC, 'CipherValue'));
  if (!wrapped) fail('EncryptedKey has no CipherData/CipherValue');

  const data = new Map<string, Element>();
  for (const dr of children(child(ek, NS.XENC, 'ReferenceList'), NS.XENC, 'DataReference')) {
    const uri = attr(dr, 'URI') ?? '';
    const ed = uri.startsWith('#') ? ids.get(uri.slice(1)) : undefined;
    if (!ed || ed.namespaceURI !== NS.XENC || ed.localName !== 'EncryptedData') fail(`DataReference ${uri} does not point at an xenc:EncryptedData`);
    if (attr(ed!, 'Type') !== ALG.SWA_CONTENT_ONLY) fail(`EncryptedData ${uri} has Type ${attr(ed!, 'Type') ?? '(none)'}, expected ${ALG.SWA_CONTENT_ONLY}`);
    const dataAlg = attr(child(ed!, NS.XENC, 'EncryptionMethod'), 'Algorithm');
    if (dataAlg !== ALG.AES128_GCM) fail(`EncryptedData ${uri} uses ${dataAlg ?? '(none)'}; Peppol requires ${ALG.AES128_GCM}`);
    const cr = child(child(ed!, NS.XENC, 'CipherData'), NS.XENC, 'CipherReference');
    if (!cr) fail(`EncryptedData ${uri} has no CipherReference to an attachment`);
    const transforms = children(child(cr, NS.XENC, 'Transforms'), NS.DS, 'Transform').map((t) => attr(t, 'Algorithm'));
    if (transforms.length !== 1 || transforms[0] !== ALG.SWA_CIPHERTEXT) {
      fail(`CipherReference of ${uri} must have exactly the ${ALG.SWA_CIPHERTEXT} transform`);
    }
    const cid = cidOf(attr(cr, 'URI') ?? '');
    if (!cid || !contentIds.includes(cid)) fail(`CipherReference ${attr(cr, 'URI') ?? '(none)'} matches no MIME attachment`);
    if (data.has(cid!)) fail(`Attachment cid:${cid} is referenced by more than one EncryptedData`);
    data.set(cid!, ed!);
  }
  for (const cid of contentIds) if (!data.has(cid)) fail(`The attachment cid:${cid} is not encrypted`);
  return { encryptedKey: ek, recipient, wrappedKey: Buffer.from(wrapped!.replace(/\s+/g, ''), 'base64'), data };
}

/**
 * Step 5 of the checklist for encryption: unwraps the key and decrypts each attachment. `receivers` are
 * our AP identities, current first: during a certificate rollover the one being replaced stays here, so a
 * sender whose SMP answer still names the old certificate is decrypted with the old key.
 */
export function decryptAttachments(check: EncryptionCheck, receivers: readonly As4Identity[], attachments: ReadonlyMap<string, Buffer>): Map<string, Buffer> {
  const key = unwrapSessionKey(check, receivers);
  const out = new Map<string, Buffer>();
  for (const [cid] of check.data) {
    const octets = attachments.get(cid);
    if (!octets) fail(`The encrypted attachment cid:${cid} is missing`);
    if (octets!.length < IV_BYTES + TAG_BYTES) fail(`The encrypted attachment cid:${cid} is shorter than IV and tag (${octets!.length} bytes)`);
    const decipher = createDecipheriv('aes-128-gcm', key, octets!.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(octets!.subarray(octets!.length - TAG_BYTES));
    try {
      out.set(cid, Buffer.concat([decipher.update(octets!.subarray(IV_BYTES, octets!.length - TAG_BYTES)), decipher.final()]));
    } catch (err) {
      fail(`AES-GCM authentication failed for cid:${cid}: the attachment was altered in transit or encrypted with another key`, err);
    }
  }
  return out;
}

/** The AES-128 session key of the EncryptedKey, unwrapped with whichever of our identities it names. */
export function unwrapSessionKey(check: EncryptionCheck, receivers: readonly As4Identity[]): Buffer {
  const receiver = receivers.find((r) => sameCertificate(check.recipient, r.certificate));
  if (!receiver) {
    fail(
      `The payload is encrypted for ${oneLineName(check.recipient.subject)} (serial ${check.recipient.serialNumber}), ` +
        `not for this access point's certificate ${receivers.map((r) => `${oneLineName(r.certificate.subject)} (serial ${r.certificate.serialNumber})`).join(' or ')}`,
    );
  }
  let key: Buffer;
  try {
    key = privateDecrypt({ key: receiver!.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, check.wrappedKey);
  } catch (err) {
    return fail('The session key cannot be decrypted with this access point\'s private key (RSA-OAEP failed)', err);
  }
  if (key.length !== 16) fail(`The session key is ${key.length} bytes; AES-128-GCM needs 16`);
  return key;
}

export { fail as failDecryption, IV_BYTES, TAG_BYTES };
