/**
 * SMP client (reference §6.2): fetches ServiceGroup and SignedServiceMetadata over HTTP with a timeout
 * and a size cap, verifies the signature, follows at most one SMP Redirect (checking the CertificateUID),
 * and checks that the answer is about the identifiers asked for. HTTP-level redirects are never followed.
 */
import { ApError } from '../errors.js';
import type { CertificateValidator } from '../pki/types.js';
import { decodeXml } from '../xml/decode.js';
import { parseDom } from '../xml/safe.js';
import { formatId, sameId, sameParticipant, type DocumentTypeIdentifier, type ParticipantIdentifier } from './identifiers.js';
import { verifySmpSignature, type SmpSignatureResult } from './smp-signature.js';
import {
  readServiceGroup,
  readSignedServiceMetadata,
  serviceGroupUrl,
  serviceMetadataUrl,
  type ServiceGroup,
  type ServiceInformation,
} from './smp-xml.js';

export interface SmpClientOptions {
  /** Checks SMP signing certificates (purpose 'smp'). */
  validator: CertificateValidator;
  /** Timeout of one HTTP request (connect to last byte), in milliseconds. */
  timeoutMs?: number;
  /** Largest accepted response body. */
  maxResponseBytes?: number;
}

export interface VerifiedServiceMetadata {
  information: ServiceInformation;
  signature: SmpSignatureResult;
  /** URL the information was read from (after a Redirect, the target's). */
  url: string;
  /** The first SMP's URL when a Redirect was followed. */
  redirectedFrom?: string;
}

interface HttpAnswer {
  status: number;
  body: string;
}

/** Compares a CertificateUID with a certificate subject: the whole DN (any RDN order, any case) or its CN. */
export function certificateUidMatches(certificateUid: string, subject: string): boolean {
  const rdns = (dn: string) =>
    dn
      .split(/[\n,]/)
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        const i = p.indexOf('=');
        return i < 0 ? p.toLowerCase() : `${p.slice(0, i).trim().toLowerCase()}=${p.slice(i + 1).trim().toLowerCase()}`;
      })
      .sort();
  const uid = certificateUid.trim();
  if (!uid) return false;
  const subjectRdns = rdns(subject);
  if (uid.includes('=')) return rdns(uid).join(',') === subjectRdns.join(',');
  const cn = subjectRdns.find((r) => r.startsWith('cn='));
  return cn !== undefined && cn.slice(3) === uid.toLowerCase();
}

export class SmpClient {
  private readonly validator: CertificateValidator;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(options: SmpClientOptions) {
    this.validator = options.validator;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxBytes = options.maxResponseBytes ?? 4 * 1024 * 1024;
  }

  async getServiceGroup(smpUrl: string, participant: ParticipantIdentifier): Promise<ServiceGroup> {
    const url = serviceGroupUrl(smpUrl, participant);
    const answer = await this.get(url);
    if (answer.status === 404) {
      throw new ApError('smp.not-found', `The SMP ${smpUrl} does not know ${formatId(participant)}`, { smpUrl, participant: participant.value });
    }
    const group = readServiceGroup(parseDom(answer.body, { maxBytes: this.maxBytes }));
    if (!sameParticipant(group.participant, participant)) {
      throw new ApError('smp.invalid-response', `The SMP answered about ${formatId(group.participant)} instead of ${formatId(participant)}`, { url });
    }
    return group;
  }

