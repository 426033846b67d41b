/**
 * buildUserMessage for a payload too large to hold in memory: the payload (an SBD, as chunks) is gzipped
 * into a spool file while its SHA-256 is taken (the attachment reference's digest: the gzip octets), the
 * envelope is signed over that digest, and the HTTP body is produced as a stream: MIME framing, IV, the
 * spool file encrypted with AES-128-GCM as it is read, the GCM tag, the close delimiter. Its length is
 * known before the first byte (IV + gzip size + tag), so it is sent with a Content-Length.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { buildUserMessageXml } from './ebms.js';
import { attachmentCipher, encryptionHeader, IV_BYTES, TAG_BYTES } from './encryption.js';
import { newEnvelopeIds, signedEnvelope } from './envelope.js';
import { multipartFraming } from './mime/build.js';
import { PEPPOL } from './profile.js';
import { cidUri } from './signature.js';
import { newUserMessageIds, type BuiltUserMessage, type OutboundUserMessage } from './user-message.js';

export interface LargeOutboundUserMessage extends Omit<OutboundUserMessage, 'payload' | 'compress'> {
  /** The payload (the SBD) as chunks, read once. */
  payload: AsyncIterable<Buffer> | Iterable<Buffer>;
  /** Where the gzipped payload waits while the message is sent. */
  spoolDir: string;
}

export interface StreamedUserMessage extends Omit<BuiltUserMessage, 'body'> {
  contentLength: number;
  /** The HTTP body as chunks, encrypted as they are read (each call reads the spool file anew). */
  body(): AsyncGenerator<Buffer>;
  /** Removes the spool file; the message cannot be sent after. */
  release(): Promise<void>;
}

export async function buildLargeUserMessage(msg: LargeOutboundUserMessage): Promise<StreamedUserMessage> {
  const { messageId, conversationId, contentId, mimeType, characterSet } = newUserMessageIds(msg);

  const path = join(msg.spoolDir, `as4-outbound-${randomUUID()}`);
  const handle = await open(path, 'wx', 0o600);
  const hash = createHash('sha256');
  let gzipBytes = 0;
  try {
    await pipeline(msg.payload, createGzip(), async (chunks: AsyncIterable<Buffer>) => {
      for await (const c of chunks) {
        hash.update(c);
        gzipBytes += c.length;
        await handle.write(c);
      }
    });
  } catch (err) {
    await handle.close();
    await rm(path, { force: true });
    throw err;
  }
  await handle.close();

  const ids = newEnvelopeIds();
  const messagingXml = buildUserMessageXml(
    { ...msg.header, messageId, conversationId },
    { contentId, mimeType, compressed: true, ...(characterSet ? { characterSet } : {}) },
    ids.messaging,
  );
  const enc = encryptionHeader(msg.receiverCertificate, [{ contentId, mimeType: PEPPOL.GZIP }]);
  const signed = signedEnvelope(msg.sender, ids, messagingXml, enc.xml, [{ contentId, uri: cidUri(contentId), data: { sha256: hash.digest() } }]);
  const frame = multipartFraming({ body: signed.soap }, { contentId, contentType: 'application/octet-stream' });
  return {
    contentType: frame.contentType,
    contentLength: frame.head.length + IV_BYTES + gzipBytes + TAG_BYTES + frame.tail.length,
    messageId,
    conversationId,
    contentId,
    soap: signed.soap,
    signatureReferences: signed.references,
    async *body() {
      yield frame.head;
      yield enc.ivs[0]!;
      const cipher = attachmentCipher(enc, 0);
      for await (const c of createReadStream(path, { highWaterMark: 64 * 1024 })) yield cipher.update(c as Buffer);
      yield cipher.final();
      yield cipher.getAuthTag();
      yield frame.tail;
    },
    release: () => rm(path, { force: true }),
  };
}
