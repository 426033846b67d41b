/**
 * A diagnostic report of an AS4 message for operators (`as4 inspect`): the same checks as the inbound
 * reader, in the same order, but each recorded instead of stopping at the first failure, so one run
 * shows everything that can be checked. Checks that cannot run (no key, --no-decrypt) are reported as
 * skipped and do not fail the report.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { oneLineName } from '../pki/certificate.js';
import { ApError, toApError } from '../errors.js';
import type { CertificateValidator } from '../pki/types.js';
import { DEFAULT_DECOMPRESSION_LIMITS, gunzipBounded } from './compression.js';
import { children, elementChildren } from './dom.js';
import { checkAgreement, checkPeppolHeaders, parseSignalMessage, parseUserMessage, type UserMessage } from './ebms.js';
import { decryptAttachments, inspectEncryption, type EncryptionCheck } from './encryption.js';
import { DEFAULT_ENVELOPE_LIMITS, readEnvelope, type Envelope } from './envelope.js';
import type { MimeMessage } from './mime/message.js';
import { NS } from './ns.js';
import { PEPPOL } from './profile.js';
import { checkReferences, checkSignedInfo, inspectSignature, type SignatureCheck } from './signature.js';

export interface InspectOptions {
  certificateValidator?: CertificateValidator;
  at?: Date;
  /** The receiver's private key; its certificate is taken from the message when not given. */
  receiverKey?: KeyObject;
  receiverCertificate?: import('node:crypto').X509Certificate;
  decrypt: boolean;
}

export interface CheckResult {
  check: string;
  /** true passed, false failed, null skipped. */
  ok: boolean | null;
  message?: string;
  ebmsCode?: string;
}

export interface InspectReport {
  ok: boolean;
  /** EBMS code of the first failed check, as a receiving AP would answer. */
  ebmsErrorCode: string | null;
  mime: { contentType: string; parts: Array<{ contentType: string; contentId: string | null; bytes: number }> };
  kind: 'user-message' | 'signal' | 'unknown';
  header?: Record<string, unknown>;
  signature?: {
    signer: string;
    signedInfoValid: boolean | null;
    references: Array<{ uri: string; target: string; digestValue: string; valid: boolean | null; reason?: string }>;
  };
  certificate?: Record<string, unknown>;
  encryption?: { encryptedFor: string; decrypted: boolean | null };
  payload?: { bytes: number; sha256: string; compressed: boolean };
  checks: CheckResult[];
}


function userMessageFields(um: UserMessage): Record<string, unknown> {
  return {
    messageId: um.messageId,
    timestamp: um.timestamp,
    from: um.from,
    to: um.to,
    agreementRef: um.agreementRef,
    service: { value: um.service, type: um.serviceType },
    action: um.action,
    conversationId: um.conversationId,
    originalSender: um.originalSender,
    finalRecipient: um.finalRecipient,
    parts: um.parts,
  };
}