  /**
   * The verified ServiceInformation of a participant for a document type. A 404 is told apart by asking
   * for the ServiceGroup: unknown participant (smp.not-found) or unsupported document type.
   */
  async getServiceMetadata(
    smpUrl: string,
    participant: ParticipantIdentifier,
    documentType: DocumentTypeIdentifier,
    at?: Date,
  ): Promise<VerifiedServiceMetadata> {
    const url = serviceMetadataUrl(smpUrl, participant, documentType);
    const answer = await this.get(url);
    if (answer.status === 404) {
      await this.getServiceGroup(smpUrl, participant); // throws smp.not-found for an unknown participant
      throw this.unsupported(participant, documentType, smpUrl);
    }
    let result = await this.readVerified(url, answer.body, at);
    if (result.metadata.kind === 'redirect') {
      const { href, certificateUid } = result.metadata.redirect;
      const target = await this.get(href);
      if (target.status === 404) throw this.unsupported(participant, documentType, href);
      const redirected = await this.readVerified(href, target.body, at);
      if (redirected.metadata.kind === 'redirect') {
        throw new ApError('smp.invalid-response', `The SMP redirected twice (${url} → ${href} → ${redirected.metadata.redirect.href}); only one Redirect is followed`, { url });
      }
      if (!certificateUidMatches(certificateUid, redirected.signature.signer.certificate.subject)) {
        throw new ApError('smp.bad-signature', `The redirect target ${href} is signed by '${redirected.signature.signer.subject}', not by the CertificateUID '${certificateUid}'`, {
          url: href,
          certificateUid,
        });
      }
      result = { ...redirected, redirectedFrom: url };
    }
    if (result.metadata.kind !== 'information') throw new Error('unreachable: redirect handled above');
    const info = result.metadata.information;
    if (!sameParticipant(info.participant, participant) || !sameId(info.documentType, documentType)) {
      throw new ApError('smp.invalid-response', `The SMP answered about ${formatId(info.participant)} / ${formatId(info.documentType)}, not the identifiers asked for`, {
        url: result.url,
      });
    }
    return {
      information: info,
      signature: result.signature,
      url: result.url,
      ...(result.redirectedFrom ? { redirectedFrom: result.redirectedFrom } : {}),
    };
  }

  private unsupported(participant: ParticipantIdentifier, documentType: DocumentTypeIdentifier, smpUrl: string): ApError {
    return new ApError('smp.document-type-unsupported', `${formatId(participant)} does not accept ${formatId(documentType)}`, {
      participant: participant.value,
      documentType: documentType.value,
      smpUrl,
    });
  }

  private async readVerified(url: string, body: string, at?: Date) {
    // The digest is checked over the same text the DOM was read from (BOM dropped once, here).
    const text = decodeXml(body, { maxBytes: this.maxBytes });
    const doc = parseDom(text, { maxBytes: this.maxBytes });
    const metadata = readSignedServiceMetadata(doc);
    const signature = await verifySmpSignature(text, doc, this.validator, at);
    return { url, metadata, signature, redirectedFrom: undefined as string | undefined };
  }

  /** GET with timeout and size cap; 404 is returned, other failures throw. */
  private async get(url: string): Promise<HttpAnswer> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ApError('smp.invalid-response', `'${url}' is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new ApError('smp.invalid-response', `'${url}' is not an HTTP(S) URL`);
    }
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(parsed, { redirect: 'manual', signal, headers: { accept: 'application/xml, text/xml' } });
    } catch (err) {
      throw new ApError('smp.unreachable', `The SMP at ${url} could not be reached: ${describe(err)}`, { url }, { cause: err });
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return { status: 404, body: '' };
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw new ApError('smp.invalid-response', `The SMP answered HTTP ${res.status} (HTTP redirects are not followed)`, { url, status: res.status });
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      const kind = res.status >= 500 || res.status === 429 ? 'smp.unreachable' : 'smp.invalid-response';
      throw new ApError(kind, `The SMP answered HTTP ${res.status} for ${url}`, { url, status: res.status });
    }
    try {
      return { status: 200, body: await readCapped(res, this.maxBytes) };
    } catch (err) {
      if (err instanceof ApError) throw err;
      throw new ApError('smp.unreachable', `Reading the SMP response from ${url} failed: ${describe(err)}`, { url }, { cause: err });
    }
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new ApError('smp.invalid-response', `The SMP response is ${declared} bytes; the limit is ${maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > maxBytes) throw new ApError('smp.invalid-response', `The SMP response exceeds ${maxBytes} bytes`);
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