export async function inspectMessage(message: MimeMessage, opts: InspectOptions): Promise<InspectReport> {
  const report: InspectReport = {
    ok: false,
    ebmsErrorCode: null,
    mime: {
      contentType: message.contentType,
      parts: message.parts.map((p) => ({ contentType: p.contentType, contentId: p.contentId ?? null, bytes: p.body.length })),
    },
    kind: 'unknown',
    checks: [],
  };
  /** Runs one check; returns its value or undefined when it failed. */
  const step = async <T>(check: string, fn: () => T | Promise<T>): Promise<T | undefined> => {
    try {
      const v = await fn();
      report.checks.push({ check, ok: true });
      return v;
    } catch (err) {
      const e = toApError(err);
      report.checks.push({ check, ok: false, message: e.message, ...(e.ebmsCode ? { ebmsCode: e.ebmsCode } : {}) });
      return undefined;
    }
  };
  const skip = (check: string, message: string) => report.checks.push({ check, ok: null, message });
  const finish = (): InspectReport => {
    const failed = report.checks.filter((c) => c.ok === false);
    report.ok = failed.length === 0;
    report.ebmsErrorCode = failed.find((c) => c.ebmsCode)?.ebmsCode ?? null;
    return report;
  };

  const env: Envelope | undefined = await step('SOAP envelope structure', () => readEnvelope(message.root.body, DEFAULT_ENVELOPE_LIMITS));
  if (!env) return finish();
  const ums = children(env.messaging, NS.EB, 'UserMessage');
  const sms = children(env.messaging, NS.EB, 'SignalMessage');
  const contentIds = message.attachments.map((a) => a.contentId ?? '');
  let um: UserMessage | undefined;
  if (ums.length === 1) {
    report.kind = 'user-message';
    um = await step('ebMS UserMessage header', () => parseUserMessage(ums[0]!));
    if (um) {
      report.header = userMessageFields(um);
      await step('Peppol agreement', () => checkAgreement(um!));
      await step('one payload attachment, described by PartInfo', () => {
        if (message.mediaType !== 'multipart/related') throw new ApError('input.unsupported-media-type', `the message is ${message.mediaType}, not multipart/related`);
        if (elementChildren(env.body).length > 0) throw new ApError('ebms.profile-violation', 'the SOAP Body is not empty');
        if (contentIds.length !== 1) throw new ApError('ebms.profile-violation', `${contentIds.length} attachments; Peppol requires exactly one`);
        const described = um!.parts.map((p) => p.contentId);
        if (described.length !== contentIds.length || !described.every((c) => contentIds.includes(c))) {
          throw new ApError('ebms.profile-violation', `PartInfo hrefs [${described.join(', ')}] do not match the attachments [${contentIds.join(', ')}]`);
        }
      });
    }
  } else if (sms.length === 1 && ums.length === 0) {
    report.kind = 'signal';
    const signal = await step('ebMS SignalMessage', () => parseSignalMessage(sms[0]!));
    if (signal) {
      report.header = {
        messageId: signal.messageId,
        timestamp: signal.timestamp,
        refToMessageId: signal.refToMessageId,
        receipt: signal.receipt !== null,
        errors: signal.errors,
      };
    }
  } else {
    report.checks.push({ check: 'ebMS Messaging content', ok: false, message: `${ums.length} UserMessage and ${sms.length} SignalMessage elements`, ebmsCode: 'EBMS:0004' });
  }

  const sig: SignatureCheck | undefined = await step('signature structure, token and algorithms', () =>
    inspectSignature({ ids: env.ids, security: env.security, messaging: env.messaging, body: env.body, contentIds: report.kind === 'signal' ? [] : contentIds }),
  );
  if (sig) {
    if (opts.certificateValidator) {
      const v = await step('signer certificate (chain, validity, key usage, revocation)', () =>
        opts.certificateValidator!.validate(sig.signer, { purpose: 'ap', ...(opts.at ? { at: opts.at } : {}) }),
      );
      report.certificate = {
        subject: oneLineName(sig.signer.subject),
        issuer: oneLineName(sig.signer.issuer),
        serialNumber: sig.signer.serialNumber,
        notBefore: new Date(sig.signer.validFrom).toISOString(),
        notAfter: new Date(sig.signer.validTo).toISOString(),
        validAt: (opts.at ?? new Date()).toISOString(),
        valid: !!v,
        ...(v ? { seatId: v.seatId, chain: v.chain.map((c) => oneLineName(c.subject)), revocation: v.revocation, warnings: v.warnings } : {}),
      };
    } else {
      skip('signer certificate', 'no trust anchors configured');
    }
  }

  let enc: EncryptionCheck | undefined;
  let plain = new Map<string, Buffer>();
  if (report.kind === 'user-message') {
    enc = await step('encryption structure and algorithms', () => inspectEncryption(env.security, env.ids, contentIds));
    if (enc) report.encryption = { encryptedFor: oneLineName(enc.recipient.subject), decrypted: null };
    if (enc && opts.decrypt && opts.receiverKey) {
      const key = opts.receiverKey;
      const cert = opts.receiverCertificate ?? enc.recipient;
      const decrypted = await step('decryption', () => {
        const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
        if (!spki(createPublicKey(key)).equals(spki(cert.publicKey))) {
          throw new ApError('security.failed-decryption', `the given key does not belong to ${oneLineName(cert.subject)}`);
        }
        return decryptAttachments(enc!, [{ privateKey: key, certificate: cert }], new Map(message.attachments.map((a) => [a.contentId ?? '', a.body])));
      });
      if (decrypted) plain = decrypted;
      report.encryption!.decrypted = !!decrypted;
    } else {
      skip('decryption', opts.decrypt ? 'no receiver key given (--key)' : 'skipped (--no-decrypt)');
    }
  }

  if (sig) {
    const signedInfoValid = checkSignedInfo(sig);
    const refs = checkReferences(sig, plain);
    report.signature = {
      signer: oneLineName(sig.signer.subject),
      signedInfoValid,
      references: sig.references.map((r, i) => ({ uri: r.uri, target: r.target, digestValue: r.digestValue, valid: refs[i]!.valid, ...(refs[i]!.reason ? { reason: refs[i]!.reason } : {}) })),
    };
    report.checks.push(
      signedInfoValid
        ? { check: 'SignatureValue over SignedInfo', ok: true }
        : { check: 'SignatureValue over SignedInfo', ok: false, message: 'RSA-SHA256 verification failed', ebmsCode: 'EBMS:0101' },
    );
    for (const r of refs) {
      report.checks.push(
        r.valid === null
          ? { check: `digest of ${r.uri}`, ok: null, message: r.reason ?? 'not checked' }
          : r.valid
            ? { check: `digest of ${r.uri}`, ok: true }
            : { check: `digest of ${r.uri}`, ok: false, message: r.reason ?? 'mismatch', ebmsCode: 'EBMS:0101' },
      );
    }
  }

  if (um && plain.size > 0) {
    const part = um.parts[0];
    const data = part ? plain.get(part.contentId) : undefined;
    if (part && data) {
      const compressed = part.compressionType !== null;
      const payload = await step('decompression', () => {
        if (compressed && part.compressionType !== PEPPOL.GZIP) throw new ApError('as4.decompression-failed', `CompressionType ${part.compressionType} is not supported`);
        return compressed ? gunzipBounded(data, DEFAULT_DECOMPRESSION_LIMITS) : data;
      });
      if (payload) report.payload = { bytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex'), compressed };
    }
  }
  if (um) await step('Peppol header values (party ids, roles, service, original sender, final recipient)', () => checkPeppolHeaders(um!));
  return finish();
}
